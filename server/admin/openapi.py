"""The OpenAPI 3.1 description of the admin API, built from the same declarations the
handlers are routed from (``server.admin.api.AdminApi.operations``): paths, methods, request
bodies (from the ``Shape`` each handler parses its body with) and answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from server.requests import Arg, Shape

ERROR = {"type": "object", "required": ["ok", "code", "message"], "properties": {
    "ok": {"const": False}, "code": {"type": "string"}, "message": {"type": "string"}}}
ACCEPTED = {"type": "object", "required": ["ok"], "properties": {
    "ok": {"const": True}, "node": {"type": "string"}}}
NUMBER = {"type": "number"}
NODE: dict[str, Any] = {"type": "object", "required": ["id", "now", "history"], "properties": {
    "id": {"type": "string"}, "started": NUMBER, "public_url": {"type": "string"},
    "draining": {"type": "boolean"}, "healthy": {"type": "boolean"},
    "now": {"type": "object", "additionalProperties": NUMBER,
            "description": "cpu (cores), rss (bytes), connections, rooms, players, spectators, "
                           "bytes_in and bytes_out (per second), tick_p50_ms, tick_p99_ms, "
                           "late_ticks (per second), late_ticks_total"},
    "history_step": NUMBER,
    "history": {"type": "object", "additionalProperties": {"type": "array", "items": NUMBER},
                "description": "the same series over the last five minutes, oldest first"}}}
ROOM: dict[str, Any] = {"type": "object", "required": [
    "id", "code", "game", "node", "players", "spectators", "phase", "age", "tick_p99_ms",
    "late_ticks", "bytes_out", "lagging"], "properties": {
    "id": {"type": "string"}, "code": {"type": "string"}, "game": {"type": "string"},
    "node": {"type": "string"}, "public": {"type": "boolean"}, "players": {"type": "integer"},
    "max_players": {"type": "integer"}, "spectators": {"type": "integer"},
    "phase": {"type": "string"}, "started": {"type": "boolean"}, "age": NUMBER,
    "tick_rate": {"type": "integer"}, "tick_p99_ms": NUMBER, "late_ticks": {"type": "integer"},
    "bytes_out": {"type": "integer", "description": "bytes sent per second"},
    "lagging": {"type": "boolean"}}}
PLAYER = {"type": "object", "required": ["id", "name", "connected"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "connected": {"type": "boolean"},
    "host": {"type": "boolean"}, "ping_ms": {"type": ["number", "null"]},
    "inputs_per_s": NUMBER, "dropped_inputs": {"type": "integer"},
    "backlog_bytes": {"type": "integer"}}}
ROOM_DETAIL = {**ROOM, "required": [*ROOM["required"], "roster"], "properties": {
    **ROOM["properties"], "roster": {"type": "array", "items": PLAYER},
    "status": {"type": "object"}, "settings": {"type": "object"}, "tick": {"type": "integer"}}}
EVENT = {"type": "object", "required": ["event", "data"], "description": (
    "one server-sent event: its name and its JSON text (nodes: {nodes}, rooms: {rooms}, "
    "room: a room's detail or {id, closed: true}, problem: {code, message})"), "properties": {
    "event": {"enum": ["nodes", "rooms", "room", "problem"]}, "data": {"type": "string"}}}
TICKET = {"type": "object", "required": ["ticket", "expires_in"], "properties": {
    "ticket": {"type": "string"}, "expires_in": NUMBER, "room_id": {"type": "string"},
    "url": {"type": "string", "description": "where to open the socket; empty: this server"}}}
PATH_PARAMETERS = {"room_id": {"type": "string", "minLength": 1, "maxLength": 32},
                   "node_id": {"type": "string", "minLength": 1, "maxLength": 128}}


@dataclass(frozen=True)
class Operation:
    """One admin endpoint: how it is routed, and how it is described.

    :param method: ``GET`` or ``POST``.
    :param path: aiohttp route path, ``{name}`` for path parameters.
    :param handler: the aiohttp handler.
    :param summary: one line for the description.
    :param body: the request body's shape (POST), also what the handler parses.
    :param answer: JSON schema of the successful answer.
    :param status: the status of a successful answer.
    :param errors: the error statuses it may answer besides the common ones.
    :param query: query parameters and their schemas.
    :param media: the successful answer's media type.
    :param token: needs the admin token (else a ticket, or nothing).
    :param limited: rate-limited per client address (the admin API is; the public event and
        history reads are not).
    """

    method: str
    path: str
    handler: Any
    summary: str
    body: Shape | None = None
    answer: dict[str, Any] = field(default_factory=lambda: ACCEPTED)
    status: int = 200
    errors: tuple[int, ...] = ()
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: str = "application/json"
    token: bool = True
    limited: bool = True


def arg_schema(arg: Arg) -> dict[str, Any]:
    """The JSON schema of one request field."""
    if arg.kind is bool:
        return {"type": "boolean"}
    if arg.kind is int:
        return {"type": "integer", "minimum": arg.low, "maximum": arg.high}
    if arg.kind is str:
        return {"type": "string", "maxLength": arg.max_length}
    return {"type": "object", "maxProperties": arg.entries}


def shape_schema(shape: Shape) -> dict[str, Any]:
    """The JSON schema of a request body."""
    schema: dict[str, Any] = {
        "type": "object", "additionalProperties": False,
        "properties": {name: arg_schema(arg) for name, arg in shape.fields.items()}}
    required = [name for name, arg in shape.fields.items() if arg.required]
    if required:
        schema["required"] = required
    return schema


def describe(operations: Iterable[Operation], version: str) -> dict[str, Any]:
    """The OpenAPI document of ``operations``."""
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tickwire admin API", "version": version, "description": (
            "Data and actions of the Tickwire monitor, and the public event stream and match "
            "history (shared/EVENTS.md). The operations marked with the adminToken security "
            "need `Authorization: Bearer <admin token>` (the server's --admin-token); admin "
            "requests are rate-limited per client address.")},
        "components": {"securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR, "Node": NODE, "Room": ROOM,
                                   "RoomDetail": ROOM_DETAIL}},
        "paths": paths,
    }


def _operation(op: Operation) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    statuses = {s: "refused" for s in op.errors}
    if op.limited:
        statuses[429] = "rate limited (see Retry-After)"
    if op.token:
        statuses |= {401: "a missing or wrong admin token", 403: "the admin API is off"}
    description: dict[str, Any] = {
        "summary": op.summary, "operationId": _operation_id(op),
        "responses": {str(op.status): {"description": "done", "content": {
            op.media: {"schema": op.answer}}},
            **{str(status): {"description": text, **error}
               for status, text in sorted(statuses.items())}},
    }
    if op.token:
        description["security"] = [{"adminToken": []}]
    parameters = [{"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]}
                  for name in re.findall(r"{(\w+)}", op.path)]
    parameters += [{"name": name, "in": "query", "required": schema.pop("required", False),
                    "schema": schema} for name, schema in
                   ((name, dict(schema)) for name, schema in op.query.items())]
    if parameters:
        description["parameters"] = parameters
    if op.body is not None:  # an empty body stands for {}
        schema = shape_schema(op.body)
        description["requestBody"] = {"required": bool(schema.get("required")), "content": {
            "application/json": {"schema": schema}}}
    return description


def _operation_id(op: Operation) -> str:
    words = re.sub(r"[{}]", "", op.path.removeprefix("/api/")).replace("/", "_")
    return f"{op.method.lower()}_{words}"
