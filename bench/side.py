"""``python -m bench.side``: two checkouts' servers under S2's (or S4's) load at the same time.

``python -m bench.side [--shape S2] [--reps 5] [--window 25] [--clients N] OLD=DIR NEW=DIR``
starts each checkout's own server for the shape (``bench.systems`` there, Tickwire) pinned to
CPU 0 and each checkout's own loadgen (the shape's clients: for S2 200 in rooms of 8 players
and 16 NPCs, for S4 64 in one large-arena room) pinned to CPU 1, waits until both windows are
open, and reads both servers' CPU time over the same ``--window`` seconds. Whatever else the
machine does hits both servers alike, so their ratio is steady where one run after another is
not (two runs of the same checkout give 0.99-1.01). Each rep starts the servers in the other
order. Prints a line per rep, then one JSON object: each side's CPU % per rep, the median
ratio NEW / OLD and, for a side with sinks, its event figures per rep
(``bench.events.event_figures``).

``DIR+events`` gives that side's server the Kafka and RabbitMQ event sinks of S2E
(``bench.events``; Tansu is started for the run, RabbitMQ must answer on 127.0.0.1:5672), so
``plain=DIR sinks=DIR+events`` measures what the sinks cost, side by side.

Each DIR needs its own ``.venv`` and ``bench/node_modules`` (symlinks to this checkout's do).
The figures only mean something while CPU 0 has time to spare: when the two servers together
need more than it has, the scheduler splits it evenly and the ratio reads 1.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from bench import procs
from bench.events import BROKERS, event_figures
from bench.measure import LOADGEN_CPU, SERVER_CPU
from bench.prometheus import Scrape, scrape
from bench.shapes import SHAPES as BENCH_SHAPES
from bench.shapes import Shape

SHAPES = ("S2", "S4")  # the shapes of one Tickwire server it can run
DEFAULT_GAME = "bench"  # the loadgen's game when it is given none
WINDOW_TIMEOUT = 60.0  # seconds for both loadgens to connect and warm up
COMMAND = ("import json; from bench.shapes import SHAPES; from bench.systems import SYSTEMS; "
           "print(json.dumps(SYSTEMS['tickwire'].command({port}, SHAPES[{shape!r}])))")


class Side:
    """One checkout's server and loadgen.

    :param name: what the output calls it.
    :param checkout: the checkout's root.
    :param shape: the load (S2 or S4).
    :param events: the server publishes to the event sinks of ``bench.events``.
    """

    def __init__(self, name: str, checkout: Path, shape: Shape, events: bool = False) -> None:
        self.name = name
        self.checkout = checkout
        self.shape = shape
        self.events = events
        self.port = procs.free_port()
        self.lines: list[str] = []
        self.server: subprocess.Popen[bytes] | None = None
        self.loadgen: subprocess.Popen[str] | None = None

    def start_server(self) -> None:
        """Start the checkout's server on CPU 0 and wait until it serves."""
        python = str(self.checkout / ".venv" / "bin" / "python")
        argv = json.loads(subprocess.check_output(
            [python, "-c", COMMAND.format(port=self.port, shape=self.shape.name)],
            cwd=self.checkout, text=True))
        if self.events:
            argv += BROKERS.flags(self.port)
        self.server = subprocess.Popen(procs.pinned(argv, SERVER_CPU), cwd=self.checkout,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.wait_until_serving(f"http://127.0.0.1:{self.port}/metrics", self.server)

    def start_loadgen(self, clients: int, seconds: float) -> None:
        """Start the checkout's loadgen of ``clients`` on CPU 1 for a window of ``seconds``."""
        argv = ["node", "bench/loadgen.js", "--system", "tickwire", "--port", str(self.port),
                "--clients", str(clients), "--players", str(self.shape.players),
                "--npcs", str(self.shape.npcs), "--warmup", "4",
                "--duration", str(seconds), "--max-time", str(seconds + 90)]
        if self.shape.game != DEFAULT_GAME:  # older checkouts' loadgens know no --game
            argv += ["--game", self.shape.game]
        self.loadgen = subprocess.Popen(procs.pinned(argv, LOADGEN_CPU), cwd=self.checkout,
                                        text=True, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, args=(self.loadgen,), daemon=True).start()

    def _read(self, loadgen: subprocess.Popen[str]) -> None:
        assert loadgen.stdout is not None
        for line in loadgen.stdout:
            self.lines.append(line.strip())

    @property
    def window_open(self) -> bool:
        return "WINDOW_START" in self.lines

    @property
    def connected(self) -> str:
        return next((line for line in self.lines if line.startswith("CONNECTED")), "?")

    def metrics(self) -> Scrape:
        """The server's ``/metrics`` now."""
        return scrape(f"http://127.0.0.1:{self.port}/metrics")

    def cpu_seconds(self) -> float:
        assert self.server is not None
        return procs.cpu_seconds(self.server.pid)

    def stop(self) -> None:
        """Release the loadgen's clients, then stop both processes."""
        if self.loadgen is not None:
            try:
                assert self.loadgen.stdin is not None
                self.loadgen.stdin.write("\n")
                self.loadgen.stdin.flush()
                self.loadgen.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.loadgen.kill()
        if self.server is not None:
            procs.stop(self.server)


def one_rep(checkouts: dict[str, tuple[Path, bool]], order: list[str], shape: Shape,
            window: float, clients: int) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    """Both servers' CPU % over the same ``window`` seconds under ``clients`` each, started
    in ``order``, and the event figures of those with sinks; ``checkouts`` maps a name to its
    directory and whether it has sinks."""
    sides = [Side(name, checkouts[name][0], shape, checkouts[name][1]) for name in order]
    try:
        for side in sides:
            side.start_server()
        for side in sides:
            side.start_loadgen(clients, window + 10)
        deadline = time.monotonic() + WINDOW_TIMEOUT
        while not all(side.window_open for side in sides):
            if time.monotonic() > deadline:
                raise RuntimeError("the loadgens did not open their windows: "
                                   + ", ".join(f"{s.name} {s.connected}" for s in sides))
            time.sleep(0.2)
        start = {side.name: side.cpu_seconds() for side in sides}
        before = {side.name: side.metrics() for side in sides if side.events}
        began = time.monotonic()
        time.sleep(window)
        elapsed = time.monotonic() - began
        cpu = {side.name: round(100 * (side.cpu_seconds() - start[side.name]) / elapsed, 1)
               for side in sides}
        return cpu, {side.name: event_figures(before[side.name], side.metrics())
                     for side in sides if side.events}
    finally:
        for side in sides:
            side.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs=2, metavar="NAME=DIR[+events]",
                        help="the reference first, then the one compared with it")
    parser.add_argument("--shape", choices=SHAPES, default="S2")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--window", type=float, default=25.0, help="measured seconds")
    parser.add_argument("--clients", type=int, help="clients of each server (the shape's)")
    args = parser.parse_args()
    shape = BENCH_SHAPES[args.shape]
    checkouts = {name: _checkout(spec) for name, spec in
                 (pair.split("=", 1) for pair in args.checkouts)}
    if len(checkouts) != 2:
        parser.error("give the two checkouts different names")
    with_events = any(events for _, events in checkouts.values())
    if with_events:
        BROKERS.start()
    try:
        compare(checkouts, shape, args.reps, args.window, args.clients or shape.clients)
    finally:
        if with_events:
            BROKERS.stop()


def _checkout(spec: str) -> tuple[Path, bool]:
    """``DIR`` or ``DIR+events``: the directory, and whether its server has the sinks."""
    path = spec.removesuffix("+events")
    return Path(path).resolve(), path != spec


def compare(checkouts: dict[str, tuple[Path, bool]], shape: Shape, reps: int, window: float,
            clients: int) -> None:
    """Run ``reps`` reps, printing a line each, then the JSON summary."""
    old, new = checkouts
    cpu: dict[str, list[float]] = {old: [], new: []}
    events: dict[str, list[dict[str, Any]]] = {}
    ratios = []
    for rep in range(reps):
        order = [old, new] if rep % 2 == 0 else [new, old]
        figures, sinks = one_rep(checkouts, order, shape, window, clients)
        for name, value in figures.items():
            cpu[name].append(value)
        for name, value in sinks.items():
            events.setdefault(name, []).append(value)
        ratios.append(round(figures[new] / figures[old], 3))
        print(f"rep {rep + 1}/{reps}: {old} {figures[old]}%, {new} {figures[new]}%, "
              f"{new} / {old} {ratios[-1]}", flush=True)
    print(json.dumps({"cpu_pct": cpu, "ratios": ratios,
                      "median_ratio": round(statistics.median(ratios), 3), "events": events}))


if __name__ == "__main__":
    main()
