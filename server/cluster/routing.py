"""``ClusterSeating``: any node answers create, join, quick, rooms and resume for the whole
cluster, and seats the player here or sends it to the room's node.

- **create**: the room goes to the least loaded live node that is not draining (fewest
  players, then least CPU as of the last heartbeats; this node wins ties, saving a redirect).
  Here: created at once. Elsewhere: an opening placeholder on that node with the creator's seat held
  (``RedisDirectory.open_room``) and a ``moved`` answer.
- **join** by code or id: the room's listing names its node; here: seated at once; elsewhere:
  a seat held (players; spectators need none) and ``moved``.
- **quick**: one atomic ``quick_seat`` cluster-wide (see ``directory_redis``), then seated
  here or ``moved`` to the room's node.
- **resume**: a token of a room here resumes without Redis; a room elsewhere is ``moved``
  with only the URL (the client resumes there with its token).
- **join {reservation}** (``redeem``): the seat a ``moved`` answer reserved on this node,
  creating the placeholder room first when it is not here yet (once, however many holders
  arrive together).

Every step that needs Redis fails with ``cluster_unavailable`` within ``CALL_TIMEOUT`` (1.5 s)
when Redis is away; none of this is on a tick path.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from server.cluster.directory_redis import RedisDirectory, new_hold_id
from server.cluster.nodes import NodeInfo, NodeRegistry
from server.cluster.peers import Peers
from server.cluster.reservations import Reservations
from server.directory import settings_key
from server.lobby import DRAINING_RETRY, Lobby, RoomRequest
from server.room import Room
from server.seating import LocalSeating, Welcome
from server.sessions import Session
from shared.protocol import Moved, ProtocolError


class ClusterSeating(LocalSeating):
    """Seats across a cluster (see the module docstring).

    :param lobby: this node's rooms.
    :param directory: the cluster's directory.
    :param registry: this node's registration (its id, and the live nodes' load).
    :param reservations: issues and redeems seat reservations.
    :param peers: the live nodes' public URLs.
    """

    def __init__(self, lobby: Lobby, directory: RedisDirectory, registry: NodeRegistry,
                 reservations: Reservations, peers: Peers) -> None:
        super().__init__(lobby)
        self.directory = directory
        self.registry = registry
        self.reservations = reservations
        self.peers = peers
        self.node_id = registry.node_id
        self._opening: dict[str, asyncio.Future[Room]] = {}

    async def create(self, session: Session, request: RoomRequest,
                     metadata: dict[str, Any]) -> Welcome:
        settings = self.lobby.settings_for(request)  # refuse a bad request before any redirect
        node = (await self._ranked_nodes())[0]
        if node.id == self.node_id:
            return await super().create(session, request, metadata)
        seat = await self.directory.open_room(
            node.id, request.game, request.public, request.max_players, settings_key(settings),
            _spec(request, settings, autostart=False))
        raise self._moved(node.public_url, seat.room_id, node.id, "player", session, seat.hold)

    async def join(self, session: Session, code: str, room_id: str, spectate: bool,
                   metadata: dict[str, Any]) -> Welcome:
        listing = await (self.directory.by_code(code) if code else self.directory.by_id(room_id))
        if listing is None:
            raise ProtocolError("room_not_found")
        if listing.node == self.node_id:
            room = self.lobby.rooms.get(listing.id)
            if room is None or room.closed:
                raise ProtocolError("room_not_found")
            return await room.admit(session.sid, session.name, spectate, metadata)
        url = await self._url_of(listing.node)
        if spectate:  # spectators take no seat: nothing to hold
            raise self._moved(url, listing.id, listing.node, "spectator", session, new_hold_id())
        listing, hold = await self.directory.reserve(listing.id)
        raise self._moved(url, listing.id, listing.node, "player", session, hold)

    async def quick(self, session: Session, request: RoomRequest,
                    metadata: dict[str, Any]) -> Welcome:
        settings = self.lobby.settings_for(request)
        nodes = await self._ranked_nodes()
        seat = await self.directory.quick_seat(
            request.game, settings_key(settings), request.max_players, [n.id for n in nodes],
            _spec(request, settings, autostart=True))
        if seat.node != self.node_id:
            url = await self._url_of(seat.node)
            raise self._moved(url, seat.room_id, seat.node, "player", session, seat.hold)
        return await self._take(session, seat.room_id, seat.hold, False, metadata)

    async def resume(self, session: Session, room_id: str, token: str) -> Welcome:
        room = self.lobby.rooms.get(room_id)
        if room is not None:
            return await room.resume(session.sid, token)
        listing = await self.directory.by_id(room_id)
        if listing is None or listing.node == self.node_id:
            raise ProtocolError("seat_expired")
        raise Moved(await self._url_of(listing.node))

    async def redeem(self, session: Session, reservation: str,
                     metadata: dict[str, Any]) -> Welcome:
        granted = self.reservations.redeem(reservation)
        session.name = granted.name  # the name the issuing node checked
        return await self._take(session, granted.room_id, granted.hold,
                                granted.seat == "spectator", metadata)

    # -- helpers -------------------------------------------------------------------------------

    async def _take(self, session: Session, room_id: str, hold: str, spectate: bool,
                    metadata: dict[str, Any]) -> Welcome:
        """Seat ``session`` on a held seat (or a spectator's place) in a room of this node."""
        room = self.lobby.rooms.get(room_id) or await self._open(room_id, session)
        welcome = await room.admit(session.sid, session.name, spectate, metadata)
        if not spectate:
            self.directory.seated(room_id, hold)
        return welcome

    async def _open(self, room_id: str, creator: Session) -> Room:
        """Create the placeholder room ``room_id`` here, once for all its holders."""
        pending = self._opening.get(room_id)
        if pending is None:
            pending = asyncio.ensure_future(self._create_placeholder(room_id, creator))
            self._opening[room_id] = pending
            pending.add_done_callback(lambda _: self._opening.pop(room_id, None))
        return await asyncio.shield(pending)

    async def _create_placeholder(self, room_id: str, creator: Session) -> Room:
        opening = await self.directory.opening(room_id)
        if opening is None or opening.node != self.node_id:
            raise ProtocolError("room_not_found", "That room is no longer waiting to open")
        spec = json.loads(opening.spec)
        request = RoomRequest(opening.game, spec["public"], opening.max_players,
                              spec["max_spectators"], spec["tick_rate"], spec["settings"])
        return await self.lobby.create(creator.sid, request, spec["autostart"],
                                       address=creator.address, room_id=opening.room_id,
                                       code=opening.code)

    async def _ranked_nodes(self) -> list[NodeInfo]:
        """The live nodes taking new rooms, least loaded first; this node first among
        equals."""
        nodes = await self.registry.nodes()
        if not nodes:
            raise ProtocolError("cluster_unavailable")
        self.peers.note(nodes)
        open_nodes = [node for node in nodes if not node.draining]
        if not open_nodes:
            raise ProtocolError("server_busy", "Every server is draining; try again later",
                                retry_after=DRAINING_RETRY)
        return sorted(open_nodes,
                      key=lambda n: (n.players, round(n.cpu, 1), n.id != self.node_id))

    async def _url_of(self, node_id: str) -> str:
        url = self.peers.url_of(node_id)
        if url is None:
            self.peers.note(await self.registry.nodes())
            url = self.peers.url_of(node_id)
        if url is None:
            raise ProtocolError("room_not_found", "That room's server has left the cluster")
        return url

    def _moved(self, url: str, room_id: str, node: str, seat: str, session: Session,
               hold: str) -> Moved:
        token = self.reservations.issue(room_id, node, seat, session.name, hold)
        return Moved(url, token, room_id)


def _spec(request: RoomRequest, settings: dict[str, Any], autostart: bool) -> str:
    """What the owner node needs to create a placeholder room."""
    return json.dumps({"public": request.public, "max_spectators": request.max_spectators,
                       "tick_rate": request.tick_rate, "settings": settings,
                       "autostart": autostart}, separators=(",", ":"))
