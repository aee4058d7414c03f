"""The bullets' target index finds the same first hit as looking at every body in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.games.targets import Targets

REACH = 16.0


class Dot:
    def __init__(self, x: float, y: float) -> None:
        self.x, self.y = x, y


def first_hit(bodies: list[tuple[int, Dot]], x: float, y: float) -> int | None:
    return next((eid for eid, body in bodies
                 if (body.x - x) ** 2 + (body.y - y) ** 2 <= REACH * REACH), None)


coordinate = st.floats(-20, 300, allow_nan=False)


@given(st.lists(st.tuples(coordinate, coordinate), max_size=40),
       st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=20))
def test_near_keeps_every_body_in_reach_in_order(places, shots):
    bodies = [(eid, Dot(x, y)) for eid, (x, y) in enumerate(places, start=1)]
    targets = Targets(bodies, REACH)
    for x, y in shots:
        assert first_hit(targets.near(x, y), x, y) == first_hit(bodies, x, y)
