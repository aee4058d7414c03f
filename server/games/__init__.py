"""Games this server can run, by name."""

from server.games.arena import Arena
from server.games.base import Game

GAMES: dict[str, type[Game]] = {Arena.name: Arena}
