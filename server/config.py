"""Server configuration: one dataclass, filled from defaults, a TOML file, environment and
flags, in that order of precedence (each overrides the one before).

The TOML file (``--config PATH`` or ``TICKWIRE_CONFIG``) holds the same names as the fields, at
its top level (``port = 8000``, ``admin_token = "..."``); an unknown key or a value of the wrong
type is refused with an error naming the key.
"""

from __future__ import annotations

import argparse
import difflib
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from server.net.addresses import parse_networks
from shared.protocol import LIMITS

ENV_PREFIX = "TICKWIRE_"
WEB_ROOT_AUTO = "auto"
DEFAULT_DATA_DIR = os.path.join(
    os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "tickwire")
EVENT_SCHEMES = ("kafka", "amqp", "amqps", "redis", "rediss", "nats", "tls", "eventbridge",
                 "http", "https")


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
        times the tick rate): a full ``arena-large`` room (64 players, 300 drones) at 20 Hz
        costs 11,120.
    :param max_load: what all rooms together may cost, in entity-Hz; past it new rooms are
        refused with ``server_busy``.
    :param max_load_per_address: what the rooms of one client address may cost together.
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
    :param web_root: directory of the built browser client served at ``/``; empty disables it;
        ``auto``: the client packaged in the wheel (``server/web``), else the checkout's
        ``client/web/dist``.
    :param redis_url: ``redis://host:port/db`` of the cluster's directory; empty runs this
        process alone, everything in memory.
    :param redis_prefix: key prefix of this cluster in that Redis database.
    :param public_url: where clients reach this node (redirects point here); empty:
        ``http://host:port``.
    :param node_id: this node's unique name in the cluster; empty: ``hostname:port``.
    :param cluster_secret: signs seat reservations; every node of a cluster needs the same.
        Prefer ``TICKWIRE_CLUSTER_SECRET`` (flags show in ``ps``). Empty: the nodes share a
        random one through Redis.
    :param workers: with ``redis_url``, run this many node processes under a supervisor;
        0 (the default): this process is a node; ``--workers`` alone or -1: one per CPU core.
    :param reuse_port: listen with ``SO_REUSEPORT`` (workers share the public port).
    :param extra_port: a second port to listen on (a worker's own port); 0 for none.
    :param message_queue: where cross-node emits (announcements, kicks) travel: an
        ``amqp://`` URL selects RabbitMQ; empty uses ``redis_url``.
    :param admin_token: enables ``/api/admin/*`` and the monitor page (``/monitor``) with
        ``Authorization: Bearer <token>``; every node of a cluster needs the same one. It
        also lets ``/api/events`` stream the events of private rooms.
    :param log_format: ``text`` (readable lines) or ``json`` (one JSON object a line, with
        ``room_id``, ``player_id`` and ``node`` where they apply).
    :param data_dir: where the event outbox and the match history (SQLite) live; empty keeps
        both in memory (lost on exit; the history keeps only its latest 1,000 matches).
    :param events: event sink URLs (``--events URL``, repeatable; the variable takes them
        separated by spaces): ``kafka://``, ``amqp://``, ``redis://``, ``nats://``,
        ``eventbridge://``, ``http(s)://`` (shared/EVENTS.md).
    :param outbox_max_events: undelivered events the outbox keeps at most; past it the
        oldest that are not match results are dropped.
    :param event_history: delivered events kept for ``/api/events`` readers that resume.
    :param events_backoff_max: longest wait, in seconds, between two attempts of a failing
        sink.
    :param events_degraded_after: seconds a sink may keep failing before ``/healthz`` says
        ``degraded``.
    :param db: the match history and leaderboard store: empty for SQLite in ``data_dir``, or
        ``postgresql://user@host/db``.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    tick_rate: int = 20
    max_rooms: int = 1000
    max_connections: int = 5000
    max_connections_per_address: int = 128
    connect_timeout: float = 5.0
    max_rooms_per_connection: int = 3
    max_rooms_per_address: int = 32
    max_client_tick_rate: int = 30
    max_room_load: int = 12_000
    max_load: int = 120_000
    max_load_per_address: int = 30_000
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
    web_root: str = WEB_ROOT_AUTO
    redis_url: str = ""
    redis_prefix: str = "tw:"
    public_url: str = ""
    node_id: str = ""
    cluster_secret: str = ""
    workers: int = field(default=0, metadata={"bare": -1})
    reuse_port: bool = False
    extra_port: int = 0
    message_queue: str = ""
    admin_token: str = ""
    log_format: str = "text"
    data_dir: str = DEFAULT_DATA_DIR
    events: tuple[str, ...] = field(default=(), metadata={"repeat": True})
    outbox_max_events: int = 100_000
    event_history: int = 10_000
    events_backoff_max: float = 30.0
    events_degraded_after: float = 60.0
    db: str = ""

    def __post_init__(self) -> None:
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"log_format must be one of {', '.join(LOG_FORMATS)}")
        if self.ping_interval < 1:
            raise ValueError("ping_interval must be a whole number of seconds, at least 1")
        if self.ping_timeout <= 0 or self.connect_timeout <= 0:
            raise ValueError("ping_timeout and connect_timeout must be positive")
        parse_networks(self.trusted_proxies)
        if self.message_queue and not self.redis_url:
            raise ValueError("--message-queue needs --redis-url (the cluster's directory)")
        if self.message_queue and not self.message_queue.startswith(("amqp://", "amqps://",
                                                                     "redis://", "rediss://")):
            raise ValueError("--message-queue must be an amqp:// or redis:// URL")
        object.__setattr__(self, "events", tuple(self.events))
        for url in self.events:
            if url.partition("://")[0].lower() not in EVENT_SCHEMES:
                raise ValueError(f"--events {url.split('://')[0]}://...: use one of "
                                 + ", ".join(f"{scheme}://" for scheme in EVENT_SCHEMES))
        if self.db and not self.db.startswith(("postgresql://", "postgres://")):
            raise ValueError("--db must be a postgresql:// URL (empty: SQLite in --data-dir)")
        if self.outbox_max_events < 1 or self.event_history < 0:
            raise ValueError("--outbox-max-events must be positive, --event-history at least 0")

    @property
    def clustered(self) -> bool:
        """True when this process is a node of a cluster (``redis_url`` given)."""
        return bool(self.redis_url)

    @property
    def web_root_path(self) -> Path | None:
        """Where the browser client is: ``web_root`` resolved (None when disabled)."""
        if not self.web_root:
            return None
        if self.web_root != WEB_ROOT_AUTO:
            return Path(self.web_root)
        here = Path(__file__).parent
        packaged, checkout = here / "web", here.parent / "client" / "web" / "dist"
        return packaged if (packaged / "index.html").is_file() else checkout

    @property
    def worker_count(self) -> int:
        """How many worker processes to supervise: 0 when this process serves itself."""
        if not self.redis_url or self.workers == 0:
            return 0
        return self.workers if self.workers > 0 else os.cpu_count() or 1

    @classmethod
    def from_sources(
        cls, argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None,
        prog: str = "python -m server",
    ) -> ServerConfig:
        """Defaults, overridden by a TOML file (``--config``), overridden by ``TICKWIRE_*``
        environment variables, overridden by flags.

        :param argv: flags (default: ``sys.argv[1:]``).
        :param environ: environment (default: ``os.environ``).
        :param prog: the command's name in ``--help``.
        """
        environ = os.environ if environ is None else environ
        parser = argparse.ArgumentParser(
            prog=prog, description="Run a Tickwire game server. Settings come from defaults, "
            "then a TOML file (--config), then TICKWIRE_* variables, then flags; each "
            "overrides the one before.")
        parser.add_argument("--config", metavar="PATH", default=environ.get(CONFIG_ENV, ""),
                            help=f"a TOML file of settings (env {CONFIG_ENV})")
        path = parser.parse_known_args(argv)[0].config
        try:
            from_file = load_toml(Path(path), cls) if path else {}
        except (OSError, ValueError) as error:
            parser.error(str(error))
        unless_given: dict[str, object] = {}
        for spec in fields(cls):
            kind = type(spec.default)
            env_name = ENV_PREFIX + spec.name.upper()
            env_value = environ.get(env_name)
            try:
                default = _parse(kind, env_value) if env_value is not None else from_file.get(
                    spec.name, spec.default)
            except ValueError as error:
                parser.error(f"{env_name}: {error}")
            flag = "--" + spec.name.replace("_", "-")
            help_text = f"(env {env_name}, default {spec.default!r})"
            if kind is bool:
                parser.add_argument(flag, action=argparse.BooleanOptionalAction,
                                    default=default, help=help_text)
            elif "repeat" in spec.metadata:  # the flag again adds a value
                parser.add_argument(flag, action="append", default=None, help=help_text)
                unless_given[spec.name] = default
            elif "bare" in spec.metadata:  # the flag alone means this value
                parser.add_argument(flag, type=kind, default=default, nargs="?",
                                    const=spec.metadata["bare"], help=help_text)
            else:
                parser.add_argument(flag, type=kind, default=default, help=help_text)
        arguments = vars(parser.parse_args(argv))
        del arguments["config"]
        for name, default in unless_given.items():  # repeated flags replace the variable
            if arguments[name] is None:
                arguments[name] = default
        try:
            return cls(**arguments)
        except ValueError as error:
            parser.error(str(error))


CONFIG_ENV = ENV_PREFIX + "CONFIG"
LOG_FORMATS = ("text", "json")
TOML_TYPES: dict[type, tuple[type, ...]] = {bool: (bool,), int: (int,), float: (int, float),
                                            str: (str,), tuple: (list,)}
TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
              tuple: "a list of strings"}


def load_toml(path: Path, config_class: type[ServerConfig]) -> dict[str, Any]:
    """The settings of TOML file ``path``, checked against ``config_class``'s fields:
    ``ValueError`` naming the key for an unknown key or a value of the wrong type."""
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None
    kinds: dict[str, type] = {spec.name: type(spec.default) for spec in fields(config_class)}
    for key, value in data.items():
        if key not in kinds:
            close = difflib.get_close_matches(key, kinds, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{path}: unknown key {key!r}{hint}")
        kind = kinds[key]
        a_bool_elsewhere = isinstance(value, bool) and kind is not bool  # bool is an int
        not_strings = kind is tuple and not all(isinstance(item, str) for item in value)
        if a_bool_elsewhere or not isinstance(value, TOML_TYPES[kind]) or not_strings:
            raise ValueError(f"{path}: {key} must be {TYPE_NAMES[kind]}, not "
                             f"{type(value).__name__} {value!r:.40}")
    return {key: kinds[key](value) for key, value in data.items()}


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def _parse(kind: type, text: str) -> object:
    """An environment variable's text as a field of type ``kind`` (booleans: 1/0, true/false,
    yes/no, on/off; tuples: values separated by spaces)."""
    if kind is tuple:
        return tuple(text.split())
    if kind is bool:
        word = text.strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise ValueError(f"{text!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")
        return word in TRUE_WORDS
    return kind(text)
