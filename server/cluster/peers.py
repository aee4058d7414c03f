"""The live nodes of this node's cluster as the browser sees them: their public URLs.

A page served by one node may have to open a websocket to another (a redirect). So each node
accepts the page origins of every live node (CORS, checked by python-engineio when a socket
opens) and its pages allow websockets to every live node (the Content-Security-Policy's
``connect-src``). Both are answered from this cache, refreshed every ``every`` seconds off the
request path. Only a socket opened from an origin the cache does not know yet (a node that
joined a moment ago) waits for one refresh first (``learn_origins``; at most two refreshes a
second however many such requests arrive).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from server.cluster.nodes import NodeInfo, NodeRegistry
from shared.protocol import ProtocolError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REFRESH_SECONDS = 2.0
EAGER_REFRESH_SECONDS = 0.5  # least time between two refreshes asked for by unknown origins
SOCKET_PATH = "/socket.io/"
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """The browser origin of ``url``: ``scheme://host[:port]``, the default port left out."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS.get(scheme)) else (
        f"{scheme}://{host}:{port}")


def request_origin(environ: dict[str, Any]) -> str:
    """The origin a request was made to (what python-engineio allows by default)."""
    scheme = environ.get("HTTP_X_FORWARDED_PROTO", environ.get("wsgi.url_scheme", "http"))
    host = environ.get("HTTP_X_FORWARDED_HOST", environ.get("HTTP_HOST", ""))
    return f"{scheme.split(',')[0].strip()}://{host.split(',')[0].strip()}"


class Peers:
    """The public URLs of the cluster's live nodes, this one included.

    :param registry: where the live nodes are read.
    :param own_url: this node's public URL (known before the first refresh).
    :param every: seconds between refreshes; default 2.
    """

    def __init__(self, registry: NodeRegistry, own_url: str, every: float = REFRESH_SECONDS
                 ) -> None:
        self.registry = registry
        self.every = every
        self.urls: dict[str, str] = {registry.node_id: own_url}
        self._origins = frozenset({origin_of(own_url)})
        self._task: asyncio.Task[None] | None = None
        self._refreshed = -EAGER_REFRESH_SECONDS
        self._refreshing: asyncio.Future[None] | None = None

    def note(self, nodes: Iterable[NodeInfo]) -> None:
        """Take a fresh list of live nodes (from any ``registry.nodes()`` call)."""
        urls = {node.id: node.public_url for node in nodes}
        urls.setdefault(self.registry.node_id, self.urls[self.registry.node_id])
        self.urls = urls
        self._origins = frozenset(origin_of(url) for url in urls.values())

    def url_of(self, node_id: str) -> str | None:
        """The public URL of a live node, as of the last refresh."""
        return self.urls.get(node_id)

    def allows(self, origin: str) -> bool:
        """True when ``origin`` is a live node's page origin."""
        return origin in self._origins

    def socket_sources(self) -> str:
        """The CSP sources of every live node's websocket (``ws://`` and ``wss://``)."""
        hosts = sorted({urlsplit(url).netloc for url in self.urls.values()})
        return " ".join(f"{scheme}://{host}" for host in hosts for scheme in ("ws", "wss"))

    @web.middleware
    async def learn_origins(self, request: web.Request, handler: Handler
                            ) -> web.StreamResponse:
        """aiohttp middleware: a socket from an origin not (yet) known as a live node's waits
        for one refresh of the live nodes before python-engineio checks its origin."""
        origin = request.headers.get("Origin")
        if origin and request.path.startswith(SOCKET_PATH) and not self.allows(origin):
            await self.refresh_now()
        return await handler(request)

    async def refresh_now(self) -> None:
        """Refresh the live nodes now, unless that happened less than 0.5 s ago (callers
        arriving meanwhile share one refresh); a Redis that does not answer changes nothing."""
        loop = asyncio.get_running_loop()
        if self._refreshing is None:
            if loop.time() - self._refreshed < EAGER_REFRESH_SECONDS:
                return
            self._refreshed = loop.time()
            self._refreshing = asyncio.ensure_future(self._refresh_once())
            self._refreshing.add_done_callback(lambda _: setattr(self, "_refreshing", None))
        await asyncio.shield(self._refreshing)

    async def start(self) -> None:
        """Keep refreshing until ``stop``."""
        self._task = asyncio.create_task(self._refresh(), name="cluster-peers")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _refresh(self) -> None:
        while True:
            await self._refresh_once()
            await asyncio.sleep(self.every)

    async def _refresh_once(self) -> None:
        with contextlib.suppress(ProtocolError):
            self.note(await self.registry.nodes())


def origin_checker(configured: list[str], peers: Peers) -> Callable[[str, dict[str, Any]], bool]:
    """python-engineio's ``cors_allowed_origins`` callable for a cluster node: the request's
    own origin, the ``configured`` ones, and every live node's."""
    extra = frozenset(configured)

    def allowed(origin: str, environ: dict[str, Any]) -> bool:
        return origin in extra or origin == request_origin(environ) or peers.allows(origin)

    return allowed
