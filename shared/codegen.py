"""Per-schema functions generated once, because the hot path runs them for every entity.

A generic loop over fields costs about half a microsecond per field per entity, every tick.
Like ``dataclasses``, we instead write the straight-line function for a given schema and
compile it: one attribute read, one expression and no dispatch per field. The expressions are
the same arithmetic as ``Field.quantize`` and the delta codecs; tests compare the two.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.schema import Field, Quantized

Quantizer = Callable[[Any], tuple["Quantized", ...]]
Differ = Callable[[Sequence["Quantized"], Sequence["Quantized"]], tuple[int, list["Quantized"]]]


def compile_quantizer(fields: Sequence[Field]) -> Quantizer:
    """``quantize(entity) -> tuple`` of wire values, in field order."""
    expressions = [field.quantize_source(f"entity.{field.name}") for field in fields]
    source = f"def quantize(entity):\n    return ({', '.join(expressions)},)\n"
    return _compile(source, "quantize")


def compile_differ(fields: Sequence[Field]) -> Differ:
    """``change(old, new) -> (mask, values)``: bit i of mask set when field i changed, and
    the change of each such field, in field order, as the delta codecs encode it."""
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
        lines += [
            f"    if n{i} != o{i}:",
            f"        mask |= {1 << i}",
            f"        values.append({field.change_source(f'n{i}', f'o{i}')})",
        ]
    lines.append("    return mask, values")
    return _compile("\n".join(lines) + "\n", "change")


def _compile(source: str, name: str) -> Any:
    namespace: dict[str, Any] = {"_floor": math.floor, "_tau": math.tau}
    exec(compile(source, f"<tickwire {name}>", "exec"), namespace)
    return namespace[name]
