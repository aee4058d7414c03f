"""Declarations a game makes: synced entity fields, accepted inputs, room settings.

Entity fields are quantized on the server, where they are declared: a ``num`` field with
``step=0.25`` travels as the integer ``floor(value / 0.25 + 0.5)``, an ``angle`` as an integer
in ``[0, 2**bits)``. Clients turn the integers back into values with the same declaration,
which the server sends them (``EntitySchema.describe``) when they join.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from shared.codegen import Differ, compile_differ, compile_input_parser, compile_quantizer
from shared.protocol import ProtocolError

FieldKind = Literal["num", "angle", "str", "bool"]
Quantized = int | str | bool
Snapshot = dict[int, tuple[Quantized, ...]]

# Delta codecs, per field kind: how a changed value travels in a state message.
LINEAR, MODULAR, ABSOLUTE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Field:
    """One synced entity field.

    :param name: attribute name on the game's entity objects.
    :param kind: ``num`` (fixed-point number), ``angle`` (radians, wraps), ``str`` or ``bool``.
    :param step: ``num`` only: the quantization step; the wire carries ``value / step``.
    :param bits: ``angle`` only: resolution, ``2**bits`` steps per turn.
    :param max_length: ``str`` only: longer values are cut.
    """

    name: str
    kind: FieldKind
    step: float = 1
    bits: int = 8
    max_length: int = 32

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"field name {self.name!r} must be a Python identifier")

    @property
    def codec(self) -> int:
        """How a change travels: LINEAR difference, MODULAR difference, or ABSOLUTE value."""
        return {"num": LINEAR, "angle": MODULAR}.get(self.kind, ABSOLUTE)

    @property
    def modulus(self) -> int:
        """For angles, the number of steps in one turn."""
        return 1 << self.bits

    def quantize(self, value: Any) -> Quantized:
        """The wire value of ``value``."""
        if self.kind == "num":
            return math.floor(value / self.step + 0.5)
        if self.kind == "angle":
            return math.floor(value / math.tau * self.modulus + 0.5) % self.modulus
        if self.kind == "str":
            return str(value)[: self.max_length]
        return bool(value)

    def quantize_source(self, value: str) -> str:
        """Python expression computing ``quantize(value)`` (for ``shared.codegen``)."""
        if self.kind == "num":
            scaled = value if self.step == 1 else f"{value} / {self.step!r}"  # same result
            return f"_floor({scaled} + 0.5)"
        if self.kind == "angle":
            return f"_floor({value} / _tau * {self.modulus} + 0.5) % {self.modulus}"
        if self.kind == "str":
            return f"str({value})[:{self.max_length}]"
        return f"bool({value})"

    def change_source(self, new: str, old: str) -> str:
        """Python expression of the change from ``old`` to ``new`` as a delta carries it."""
        if self.codec == LINEAR:
            return f"{new} - {old}"
        if self.codec == MODULAR:
            half = self.modulus >> 1
            return f"({new} - {old} + {half}) % {self.modulus} - {half}"
        return new

    def dequantize(self, wire: Quantized) -> Any:
        """The value a wire value stands for."""
        if self.kind == "num":
            return cast(int, wire) * self.step
        if self.kind == "angle":
            return cast(int, wire) * math.tau / self.modulus
        return wire

    def describe(self) -> list[Any]:
        """Wire description ``[name, kind, parameter]`` sent to clients."""
        parameter = {"num": self.step, "angle": self.bits, "str": self.max_length}.get(self.kind)
        return [self.name, self.kind, parameter]


def num(name: str, step: float = 1) -> Field:
    """A fixed-point number field (positions, health, score)."""
    return Field(name, "num", step=step)


def angle(name: str, bits: int = 8) -> Field:
    """An angle in radians, sent as one of ``2**bits`` directions."""
    return Field(name, "angle", bits=bits)


def text(name: str, max_length: int = 32) -> Field:
    """A short string, sent whole whenever it changes."""
    return Field(name, "str", max_length=max_length)


def flag(name: str) -> Field:
    """A boolean."""
    return Field(name, "bool")


class EntitySchema:
    """The ordered synced fields of a game's entities. Field ``i`` has wire id ``i``.

    ``quantize(entity)`` gives an entity's wire values as a tuple; ``change(old, new)`` gives
    ``(mask, changes)`` between two such tuples. Both are compiled for the schema.
    """

    def __init__(self, *fields: Field) -> None:
        if not fields or len(fields) > 30:
            raise ValueError("an entity schema needs between 1 and 30 fields")
        self.fields = fields
        self.codecs = tuple(f.codec for f in fields)
        self.moduli = tuple(f.modulus for f in fields)
        self.quantize = compile_quantizer(fields)
        self.change = compile_differ(fields)

    def change_except(self, *skipped: int) -> Differ:
        """A ``change`` that leaves the fields at the indices ``skipped`` out."""
        return compile_differ(self.fields, skipped)

    @classmethod
    def from_description(cls, description: Iterable[list[Any]]) -> EntitySchema:
        """Rebuild a schema from what ``describe`` produced (this is what clients do)."""
        fields = []
        for name, kind, parameter in description:
            if kind == "num":
                fields.append(num(name, parameter))
            elif kind == "angle":
                fields.append(angle(name, parameter))
            elif kind == "str":
                fields.append(text(name, parameter))
            else:
                fields.append(flag(name))
        return cls(*fields)

    def describe(self) -> list[list[Any]]:
        """The schema as sent to clients when they join."""
        return [f.describe() for f in self.fields]

    def snapshot(self, entities: Mapping[int, Any]) -> Snapshot:
        """Wire values of every entity, keyed by entity id."""
        quantize = self.quantize
        return {eid: quantize(entity) for eid, entity in entities.items()}

    def values(self, wire: Iterable[Quantized]) -> dict[str, Any]:
        """A readable ``{name: value}`` view of one entity's wire values."""
        return {f.name: f.dequantize(w) for f, w in zip(self.fields, wire, strict=True)}


@dataclass(frozen=True, slots=True)
class InputField:
    """One value of an input message: ``num`` (float or int), ``int`` or ``bool``, in bounds."""

    name: str
    kind: Literal["num", "int", "bool"]
    low: float = 0.0
    high: float = 0.0

    def check(self, value: Any) -> Any:
        """The value if it fits this field, else raise ``ProtocolError('bad_input')``."""
        if self.kind == "bool":
            if isinstance(value, bool) or value in (0, 1):
                return bool(value)
            raise ProtocolError("bad_input", f"{self.name} must be a boolean")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ProtocolError("bad_input", f"{self.name} must be a number")
        if self.kind == "int" and not isinstance(value, int):
            raise ProtocolError("bad_input", f"{self.name} must be an integer")
        if not self.low <= value <= self.high:  # also false for NaN
            raise ProtocolError(
                "bad_input", f"{self.name} must be between {self.low} and {self.high}"
            )
        return value


class InputSchema:
    """The input a game accepts. On the wire an input is the list ``[seq, value, ...]``."""

    def __init__(self, *fields: InputField) -> None:
        self.fields = fields
        self.names = tuple(f.name for f in fields)
        self.parse = compile_input_parser(fields, self.explain)

    def describe(self) -> list[list[Any]]:
        """Wire description ``[[name, kind, low, high], ...]`` sent to clients when they join."""
        return [[f.name, f.kind, f.low, f.high] for f in self.fields]

    def explain(self, message: Any, max_seq: int) -> tuple[int, dict[str, Any]]:
        """Validate ``[seq, value, ...]``; return ``(seq, {name: value})``.

        ``parse`` does the same, compiled for this schema, and calls this for the exact error
        whenever a message is not a good input.
        """
        if not isinstance(message, list) or len(message) != len(self.fields) + 1:
            raise ProtocolError(
                "bad_input", f"input must be a list [seq, {', '.join(self.names)}]"
            )
        seq = message[0]
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq <= max_seq:
            raise ProtocolError("bad_input", f"seq must be an integer in 1..{max_seq}")
        values = {f.name: f.check(v) for f, v in zip(self.fields, message[1:], strict=True)}
        return seq, values


@dataclass(frozen=True, slots=True)
class Setting:
    """A room setting the host may choose: an integer range or one of a few strings."""

    name: str
    default: int | str
    low: int = 0
    high: int = 0
    choices: tuple[str, ...] = field(default=())

    def check(self, value: Any) -> int | str:
        """The value if allowed, else raise ``ProtocolError('bad_settings')``."""
        if self.choices:
            if value in self.choices:
                return value
            raise ProtocolError("bad_settings", f"{self.name} must be one of {self.choices}")
        if isinstance(value, bool) or not isinstance(value, int) or not (
            self.low <= value <= self.high
        ):
            raise ProtocolError(
                "bad_settings", f"{self.name} must be an integer in {self.low}..{self.high}"
            )
        return value


class SettingsSchema:
    """The settings of a game, with defaults and bounds."""

    def __init__(self, *settings: Setting) -> None:
        self.settings = {s.name: s for s in settings}

    def defaults(self) -> dict[str, int | str]:
        """Every setting at its default."""
        return {name: s.default for name, s in self.settings.items()}

    def merge(self, current: Mapping[str, Any], changes: Any) -> dict[str, int | str]:
        """``current`` updated with validated ``changes``; unknown names are refused."""
        if not isinstance(changes, dict):
            raise ProtocolError("bad_settings", "settings must be a map of name to value")
        merged = dict(current)
        for name, value in changes.items():
            setting = self.settings.get(name)
            if setting is None:
                raise ProtocolError("bad_settings", f"unknown setting {str(name)[:32]!r}")
            merged[name] = setting.check(value)
        return merged

    def describe(self) -> list[dict[str, Any]]:
        """Wire description, for a settings form."""
        return [
            {"name": s.name, "default": s.default, "low": s.low, "high": s.high,
             "choices": list(s.choices)}
            for s in self.settings.values()
        ]
