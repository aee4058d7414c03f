"""Games' own events (``Game.publish``) over a real server: a well-formed one goes out as
``<game>.<kind>`` in its room's order; a malformed one (kind, data not JSON, too large) is
dropped and counted, and the room ticks on."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import aiohttp

from client import TickwireClient
from server.games import GAMES
from server.games.base import Game, Player
from shared.schema import EntitySchema, InputField, InputSchema, SettingsSchema, num
from tests.events.helpers import serving, settled, until
from tests.helpers import config_with

GOOD, BAD_KIND, NOT_JSON, TOO_LARGE, NOT_A_MAP = range(1, 6)


class Herald(Game):
    """A test game: each input publishes one event, well formed or not."""

    name = "herald"
    entity_schema = EntitySchema(num("x"))
    input_schema = InputSchema(InputField("act", "int", 0, NOT_A_MAP))
    settings_schema = SettingsSchema()

    def join(self, player: Player) -> None:
        self.entities[player.id] = SimpleNamespace(x=0)

    def apply(self, player: Player, values: dict[str, Any]) -> None:
        act = values["act"]
        if act == GOOD:
            self.publish("shout", {"by": player.name})
        elif act == BAD_KIND:
            self.publish("Not A Kind!", {"by": player.name})
        elif act == NOT_JSON:
            self.publish("shout", {"what": object()})
        elif act == TOO_LARGE:
            self.publish("shout", {"text": "x" * 5000})
        elif act == NOT_A_MAP:
            self.publish("shout", ["a", "list"])  # type: ignore[arg-type]


async def test_well_formed_game_events_go_out_and_malformed_ones_are_counted(tmp_path):
    config = config_with(data_dir=str(tmp_path))
    async with serving(config, {**GAMES, Herald.name: Herald}) as (server, service):
        player = TickwireClient("crier")
        await player.connect(server.url)
        seat = await player.create_room(game="herald", public=True)
        for act in (GOOD, BAD_KIND, NOT_JSON, TOO_LARGE, NOT_A_MAP, GOOD):
            seq = await player.send_input(act=act)
            await player.wait_until(lambda m, seq=seq: m.ack >= seq)
        ticked = player.mirror.tick
        await player.wait_until(lambda m: m.tick >= ticked + 5)  # the room ticks on
        await until(lambda: service.producer.game_events_dropped == 4)
        await player.leave()
        await player.disconnect()
        await settled(server, service, seat.room["id"])
        stored = [json.loads(e.body) for e in await service.outbox.read(0, 100)]
        async with aiohttp.ClientSession() as session, session.get(
                f"{server.url}/metrics") as reply:
            metrics = await reply.text()
    trail = [e for e in stored if e["subject"] == seat.room["id"]]
    shouts = [e for e in trail if e["type"] == "herald.shout"]
    assert [e["data"] for e in shouts] == [{"by": "crier"}, {"by": "crier"}]
    assert [e["roomseq"] for e in trail] == list(range(1, len(trail) + 1))
    assert "tickwire_game_events_dropped_total 4.0" in metrics
