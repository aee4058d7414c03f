"""Cross-node messages through python-socketio's own client managers.

In a cluster the Socket.IO server's client manager is python-socketio's ``AsyncRedisManager``
(or ``AsyncAioPikaManager`` with ``--message-queue amqp://...``) composed with Tickwire's
encode-once ``FanoutManager``::

    class RedisBus(socketio.AsyncRedisManager, NodeFanout)

The method order is RedisBus, AsyncRedisManager, AsyncPubSubManager, NodeFanout,
FanoutManager, AsyncManager: ``sio.emit`` goes to ``AsyncPubSubManager.emit``, which publishes
the emit on the queue and delivers it on this node, and every node (this one included) delivers
it through ``FanoutManager.emit``: one encode, one write per local recipient. That is the only
traffic on the queue: rooms, errors and the shutdown ``bye`` use ``manager.fanout`` directly,
which is local, so per-tick traffic never crosses Redis, and server-side disconnects of local
clients never publish either (python-socketio handles a local sid locally).

Node-to-node requests (an admin kick for a room on another node) are emits of the reserved
event ``CONTROL_EVENT`` addressed to the pseudo-room ``node_room(node id)``; ``NodeFanout``
intercepts that event on every node before any client could get it, and the node it names
hands the payload to its ``on_control`` handler. Why an emit and not a new pub/sub message
kind: ``emit`` is the managers' public verb and travels the same way through every backend,
while a new kind would need ``AsyncPubSubManager._thread``, which is private and ignores kinds
it does not know. The one private hook used is the Redis listener (``shared.compat.
OwnListener``): python-socketio's own stops hearing after a Redis restart (its issue #1581)
and retries after up to 60 s, so ours is ``listing_feed.channel_messages``, which pings its
connection and subscribes again within about a second of Redis answering.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import socketio

from server.cluster.listing_feed import channel_messages
from server.cluster.redis_link import SOCKET_TIMEOUT, connect
from server.net.fanout import FanoutManager
from shared import compat

log = logging.getLogger(__name__)

CONTROL_EVENT = "tickwire:control"  # never delivered to a client
ControlHandler = Callable[[dict[str, Any]], Awaitable[None]]


def node_room(node_id: str) -> str:
    """The pseudo-room a control message for node ``node_id`` is addressed to."""
    return f"tickwire:node:{node_id}"


async def _no_control(payload: dict[str, Any]) -> None:
    log.warning("a control message arrived before this node could handle it")


class NodeFanout(FanoutManager):
    """``FanoutManager`` that also carries control messages from node to node (see above).

    Until ``serve_control`` names this node, control messages are dropped.
    """

    node_id = ""
    on_control: ControlHandler = staticmethod(_no_control)

    def serve_control(self, node_id: str, handler: ControlHandler) -> None:
        """Hand control messages addressed to ``node_id`` to ``handler(payload)``."""
        self.node_id = node_id
        self.on_control = handler

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None,
                   skip_sid: Any = None, callback: Any = None, to: Any = None,
                   **kwargs: Any) -> None:
        """Deliver an emit on this node; a control message goes to ``on_control`` instead,
        on the node it is addressed to only."""
        if event == CONTROL_EVENT:
            if self.node_id and (to or room) == node_room(self.node_id) and isinstance(
                    data, dict):
                await self.on_control(data)
            return
        await super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                           callback=callback, to=to, **kwargs)


class RedisBus(compat.OwnListener, socketio.AsyncRedisManager, NodeFanout):
    """python-socketio's Redis manager with the encode-once fan-out and control messages.

    :param url: the Redis URL.
    :param channel: the Pub/Sub channel every node of the cluster uses.
    """

    def __init__(self, url: str, channel: str) -> None:
        super().__init__(url, channel=channel, redis_options={
            "socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": SOCKET_TIMEOUT})

    async def messages(self) -> AsyncIterator[Any]:
        """What the pub/sub loop reads: publications on the channel, across Redis restarts."""
        redis = connect(self.redis_url)
        try:
            async for message in channel_messages(redis, self.channel):
                if message["type"] == "message":
                    yield message["data"]
        finally:
            await redis.aclose()


class AmqpBus(socketio.AsyncAioPikaManager, NodeFanout):
    """python-socketio's RabbitMQ manager (aio-pika; it reconnects by itself) with the
    encode-once fan-out and control messages.

    :param url: the ``amqp://`` URL.
    :param channel: the exchange every node of the cluster uses.
    """

    def __init__(self, url: str, channel: str) -> None:
        super().__init__(url, channel=channel)


def build_bus(redis_url: str, message_queue: str, prefix: str) -> NodeFanout:
    """The client manager of a cluster node: over ``message_queue`` when it is an
    ``amqp://`` URL, else over Pub/Sub of ``message_queue`` or ``redis_url``; the channel (or
    exchange) is named after the cluster's key ``prefix``, so clusters sharing a Redis or a
    RabbitMQ stay apart."""
    channel = f"{prefix}socketio"
    if message_queue.startswith(("amqp://", "amqps://")):
        return AmqpBus(message_queue, channel)
    return RedisBus(message_queue or redis_url, channel)
