"""``python -m bench.server``: ``python -m server`` (same flags) that also offers the bench game.

The benchmark starts this (``bench/systems.py``); its load generator quick-joins game
``"bench"`` or ``"bench-large"`` (``bench/game.py``). Everything else is the normal server.
"""

from __future__ import annotations

import sys

from bench.game import BenchArena, LargeBenchArena
from server.__main__ import main as serve
from server.games import GAMES


def main(argv: list[str] | None = None) -> None:
    """Serve the usual games, ``bench`` and ``bench-large`` until interrupted."""
    games = {**GAMES, **{game.name: game for game in (BenchArena, LargeBenchArena)}}
    serve(argv, games=games, prog="python -m bench.server")


if __name__ == "__main__":
    main(sys.argv[1:])
