"""The large arena (game ``arena-large``): the arena in a bigger world with many players and
drones, where each client receives only the grid cells around its ship (interest
management, ``shared.grid``). The constants live in ``arena_large.json``; the browser reads
the world's size from the welcome's ``interest``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shared.games.arena import RULES
from shared.grid import Grid


@dataclass(frozen=True, slots=True)
class LargeArenaRules:
    """Tuning of the large arena; see ``arena_large.json``.

    :param world: side of the world.
    :param max_players: seats a room is made for (the bench and the room budget's example).
    :param npcs: drones by default, and at most.
    :param cell: side of an interest cell.
    :param view_cells: cells a client sees in each direction around its ship's cell.
    :param slack: units past its view a ship may go before it drops a cell it holds.
    """

    world: float
    max_players: int
    npcs: int
    cell: float
    view_cells: int
    slack: float


LARGE = LargeArenaRules(**json.loads(Path(__file__).with_name("arena_large.json").read_text()))
GRID = Grid(LARGE.world, LARGE.cell, LARGE.view_cells, LARGE.slack, RULES.position_step)
