"""Per-schema functions generated once, because the hot path runs them for every entity.

A generic loop over fields costs about half a microsecond per field per entity, every tick.
Like ``dataclasses``, we instead write the straight-line function for a given schema and
compile it: one attribute read, one expression and no dispatch per field. The expressions are
the same arithmetic as ``Field.quantize`` and the delta codecs; tests compare the two.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.schema import Field, InputField, Quantized

Quantizer = Callable[[Any], tuple["Quantized", ...]]
Differ = Callable[[Sequence["Quantized"], Sequence["Quantized"]], tuple[int, list["Quantized"]]]
InputParser = Callable[[Any, int], tuple[int, dict[str, Any]]]


def compile_quantizer(fields: Sequence[Field]) -> Quantizer:
    """``quantize(entity) -> tuple`` of wire values, in field order."""
    expressions = [field.quantize_source(f"entity.{field.name}") for field in fields]
    source = f"def quantize(entity):\n    return ({', '.join(expressions)},)\n"
    return _compile(source, "quantize")


def compile_differ(fields: Sequence[Field], skipped: Collection[int] = ()) -> Differ:
    """``change(old, new) -> (mask, values)``: bit i of mask set when field i changed, and
    the change of each such field, in field order, as the delta codecs encode it; the fields
    at the indices ``skipped`` are left out (their bits never set)."""
    names_old = ", ".join(f"o{i}" for i in range(len(fields)))
    names_new = ", ".join(f"n{i}" for i in range(len(fields)))
    lines = [
        "def change(old, new):",
        f"    {names_old}, = old",
        f"    {names_new}, = new",
        "    mask = 0",
        "    values = []",
    ]
    for i, field in enumerate(fields):
        if i in skipped:
            continue
        lines += [
            f"    if n{i} != o{i}:",
            f"        mask |= {1 << i}",
            f"        values.append({field.change_source(f'n{i}', f'o{i}')})",
        ]
    lines.append("    return mask, values")
    return _compile("\n".join(lines) + "\n", "change")


def compile_input_parser(fields: Sequence[InputField], explain: InputParser) -> InputParser:
    """``parse(message, max_seq) -> (seq, values)`` for input messages ``[seq, v0, v1, ...]``.

    The generated code only recognises good inputs; anything else goes to ``explain``, the
    generic parser, which raises the precise error.
    """
    names = ", ".join(f"v{i}" for i in range(len(fields)))
    checks = ["type(seq) is int", "0 < seq <= max_seq"]
    values = []
    for i, field in enumerate(fields):
        value = f"v{i}"
        if field.kind == "bool":
            checks.append(f"(type({value}) is bool or (type({value}) is int and "
                          f"({value} == 0 or {value} == 1)))")
            values.append(f"{field.name!r}: bool({value})")
            continue
        types = f"type({value}) is int" if field.kind == "int" else (
            f"(type({value}) is float or type({value}) is int)")
        checks += [types, f"{field.low!r} <= {value} <= {field.high!r}"]
        values.append(f"{field.name!r}: {value}")
    unpack = f"seq, {names}, = message" if fields else "seq, = message"
    source = (
        "def parse(message, max_seq):\n"
        f"    if type(message) is list and len(message) == {len(fields) + 1}:\n"
        f"        {unpack}\n"
        f"        if {' and '.join(checks)}:\n"
        f"            return seq, {{{', '.join(values)}}}\n"
        "    return _explain(message, max_seq)\n"
    )
    return _compile(source, "parse", _explain=explain)


def _compile(source: str, name: str, **names: Any) -> Any:
    namespace: dict[str, Any] = {"_floor": math.floor, "_tau": math.tau, **names}
    exec(compile(source, f"<tickwire {name}>", "exec"), namespace)
    return namespace[name]
