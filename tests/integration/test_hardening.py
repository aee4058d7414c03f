"""Hardening: unexpected handler errors, hostile tokens and auth, the input fast lane really in
place, /metrics behind a token, security headers on the pages."""

from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import config_with, refusal
from tests.rawsocket import RawSocket

METRICS_TOKEN = "s3cret-metrics"


@pytest.fixture
def server_config(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>")
    return config_with(metrics_token=METRICS_TOKEN, web_root=str(tmp_path))


async def test_an_unexpected_error_in_a_handler_is_answered_not_hung(tickwire, connect,
                                                                    monkeypatch):
    async def broken(game=None):
        raise RuntimeError("a bug")

    monkeypatch.setattr(tickwire.lobby, "public_rooms", broken)
    client = await connect("victim")
    assert (await refusal(client.list_rooms())).code == "bad_request"
    assert await client.ping() < 5  # the connection still works


@pytest.mark.parametrize("token", ["room.sécrét", "room.\x00\x01", "room." + "€" * 20, "."])
async def test_malformed_tokens_are_refused_before_any_comparison(connect, token):
    client = await connect("resumer")
    assert (await refusal(client.resume(token))).code == "bad_token"


async def test_a_deeply_nested_version_is_refused_plainly(tickwire):
    nested: list = []
    for _ in range(300):
        nested = [nested]
    raw = RawSocket(tickwire.url)
    try:
        answer = await raw.open(auth={"v": nested, "name": "deep"})
    finally:
        await raw.close()
    assert answer["type"] == 4  # CONNECT_ERROR
    assert answer["data"]["data"]["code"] == "bad_version"
    assert "no version" in answer["data"]["data"]["message"]


async def test_inputs_take_the_fast_lane(tickwire, connect):
    """Fails when the fast lane is not installed in front of aiohttp's parser: every input
    would then take the slow path and the counter stay at zero."""
    player = await connect("fast")
    await player.create_room()
    for _ in range(5):
        seq = await player.send_input(dx=1.0, dy=0.0, aim=0.0, fire=False)
        await player.wait_until(lambda mirror, seq=seq: mirror.ack == seq)
    assert tickwire.lobby.stats.traffic.fast_lane_messages >= 5


async def test_metrics_need_the_token(tickwire):
    async with aiohttp.ClientSession() as http:
        async with http.get(tickwire.url + "/metrics") as anonymous:
            assert anonymous.status == 401
        headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        async with http.get(tickwire.url + "/metrics", headers=headers) as allowed:
            assert allowed.status == 200
            assert "tickwire_refusals_total" in await allowed.text()


async def test_pages_carry_security_headers(tickwire):
    async with aiohttp.ClientSession() as http, http.get(tickwire.url + "/") as page:
        assert page.status == 200
        policy = page.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["X-Frame-Options"] == "DENY"


async def test_refusals_are_counted_by_code(tickwire, connect):
    client = await connect("counted")
    await refusal(client.join(code="NOPE22"))
    await refusal(client.leave())
    refusals = tickwire.lobby.stats.refusals
    assert refusals["room_not_found"] == 1 and refusals["not_in_room"] == 1


async def test_a_non_ascii_secret_for_a_real_room_is_refused(connect):
    host = await connect("host")
    joined = await host.create_room()
    client = await connect("resumer")
    room_id = joined.room["id"]
    assert (await refusal(client.resume(f"{room_id}.sécrét-sécrét"))).code == "bad_token"
    assert await host.ping() < 5
