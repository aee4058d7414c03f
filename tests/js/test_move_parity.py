"""The browser's prediction uses the same movement as the server: Python's and JavaScript's
``move`` give identical results on the same few thousand inputs, in the arena's world and in
the large arena's."""

from __future__ import annotations

import random

import pytest

from shared.games.arena import RULES, move
from shared.games.arena_large import LARGE

CASES = 5000


def _cases(rng: random.Random, world: float) -> list[list[float]]:
    edges = [0.0, world, -0.0, 0.125, world - 0.125]
    cases = []
    for index in range(CASES):
        x = rng.choice(edges) if index % 10 == 0 else rng.uniform(-20, world + 20)
        y = rng.choice(edges) if index % 7 == 0 else rng.uniform(-20, world + 20)
        if index % 3 == 0:  # what a keyboard sends
            dx, dy = float(rng.choice((-1, 0, 1))), float(rng.choice((-1, 0, 1)))
        else:  # what a stick or a bot sends
            dx, dy = rng.uniform(-1, 1), rng.uniform(-1, 1)
        dt = rng.choice((1 / 20, 1 / 30, 1 / 60, 1 / 7, rng.uniform(0.001, 0.2)))
        cases.append([x, y, dx, dy, dt, world])
    return cases


@pytest.mark.parametrize("world", [RULES.world, LARGE.world])
def test_js_move_matches_python(run_script, world):
    cases = _cases(random.Random(20261123), world)
    expected = [list(move(*case)) for case in cases]
    actual = run_script("move_cli.mjs", cases)
    mismatches = [(case, e, a) for case, e, a in zip(cases, expected, actual, strict=True)
                  if e != a]
    assert not mismatches, f"{len(mismatches)} of {CASES} differ, e.g. {mismatches[:3]}"
