"""The live listing feed (Redis Pub/Sub, across a real Redis restart) and the coalescing
listing writer, observed through that feed."""

from __future__ import annotations

import asyncio
import dataclasses

from server.cluster.listing_feed import ListingEvent
from server.cluster.listing_writer import ListingWriter
from tests.cluster.helpers import NodeFactory, PrivateRedis


async def test_the_feed_carries_public_room_changes_of_every_node(
        make_node: NodeFactory) -> None:
    watcher = await make_node("watcher")
    other = await make_node("other")
    feed = watcher.directory.subscribe_listings()
    try:
        assert await anext(feed) == ListingEvent("resync")
        await other.open_room("PRIV22", public=False)
        room = await other.open_room("PUBL22", players=1)
        assert await anext(feed) == ListingEvent("put", room.id, room.public_view())

        changed = dataclasses.replace(room, players=2, started=True)
        await other.directory.update(changed)
        assert await anext(feed) == ListingEvent("put", room.id, changed.public_view())
        await other.directory.update(changed)  # no change: nothing is published

        await other.directory.remove(room.id)
        assert await anext(feed) == ListingEvent("remove", room.id)
    finally:
        await feed.aclose()


async def test_the_feed_resubscribes_after_a_real_redis_restart(
        make_node: NodeFactory, private_redis: PrivateRedis) -> None:
    await private_redis.start()
    node = await make_node("n1", url=private_redis.url)
    feed = node.directory.subscribe_listings()
    try:
        assert await anext(feed) == ListingEvent("resync")
        private_redis.kill()
        await private_redis.start()
        async with asyncio.timeout(5.0):
            assert await anext(feed) == ListingEvent("resync")
            room = await node.open_room("AFTR22")
            event = await anext(feed)
            while event.kind == "resync":
                event = await anext(feed)
        assert event == ListingEvent("put", room.id, room.public_view())
    finally:
        await feed.aclose()


async def test_the_writer_sends_at_most_one_listing_a_second_and_the_latest(
        make_node: NodeFactory) -> None:
    node = await make_node("n1")
    room = await node.open_room("BUSY22")
    feed = node.directory.subscribe_listings()
    writer = ListingWriter(node.directory)
    try:
        assert await anext(feed) == ListingEvent("resync")
        latest = {"listing": room}  # what the room would report right now
        loop = asyncio.get_running_loop()
        started = loop.time()
        for players in range(1, 101):  # 100 changes over about 1.5 s
            latest["listing"] = dataclasses.replace(room, players=players % 9)
            writer.changed(room.id, lambda: latest["listing"])
            await asyncio.sleep(0.015)
        await writer.drained()
        elapsed = loop.time() - started

        writes = []
        while True:
            try:
                async with asyncio.timeout(0.3):
                    writes.append(await anext(feed))
            except TimeoutError:
                break
        assert 1 <= len(writes) <= int(elapsed) + 1
        assert writes[-1].room == latest["listing"].public_view()
        assert await node.directory.by_code("BUSY22") == latest["listing"]
    finally:
        await writer.close()
        await feed.aclose()


async def test_the_writer_skips_rooms_that_closed_and_forgotten_ones(
        make_node: NodeFactory) -> None:
    node = await make_node("n1")
    closed = await node.open_room("GONE22")
    forgotten = await node.open_room("FORG22")
    kept = await node.open_room("KEPT22")
    writer = ListingWriter(node.directory)
    try:
        writer.changed(closed.id, lambda: None)
        writer.changed(forgotten.id, lambda: dataclasses.replace(forgotten, players=5))
        writer.forget(forgotten.id)
        writer.changed(kept.id, lambda: dataclasses.replace(kept, players=4))
        await writer.drained()
        assert await node.directory.by_code("GONE22") == closed
        assert await node.directory.by_code("FORG22") == forgotten
        assert (await node.directory.by_code("KEPT22")).players == 4  # type: ignore[union-attr]
    finally:
        await writer.close()

