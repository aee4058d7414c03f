"""Server configuration: one dataclass, filled from defaults, environment and flags."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from server.net.addresses import parse_networks
from shared.protocol import LIMITS

ENV_PREFIX = "TICKWIRE_"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything a server process can be told. Each field is also ``TICKWIRE_<NAME>``.

    :param host: interface to listen on.
    :param port: TCP port; 0 picks a free one.
    :param tick_rate: default ticks per second for new rooms.
    :param max_rooms: rooms this process holds at most.
    :param max_connections: connections (websockets, joined or not) this process accepts.
    :param max_connections_per_address: connections one client address may hold (an IPv6
        client: one /64); players behind one NAT share it.
    :param connect_timeout: seconds a new connection has to send the Socket.IO CONNECT.
    :param max_rooms_per_connection: live rooms one connection may have created.
    :param max_rooms_per_address: live rooms one client address may have created.
    :param max_client_tick_rate: the highest tick rate a client may ask a room for.
    :param max_room_load: the most one room may cost, in entity-Hz (the game's most entities
        times the tick rate).
    :param max_load: what all rooms together may cost, in entity-Hz; past it new rooms are
        refused with ``server_busy``.
    :param busy_cpu: new rooms are refused with ``server_busy`` while the process has used more
        than this share of a core over the last seconds (0 turns the check off).
    :param empty_room_grace: seconds an empty room waits for someone before it closes.
    :param seat_grace: seconds a dropped player's seat is held for a reconnect.
    :param max_inputs_per_tick: inputs one player may queue per tick; more are dropped.
    :param max_event_bytes: largest accepted Socket.IO message.
    :param send_backlog_bytes: unsent bytes per connection past which state deltas are skipped
        (the client resyncs); four times this, or ``stuck_seconds`` behind, cuts it.
    :param stuck_seconds: how long a connection may stay behind before it is cut.
    :param max_messages_per_second: frames of any kind one connection may send, counted
        before they are decoded; more are refused.
    :param max_inputs_per_second: input events one connection may send; more are dropped.
    :param max_requests_per_second: other events one connection may send; more are refused.
    :param flood_seconds: how long a connection may keep exceeding its limits before it is
        disconnected.
    :param flood_refusals: how many refused messages in a row disconnect it sooner.
    :param joins_per_minute: create/join/quick/resume attempts per connection.
    :param joins_per_minute_per_address: the same per client address (stops code guessing).
    :param cors_origins: origins allowed to connect from a browser: empty for the server's own
        origin only, ``*`` for any, or a comma-separated list.
    :param ping_interval: Engine.IO heartbeat interval in whole seconds (at least 1).
    :param ping_timeout: seconds without a heartbeat answer before a client is dropped; a
        connection that sends nothing at all for ``ping_interval + ping_timeout`` is closed.
    :param trusted_proxies: comma-separated networks (CIDR) of reverse proxies whose
        ``X-Forwarded-For`` gives the client address; empty trusts none.
    :param metrics_token: when set, ``/metrics`` answers only ``Authorization: Bearer
        <token>``.
    :param web_root: directory of the built browser client served at ``/``; empty disables it.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    tick_rate: int = 20
    max_rooms: int = 1000
    max_connections: int = 5000
    max_connections_per_address: int = 128
    connect_timeout: float = 5.0
    max_rooms_per_connection: int = 3
    max_rooms_per_address: int = 8
    max_client_tick_rate: int = 30
    max_room_load: int = 6000
    max_load: int = 120_000
    busy_cpu: float = 0.85
    empty_room_grace: float = 10.0
    seat_grace: float = 20.0
    max_inputs_per_tick: int = LIMITS.max_inputs_per_tick
    max_event_bytes: int = LIMITS.max_event_bytes
    send_backlog_bytes: int = 256 * 1024
    stuck_seconds: float = 10.0
    max_messages_per_second: int = 100
    max_inputs_per_second: int = 60
    max_requests_per_second: int = 20
    flood_seconds: float = 1.5
    flood_refusals: int = 1000
    joins_per_minute: int = 30
    joins_per_minute_per_address: int = 120
    cors_origins: str = ""
    ping_interval: int = 20
    ping_timeout: float = 20.0
    trusted_proxies: str = ""
    metrics_token: str = ""
    web_root: str = "client/web/dist"

    def __post_init__(self) -> None:
        if self.ping_interval < 1:
            raise ValueError("ping_interval must be a whole number of seconds, at least 1")
        if self.ping_timeout <= 0 or self.connect_timeout <= 0:
            raise ValueError("ping_timeout and connect_timeout must be positive")
        parse_networks(self.trusted_proxies)

    @classmethod
    def from_sources(
        cls, argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None,
        prog: str = "python -m server",
    ) -> ServerConfig:
        """Defaults, overridden by ``TICKWIRE_*`` environment variables, overridden by flags.

        :param argv: flags (default: ``sys.argv[1:]``).
        :param environ: environment (default: ``os.environ``).
        :param prog: the command's name in ``--help``.
        """
        environ = os.environ if environ is None else environ
        parser = argparse.ArgumentParser(prog=prog, description="Run a Tickwire game server.")
        values = {}
        for spec in fields(cls):
            kind = type(spec.default)
            env_value = environ.get(ENV_PREFIX + spec.name.upper())
            values[spec.name] = kind(env_value) if env_value is not None else spec.default
            parser.add_argument(
                "--" + spec.name.replace("_", "-"),
                type=kind,
                default=values[spec.name],
                help=f"(env {ENV_PREFIX}{spec.name.upper()}, default {spec.default!r})",
            )
        arguments = parser.parse_args(argv)
        try:
            return cls(**vars(arguments))
        except ValueError as error:
            parser.error(str(error))
