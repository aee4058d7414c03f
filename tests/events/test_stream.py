"""``GET /api/events`` over a real socket: live events with their outbox positions, filters by
type and room, private rooms only with the admin token, ``Last-Event-ID`` resume from the
outbox's history, and clear refusals."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from client import TickwireClient
from tests.events.helpers import check_event
from tests.events.test_webhook import play_a_match
from tests.helpers import config_with

TOKEN = "admin-token-for-tests"


class EventReader:
    """A server-sent-events reader of ``/api/events``: ``(position, event)`` pairs."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = 10.0) -> tuple[int, dict[str, Any]]:
        """The next event (comments and pings skipped)."""
        position, data = 0, ""
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.response.content.readline()).decode().rstrip("\r\n")
                if line.startswith("id:"):
                    position = int(line[3:].strip())
                elif line.startswith("data:"):
                    data += line[5:].strip()
                elif not line and data:
                    return position, check_event(json.loads(data))

    async def until(self, type_: str, subject: str) -> list[tuple[int, dict[str, Any]]]:
        """Every event up to the first ``type_`` of ``subject``, that one included."""
        seen = []
        while True:
            seen.append(await self.next())
            if seen[-1][1]["type"] == type_ and seen[-1][1]["subject"] == subject:
                return seen


@contextlib.asynccontextmanager
async def reading(url: str, headers: dict[str, str] | None = None
                  ) -> AsyncIterator[EventReader]:
    async with aiohttp.ClientSession() as session, session.get(
            f"{url}/api/events" if "?" not in url else url, headers=headers) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        yield EventReader(response)


@pytest.fixture
def server_config(tmp_path):
    return config_with(admin_token=TOKEN, data_dir=str(tmp_path), trusted_proxies="127.0.0.1/32")


async def test_live_events_arrive_in_order_with_their_positions(tickwire):
    async with reading(tickwire.url) as reader:
        room_id, _, _ = await play_a_match(tickwire.url)
        seen = await reader.until("room.ended", room_id)
    positions = [position for position, _ in seen]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert next(e["type"] for _, e in seen if e["subject"] == room_id) == "room.created"


async def test_filters_by_type_prefix_and_room(tickwire):
    other, _, _ = await play_a_match(tickwire.url)
    url = f"{tickwire.url}/api/events?type=room.*,player.resumed"
    async with reading(url) as everything:
        room_id, _, _ = await play_a_match(tickwire.url)
        async with reading(f"{url}&room={room_id}&last_event_id=0") as one_room:
            seen = await one_room.until("room.ended", room_id)
        live = await everything.until("room.ended", room_id)
    assert [e["type"] for _, e in seen] == ["room.created", "room.started", "player.resumed",
                                             "room.ended"]
    assert {e["type"] for _, e in live} <= {"room.created", "room.started", "player.resumed",
                                             "room.ended"}
    assert {e["subject"] for _, e in seen} == {room_id} != {other}


async def test_private_rooms_need_the_admin_token(tickwire):
    async with reading(tickwire.url) as public, reading(
            tickwire.url, {"Authorization": f"Bearer {TOKEN}"}) as admin:
        host = TickwireClient("secretive")
        await host.connect(tickwire.url)
        private = (await host.create_room(public=False)).room["id"]
        await host.disconnect()
        room_id, _, _ = await play_a_match(tickwire.url)  # public
        admin_saw = await admin.until("room.ended", room_id)
        public_saw = await public.until("room.ended", room_id)
    assert private in {e["subject"] for _, e in admin_saw}
    assert private not in {e["subject"] for _, e in public_saw}
    async with aiohttp.ClientSession() as session, session.get(
            f"{tickwire.url}/api/events", headers={"Authorization": "Bearer wrong"}) as reply:
        assert reply.status == 401


async def test_last_event_id_resumes_from_the_history(tickwire):
    async with reading(tickwire.url) as first:
        room_id, _, _ = await play_a_match(tickwire.url)
        seen = await first.until("room.ended", room_id)
    middle = seen[len(seen) // 2][0]
    async with reading(tickwire.url, {"Last-Event-ID": str(middle)}) as resumed:
        again = await resumed.until("room.ended", room_id)
    assert [(p, e["id"]) for p, e in again] == [(p, e["id"]) for p, e in seen if p > middle]


@pytest.mark.parametrize("query", ["type=Room.ended", "type=" + ",".join(["a"] * 17),
                                   "room=not%20an%20id", "last_event_id=-1"])
async def test_bad_queries_are_refused_clearly(tickwire, query):
    async with aiohttp.ClientSession() as session, session.get(
            f"{tickwire.url}/api/events?{query}") as reply:
        assert reply.status == 400
        body = await reply.json()
    assert body["ok"] is False and body["code"] == "bad_request" and body["message"]


async def test_one_address_may_hold_eight_readers(tickwire):
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(8):
            await stack.enter_async_context(reading(tickwire.url))
        async with aiohttp.ClientSession() as session, session.get(
                f"{tickwire.url}/api/events") as reply:
            assert reply.status == 429
            assert (await reply.json())["code"] == "too_many_connections"
    async with reading(tickwire.url) as again:  # the readers are counted out when they go
        room_id, _, _ = await play_a_match(tickwire.url)
        assert (await again.until("room.ended", room_id))[-1][1]["subject"] == room_id


async def test_behind_a_trusted_proxy_readers_count_by_the_forwarded_address(tickwire):
    first, second = ({"X-Forwarded-For": address} for address in ("203.0.113.7", "203.0.113.8"))
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(8):
            await stack.enter_async_context(reading(tickwire.url, first))
        async with aiohttp.ClientSession() as session, session.get(
                f"{tickwire.url}/api/events", headers=first) as reply:
            assert reply.status == 429
        async with reading(tickwire.url, second) as other:  # another player behind the proxy
            room_id, _, _ = await play_a_match(tickwire.url)
            assert (await other.until("room.ended", room_id))[-1][1]["subject"] == room_id
