"""What the outbox promises when things break: a broker killed mid-run (Tansu SIGKILLed,
RabbitMQ stopped with ``rabbitmqctl stop_app``) and brought back gets every event at least
once, none missing, every room in order; a server SIGKILLed with undelivered events delivers
them after a restart; a webhook that takes 5 s per request costs the rooms no late tick."""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import sys

import aio_pika
import aiohttp

from bench.tansu import Tansu
from client import TickwireClient
from tests.events.brokers import RABBITMQ_URL, KafkaReader
from tests.events.helpers import (
    Receiver,
    assert_room_order,
    serving,
    settled,
    types_of,
    until,
)
from tests.events.test_webhook import play_a_match
from tests.helpers import (
    ROOT,
    assert_consecutive,
    config_with,
    free_port,
    record_ticks,
    start_server,
)

ROOM_A = ["room.created", "player.joined", "player.joined", "player.left", "room.started",
          "player.left", "room.ended"]


async def open_room(url: str) -> tuple[TickwireClient, dict]:
    """A host in a new public room (``room.created``, ``player.joined``)."""
    host = TickwireClient("host")
    await host.connect(url)
    seat = await host.create_room(public=True)
    return host, seat.room


async def carry_on(url: str, host: TickwireClient, room: dict) -> str:
    """A guest comes and goes, the host starts and leaves (room A closes); meanwhile a whole
    second match is played. Returns the second room's id."""
    guest = TickwireClient("guest")
    await guest.connect(url)
    await guest.join(room_id=room["id"])
    await guest.leave()
    await host.start()
    await guest.disconnect()
    second, _, _ = await play_a_match(url)
    await host.leave()
    await host.disconnect()
    return second


async def test_kafka_broker_killed_and_restarted_loses_nothing(tmp_path):
    broker, topic = Tansu(tmp_path), "tickwire-events"
    await asyncio.to_thread(broker.start, topic)
    url = f"kafka://{broker.address}/{topic}?idempotent=false"
    config = config_with(events=(url,), data_dir=str(tmp_path), events_backoff_max=0.5)
    try:
        async with serving(config) as (server, service):
            delivery = service.pipeline.deliveries[0]
            host, room = await open_room(server.url)
            before = KafkaReader(broker.address, topic)
            await before.consumer.start()
            await before.read_until(lambda got: len(types_of(got, room["id"])) == 2)
            await before.consumer.stop()

            broker.kill()
            second = await carry_on(server.url, host, room)
            # the producer gives a batch up after its request timeout (10 s)
            await until(lambda: room["id"] not in server.lobby.rooms and delivery.depth > 0
                        and delivery.stats.retried > 0, timeout=30, what="events held back")
            await asyncio.to_thread(broker.start, topic)
            after = KafkaReader(broker.address, topic)
            await after.consumer.start()
            try:
                await after.read_until(lambda got: "room.ended" in types_of(got, room["id"])
                                       and "room.ended" in types_of(got, second), timeout=30)
            finally:
                await after.consumer.stop()
    finally:
        broker.kill()
    events = before.events + after.events
    rooms = assert_room_order(events)
    assert [e["type"] for e in rooms[room["id"]]] == ROOM_A
    assert rooms[second][-1]["type"] == "room.ended"


async def rabbitmqctl(*arguments: str) -> None:
    """Run ``rabbitmqctl`` on the local node and wait for it (a minute at most)."""
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", *arguments, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    _, errors = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, errors.decode()


async def test_rabbitmq_stopped_and_started_again_loses_nothing(tmp_path):
    name = f"tw-test-{secrets.token_hex(4)}"
    connection = await aio_pika.connect(RABBITMQ_URL)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue(name, durable=True)  # survives the broker's restart
    await queue.bind(exchange, "#")
    await connection.close()
    config = config_with(events=(f"{RABBITMQ_URL}{name}",), data_dir=str(tmp_path),
                         events_backoff_max=0.5)
    try:
        async with serving(config) as (server, service):
            delivery = service.pipeline.deliveries[0]
            host, room = await open_room(server.url)
            await until(lambda: delivery.depth == 0 and delivery.stats.delivered >= 3)
            await rabbitmqctl("stop_app")
            try:
                second = await carry_on(server.url, host, room)
                await until(lambda: room["id"] not in server.lobby.rooms and delivery.depth > 0
                            and delivery.stats.retried > 0, what="events held back")
            finally:
                await rabbitmqctl("start_app")
            await settled(server, service, second, timeout=30)
        events = await read_queue(name)
    finally:
        await delete_exchange_and_queue(name)
    rooms = assert_room_order(events)
    assert [e["type"] for e in rooms[room["id"]]] == ROOM_A
    assert rooms[second][-1]["type"] == "room.ended"


async def read_queue(name: str) -> list[dict]:
    """Every message waiting in the durable queue ``name``, as JSON."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    try:
        queue = await (await connection.channel()).declare_queue(name, durable=True)
        events = []
        while (message := await queue.get(timeout=5, fail=False)) is not None:
            events.append(json.loads(message.body))
        return events
    finally:
        await connection.close()


async def delete_exchange_and_queue(name: str) -> None:
    connection = await aio_pika.connect(RABBITMQ_URL)
    try:
        channel = await connection.channel()
        await channel.queue_delete(name)
        await channel.exchange_delete(name)
    finally:
        await connection.close()


async def test_a_server_killed_with_undelivered_events_delivers_them_after_a_restart(tmp_path):
    hook = Receiver()
    hook.port = free_port()  # nothing listens there yet: every delivery fails
    data = str(tmp_path / "data")
    flags = ("--data-dir", data, "--events", hook.url, "--empty-room-grace", "0.2",
             "--events-backoff-max", "0.5")
    process = await start_server("--port", str(port := free_port()), *flags)
    try:
        room_id, _, _ = await play_a_match(f"http://127.0.0.1:{port}")
        await _until_produced(f"http://127.0.0.1:{port}", 10)  # node.up + the whole match
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    await hook.start()
    restarted = await start_server("--port", str(free_port()), *flags)
    try:
        events = await hook.wait_for(lambda got: "room.ended" in types_of(got, room_id))
    finally:
        restarted.terminate()
        await restarted.wait()
        await hook.stop()
    assert types_of(events, room_id) == [
        "room.created", "player.joined", "player.joined", "room.started", "player.left",
        "player.resumed", "player.left", "player.left", "room.ended"]
    assert_room_order(events)
    assert types_of(events)[0] == "node.up"  # the first run's, kept across the kill


async def _until_produced(url: str, count: int) -> None:
    async def produced() -> float:
        async with aiohttp.ClientSession() as session, session.get(f"{url}/metrics") as reply:
            for line in (await reply.text()).splitlines():
                if line.startswith("tickwire_events_produced_total "):
                    return float(line.split()[-1])
        return 0.0

    async with asyncio.timeout(10):
        while await produced() < count:
            await asyncio.sleep(0.05)


async def test_a_slow_webhook_costs_no_late_tick(tmp_path):
    hook = Receiver(delay=5.0)
    await hook.start()
    config = config_with(events=(hook.url,), data_dir=str(tmp_path))
    try:
        async with serving(config) as (server, service):
            watcher = TickwireClient("watcher")
            await watcher.connect(server.url)
            seat = await watcher.create_room(public=True)
            ticks = record_ticks(watcher)
            late_before = server.lobby.stats.clock.late
            for round_ in range(6):  # joins and leaves: events while a request hangs
                guest = TickwireClient(f"guest{round_}")
                await guest.connect(server.url)
                await guest.join(code=seat.code)
                await guest.leave()
                await guest.disconnect()
            await until(lambda: len(hook.requests) >= 1 and len(ticks) >= 40, timeout=10)
            assert service.pipeline.deliveries[0].depth > 0  # held back by the slow receiver
            await watcher.disconnect()
    finally:
        await hook.stop()
    assert_consecutive(ticks)
    assert server.lobby.stats.clock.late == late_before


async def test_a_second_server_on_the_same_data_dir_refuses_to_start_and_says_why(tmp_path):
    data = str(tmp_path / "data")
    first = await start_server("--port", str(free_port()), "--data-dir", data)
    try:
        second = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server", "--port", str(free_port()), "--data-dir", data,
            "--web-root", "", cwd=ROOT, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        async with asyncio.timeout(20):
            _, errors = await second.communicate()
    finally:
        first.terminate()
        await first.wait()
    assert second.returncode == 2
    assert f"the event outbox in {data} is in use by another process" in errors.decode()
