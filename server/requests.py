"""Declared shapes of request payloads, checked before a handler runs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from shared.protocol import ProtocolError

_REQUIRED = object()
MAX_MAP_ENTRIES = 32
MAX_SAFE_INTEGER = 2**53 - 1  # integers every client (JavaScript too) reads exactly


@dataclass(frozen=True, slots=True)
class Arg:
    """One request field.

    :param kind: ``bool``, ``int``, ``str`` or ``dict``.
    :param default: value when absent; without one the field is required.
    :param low: ``int`` only: smallest allowed value.
    :param high: ``int`` only: largest allowed value.
    :param max_length: ``str``: longest allowed value; ``dict`` with ``scalars``: longest
        key or string value.
    :param entries: ``dict`` only: most entries allowed.
    :param scalars: ``dict`` only: keys must be strings and values null, booleans, finite
        numbers or strings (small client metadata, passed on to a game).
    """

    kind: type
    default: Any = _REQUIRED
    low: int = 0
    high: int = 0
    max_length: int = 64
    entries: int = MAX_MAP_ENTRIES
    scalars: bool = False

    @property
    def required(self) -> bool:
        """True when the field has no default."""
        return self.default is _REQUIRED

    def check(self, name: str, value: Any) -> Any:
        """``value`` if it fits, else raise ``ProtocolError('bad_request')``."""
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or not (
                self.low <= value <= self.high
            ):
                raise ProtocolError(
                    "bad_request", f"{name} must be an integer in {self.low}..{self.high}"
                )
        elif self.kind is str:
            if not isinstance(value, str) or len(value) > self.max_length:
                raise ProtocolError(
                    "bad_request", f"{name} must be a string of at most {self.max_length} chars"
                )
        elif self.kind is dict:
            if not isinstance(value, dict) or len(value) > self.entries:
                raise ProtocolError(
                    "bad_request", f"{name} must be a map of at most {self.entries} entries"
                )
            if self.scalars and not all(self._scalar(k, v) for k, v in value.items()):
                raise ProtocolError(
                    "bad_request", f"{name} maps strings to null, booleans, finite numbers or "
                    f"strings, each string at most {self.max_length} chars")
        elif not isinstance(value, self.kind):
            raise ProtocolError("bad_request", f"{name} must be a {self.kind.__name__}")
        return value

    def _scalar(self, key: Any, value: Any) -> bool:
        if not isinstance(key, str) or len(key) > self.max_length:
            return False
        if value is None or isinstance(value, bool):
            return True
        if isinstance(value, int):
            return abs(value) <= MAX_SAFE_INTEGER
        if isinstance(value, float):
            return math.isfinite(value)
        return isinstance(value, str) and len(value) <= self.max_length


class Shape:
    """The fields a request payload may carry; anything else is refused."""

    def __init__(self, **fields: Arg) -> None:
        self.fields = fields

    def parse(self, data: Any) -> dict[str, Any]:
        """The payload as keyword arguments, defaults filled in."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ProtocolError("bad_request", "the payload must be a map")
        unknown = [str(key)[:32] for key in data if key not in self.fields]
        if unknown:
            raise ProtocolError("bad_request", f"unknown fields: {', '.join(unknown[:4])}")
        parsed = {}
        for name, arg in self.fields.items():
            if name in data:
                parsed[name] = arg.check(name, data[name])
            elif arg.default is _REQUIRED:
                raise ProtocolError("bad_request", f"{name} is required")
            else:
                parsed[name] = dict(arg.default) if arg.kind is dict else arg.default
        return parsed
