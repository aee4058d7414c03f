"""The large arena: the reference arena in a 4,000-unit world with up to 300 drones, sent to
each client by grid cell (see ``shared.games.arena_large``)."""

from __future__ import annotations

from server.games.arena import Arena, arena_settings
from shared.games.arena_large import GRID, LARGE


class LargeArena(Arena):
    """The arena, large; each client receives only the cells around its ship."""

    name = "arena-large"
    settings_schema = arena_settings(npcs=LARGE.npcs, max_npcs=LARGE.npcs)
    world = LARGE.world
    interest = GRID
