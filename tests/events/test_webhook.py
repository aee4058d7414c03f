"""Room events out through the CloudEvents HTTP sink to a real local receiver: what a match
produces, in order and valid against shared/events; batch, structured and binary modes with
their auth headers; a receiver that fails, then recovers; /metrics and /healthz."""

from __future__ import annotations

import aiohttp
import pytest

from client import TickwireClient
from tests.events.helpers import (
    Receiver,
    assert_room_order,
    get_json,
    serving,
    types_of,
    unique,
    until,
)
from tests.helpers import config_with


@pytest.fixture
async def receiver():
    hook = Receiver()
    await hook.start()
    yield hook
    await hook.stop()


async def play_a_match(url: str) -> tuple[str, int, int]:
    """Two players: the host creates a public room and starts it, a guest joins, drops and
    resumes, then both leave and the room closes. Returns the room id and the players'
    ids."""
    host, guest = TickwireClient("host"), TickwireClient("guest")
    await host.connect(url)
    await guest.connect(url)
    seat = await host.create_room(public=True)
    joined = await guest.join(code=seat.code)
    await host.start()
    await guest.drop_connection()
    await guest.reconnect(url)
    await guest.leave()
    await host.leave()
    for client in (host, guest):
        await client.disconnect()
    return seat.room["id"], seat.player_id, joined.player_id


async def test_a_match_reaches_the_webhook_in_order_and_each_event_fits_its_schema(
        receiver, tmp_path):
    config = config_with(events=(receiver.url,), data_dir=str(tmp_path))
    async with serving(config) as (server, events):
        room_id, host_id, guest_id = await play_a_match(server.url)
        received = await receiver.wait_for(lambda got: "room.ended" in types_of(got, room_id))

    assert types_of(received, room_id) == [
        "room.created", "player.joined", "player.joined", "room.started",
        "player.left", "player.resumed", "player.left", "player.left", "room.ended"]
    trail = assert_room_order(received)[room_id]
    assert [e["data"].get("reason") for e in trail if e["type"] == "player.left"] == [
        "drop", "leave", "leave"]
    assert {e["source"] for e in trail} == {f"/tickwire/{events.log.node}/rooms/{room_id}"}
    assert all(e["partitionkey"] == room_id for e in trail)
    ended = trail[-1]["data"]
    assert ended["reason"] == "room_closed" and ended["started"] and ended["public"]
    assert [(p["player_id"], p["name"], p["present"]) for p in ended["players"]] == [
        (host_id, "host", False), (guest_id, "guest", False)]
    assert ended["duration"] > 0
    assert receiver.requests[0]["Content-Type"].startswith("application/cloudevents-batch+json")
    node_events = [e for e in unique(received) if e["type"].startswith("node.")]
    assert [e["type"] for e in node_events] == ["node.up", "node.down"]


@pytest.mark.parametrize("mode", ["binary", "structured"])
async def test_one_request_per_event_with_the_auth_header_the_receiver_wants(
        mode, tmp_path, monkeypatch):
    monkeypatch.setenv("HOOK_TOKEN", "s3cret-token")
    hook = Receiver(token="s3cret-token") if mode == "binary" else Receiver(sas_key="grid-key")
    await hook.start()
    auth = "bearer=env:HOOK_TOKEN" if mode == "binary" else "aeg-sas-key=grid-key"
    config = config_with(events=(f"{hook.url}?mode={mode}&{auth}",), data_dir=str(tmp_path))
    try:
        async with serving(config) as (server, events):
            room_id, _, _ = await play_a_match(server.url)
            received = await hook.wait_for(lambda got: "room.ended" in types_of(got, room_id))
            sink = events.pipeline.deliveries[0].sink.name
            assert "s3cret" not in sink and "grid-key" not in sink
    finally:
        await hook.stop()
    assert_room_order(received)
    requests = [r for r in hook.requests if r.get("ce-subject", room_id) == room_id]
    assert len(hook.requests) == len(received)  # one request per event
    if mode == "binary":
        assert all(r["ce-specversion"] == "1.0" and r["Content-Type"] == "application/json"
                   for r in requests)
        assert {r["Authorization"] for r in hook.requests} == {"Bearer s3cret-token"}
    else:
        assert all(r["Content-Type"].startswith("application/cloudevents+json")
                   for r in hook.requests)
        assert {r["aeg-sas-key"] for r in hook.requests} == {"grid-key"}


async def test_a_failing_receiver_holds_back_its_events_until_it_recovers(receiver, tmp_path):
    receiver.status = 503
    config = config_with(events=(receiver.url,), data_dir=str(tmp_path),
                         events_backoff_max=0.2, events_degraded_after=0.3)
    async with serving(config) as (server, events):
        room_id, _, _ = await play_a_match(server.url)
        delivery = events.pipeline.deliveries[0]
        await until(lambda: delivery.stats.retried >= 3 and not events.pipeline.healthy,
                    what="the sink failing long enough to be reported")
        _, health = await get_json(f"{server.url}/healthz")
        assert health["status"] == "degraded"
        assert not health["sinks"][delivery.sink.name]["ok"]
        assert "503" in health["sinks"][delivery.sink.name]["last_error"]
        assert health["sinks"]["history"]["ok"]

        receiver.status = 200
        received = await receiver.wait_for(lambda got: "room.ended" in types_of(got, room_id))
        assert_room_order(received)
        await until(lambda: delivery.depth == 0, what="the delivery acknowledged")
        _, health = await get_json(f"{server.url}/healthz")
        assert health["status"] == "ok"
        async with aiohttp.ClientSession() as session:
            metrics = await (await session.get(f"{server.url}/metrics")).text()
        count = len(unique(received))
    name = delivery.sink.name
    assert f'tickwire_events_retried_total{{sink="{name}"}}' in metrics
    delivered = _metric(metrics, f'tickwire_events_delivered_total{{sink="{name}"}}')
    assert delivered == count >= 10
    assert _metric(metrics, f'tickwire_events_outbox_depth{{sink="{name}"}}') == 0
    assert _metric(metrics, "tickwire_events_produced_total") >= delivered


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in /metrics")
