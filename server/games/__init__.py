"""Games this server can run, by name."""

from server.games.arena import Arena
from server.games.arena_large import LargeArena
from server.games.base import Game

GAMES: dict[str, type[Game]] = {game.name: game for game in (Arena, LargeArena)}
