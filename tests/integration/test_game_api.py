"""The game API beyond the tick, over real sockets: a game vetoes joins, sends one-off
messages to one player or the room, and hears once when its room ends."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from server.app import GATEWAY
from server.games import GAMES
from server.games.base import Game, JoinRequest, Player
from shared.protocol import LIMITS
from shared.schema import EntitySchema, InputField, InputSchema, SettingsSchema, num
from tests.helpers import refusal

PASSWORD = "sesame"
WHISPER, SHOUT, OVERSIZED, UNENCODABLE, FLOOD, CRASH, FAIL_AT_END = range(1, 8)
FLOOD_SIZE = LIMITS.max_game_messages_per_tick + 8


class Vault(Game):
    """A test game: players need the password; each input asks for one kind of message;
    ``end`` records its reason and says goodbye with a message."""

    name = "vault"
    entity_schema = EntitySchema(num("x"))
    input_schema = InputSchema(InputField("act", "int", 0, FAIL_AT_END))
    settings_schema = SettingsSchema()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ended: list[str] = []
        self.crash = self.fail_at_end = False

    def join_attempt(self, request: JoinRequest) -> str | None:
        if request.spectate or request.metadata.get("password") == PASSWORD:
            return None
        return f"Wrong password, {request.name}"

    def join(self, player: Player) -> None:
        self.entities[player.id] = SimpleNamespace(x=0)

    def leave(self, player: Player) -> None:
        self.entities.pop(player.id, None)

    def apply(self, player: Player, values: dict[str, Any]) -> None:
        act = values["act"]
        if act == WHISPER:
            self.send(player.id, "whisper", {"to": player.name})
        elif act == SHOUT:
            self.broadcast("shout", {"from": player.name})
        elif act == OVERSIZED:
            self.broadcast("big", "x" * LIMITS.max_game_message_bytes)
        elif act == UNENCODABLE:
            self.broadcast("bad", {"what": object()})
        elif act == FLOOD:
            for number in range(FLOOD_SIZE):
                self.broadcast("flood", number)
        self.crash = self.crash or act == CRASH
        self.fail_at_end = self.fail_at_end or act == FAIL_AT_END

    def step(self, tick: int) -> None:
        if self.crash:
            raise RuntimeError("the vault game crashed (on purpose)")

    def end(self, reason: str) -> None:
        self.ended.append(reason)
        self.broadcast("final", reason)
        if self.fail_at_end:
            raise RuntimeError("the vault game failed to end (on purpose)")


SECRET = {"password": PASSWORD}


@pytest.fixture
def server_games():
    return {**GAMES, Vault.name: Vault}


async def act(client, action: int) -> None:
    """Send one input and wait until the tick after the one that applied it, so the
    messages it caused (delivered right after that tick's state) have arrived."""
    seq = await client.send_input(act=action)
    applied = await client.wait_until(lambda m: m.ack >= seq)
    await client.wait_until(lambda m, tick=applied.tick: m.tick > tick)


async def test_the_game_admits_only_who_it_wants_and_says_why(connect):
    host = await connect("host")
    created = await host.create_room(game="vault", public=True, metadata=SECRET)
    guest = await connect("guest")
    wrong = await refusal(guest.join(code=created.code, metadata={"password": "open"}))
    assert (wrong.code, wrong.message) == ("join_refused", "Wrong password, guest")
    assert (await refusal(guest.join(code=created.code))).code == "join_refused"
    assert (await refusal(guest.quick_join(game="vault"))).code == "join_refused"
    assert (await refusal((await connect("nobody")).create_room(game="vault"))).code == (
        "join_refused")
    joined = await guest.quick_join(game="vault", metadata=SECRET)
    assert joined.room["id"] == created.room["id"]  # the veto of one attempt changes nothing
    watcher = await connect("watcher")
    assert (await watcher.join(code=created.code, spectate=True)).player_id is None
    await host.wait_until(lambda m: len(m.view()) == 2 and host.room["spectators"] == 1)


@pytest.mark.parametrize("metadata", [
    [1, 2],
    {"k": [1]},
    {"k": {"nested": 1}},
    {"k": "x" * (LIMITS.max_metadata_chars + 1)},
    {"k" * (LIMITS.max_metadata_chars + 1): 1},
    {"k": 2**60},
    {f"k{i}": i for i in range(LIMITS.max_metadata_entries + 1)},
])
async def test_metadata_is_a_small_flat_map(connect, metadata):
    client = await connect("client")
    error = await refusal(client.request("create", {"game": "vault", "metadata": metadata}))
    assert error.code == "bad_request"
    assert "metadata" in error.message


async def test_a_message_to_one_player_reaches_only_that_player(connect):
    host = await connect("host")
    created = await host.create_room(game="vault", metadata=SECRET)
    guest, watcher = await connect("guest"), await connect("watcher")
    await guest.join(code=created.code, metadata=SECRET)
    await watcher.join(code=created.code, spectate=True)

    await act(guest, WHISPER)
    assert await guest.wait_for_message("whisper") == {"to": "guest"}
    await act(host, SHOUT)
    for client in (host, guest, watcher):
        assert await client.wait_for_message("shout") == {"from": "host"}
    # each connection gets its messages in order: a whisper would have come before the shout
    assert [kind for kind, _ in host.messages] == ["shout"]
    assert [kind for kind, _ in watcher.messages] == ["shout"]
    assert [kind for kind, _ in guest.messages] == ["whisper", "shout"]


async def test_a_bad_game_message_is_dropped_and_counted_and_the_room_ticks_on(tickwire,
                                                                            connect):
    host = await connect("host")
    await host.create_room(game="vault", metadata=SECRET)
    counters = tickwire.lobby.stats.messages
    dropped = counters.dropped
    for action in (OVERSIZED, UNENCODABLE, FLOOD):
        await act(host, action)
    assert counters.dropped - dropped == 2 + FLOOD_SIZE - LIMITS.max_game_messages_per_tick
    floods = [payload for kind, payload in host.messages if kind == "flood"]
    assert floods == list(range(LIMITS.max_game_messages_per_tick))
    assert {kind for kind, _ in host.messages} == {"flood"}
    tick = host.mirror.tick
    await host.wait_until(lambda m: m.tick > tick + 5)


async def test_the_end_hook_runs_once_when_the_room_closes(tickwire, connect):
    host = await connect("host")
    created = await host.create_room(game="vault", metadata=SECRET)
    room = tickwire.lobby.rooms[created.room["id"]]
    await host.leave()
    await asyncio.wait_for(room.wait_closed(), timeout=5)  # empty for its grace period
    await room.close()
    assert room.game.ended == ["room_closed"]


async def test_the_end_hook_hears_of_a_game_error_and_speaks_before_the_close(tickwire,
                                                                            connect):
    host = await connect("host")
    created = await host.create_room(game="vault", metadata=SECRET)
    room = tickwire.lobby.rooms[created.room["id"]]
    await host.send_input(act=CRASH)
    assert (await host.wait_closed())["code"] == "game_error"
    assert list(host.messages) == [("final", "game_error")]  # delivered before `closed`
    assert room.game.ended == ["game_error"]


async def test_the_end_hook_hears_of_the_shutdown_and_may_fail(tickwire, connect):
    host, other = await connect("host"), await connect("other")
    quiet = await host.create_room(game="vault", metadata=SECRET)
    failing = await other.create_room(game="vault", metadata=SECRET)
    await act(other, FAIL_AT_END)
    rooms = [tickwire.lobby.rooms[joined.room["id"]] for joined in (quiet, failing)]
    await tickwire.server.app[GATEWAY].shutdown()
    for client in (host, other):
        assert (await client.wait_closed())["code"] == "shutting_down"
        assert list(client.messages) == [("final", "shutting_down")]
    assert [room.game.ended for room in rooms] == [["shutting_down"], ["shutting_down"]]
    assert tickwire.lobby.rooms == {}  # the failing end hook did not keep its room open
