"""Sessions as the gateway sees them: a connection in the namespace, where it is, its limits."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import ServerConfig
from server.limits import AddressBuckets
from server.net.connections import Connection
from shared.protocol import ProtocolError


@dataclass(slots=True)
class Session:
    """One connection in the namespace: who it is (its room: ``Lobby.room_of``). Its rate
    limits live on its ``connection``, so they outlast a namespace reconnect."""

    sid: str
    name: str
    connection: Connection

    @property
    def address(self) -> str:
        """The client address per-address limits use."""
        return self.connection.address


class Limiter:
    """The per-address join limit (it stops join-code guessing from many connections)."""

    def __init__(self, config: ServerConfig) -> None:
        per_address = config.joins_per_minute_per_address / 60
        self.address_joins = AddressBuckets(per_address, max(1.0, per_address * 15))

    def check_join(self, session: Session) -> None:
        """Refuse a create/join attempt over the connection's or the address's allowance;
        the refusal says when to try again."""
        joins = session.connection.joins
        if not joins.take():
            raise ProtocolError("rate_limited", "Too many room requests; wait a moment",
                                retry_after=joins.wait())
        if not self.address_joins.take(session.address):
            raise ProtocolError("rate_limited", "Too many room requests from your address",
                                retry_after=self.address_joins.wait(session.address))
