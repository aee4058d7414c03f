"""A stand-in node process for death tests: registers, opens public rooms, runs until killed.

``python -m tests.cluster.node_process REDIS_URL PREFIX NODE_ID CODE...`` prints ``ready``
once its rooms are claimed.
"""

from __future__ import annotations

import asyncio
import sys

from server.cluster.directory_redis import RedisDirectory
from server.cluster.nodes import NodeRegistry
from server.cluster.redis_link import connect
from server.directory import RoomListing


async def main(url: str, prefix: str, node_id: str, codes: list[str]) -> None:
    directory = RedisDirectory(connect(url), prefix)
    rooms: dict[str, RoomListing] = {}
    registry = NodeRegistry(directory, node_id, f"http://127.0.0.1/{node_id}",
                            lambda: rooms.values())
    await registry.start()
    for code in codes:
        listing = RoomListing(id=f"{node_id}-{code}", code=code, game="arena", public=True,
                              players=1, max_players=8, spectators=0, started=False,
                              node=node_id)
        assert await directory.claim(listing)
        rooms[listing.id] = listing
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
