"""Interest management's geometry: the world cut into square cells, and which cells a viewer
sees.

A cell is named by one integer, ``row * columns + column``. Entities are placed by their
quantized position fields, so the server and a test holding the same wire values agree on the
cell. A viewer sees every cell within ``view`` cells (Chebyshev distance) of the cell it is
in, and keeps a cell it already holds while it is within ``view * cell + slack`` units of it,
so a ship moving back and forth over a cell border does not reload a row of cells each time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from shared.schema import Quantized, Snapshot

Point = tuple[int, int]  # a position in wire units (quantized x, y)


@dataclass(frozen=True, slots=True)
class Grid:
    """A square world of ``world`` units cut into cells of ``cell`` units.

    :param world: side of the world, in world units (positions run from 0 to ``world``).
    :param cell: side of a cell, in world units: a whole number of ``step``.
    :param view: cells seen in each direction around the viewer's cell.
    :param slack: how far past the view a viewer may go before a held cell is dropped.
    :param step: the position fields' quantization step (wire value times step = units).
    :param x_field: index of the x position in an entity's wire values.
    :param y_field: index of the y position.
    """

    world: float
    cell: float
    view: int
    slack: float
    step: float
    x_field: int = 0
    y_field: int = 1
    # worked out from the above: the side of a cell in wire units, and cells along one side
    span: int = field(init=False, compare=False, repr=False)
    columns: int = field(init=False, compare=False, repr=False)
    # the cells around each cell, as computed (a cache: not part of the grid's identity)
    _blocks: dict[int, frozenset[int]] = field(default_factory=dict, init=False,
                                               compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if not (self.cell / self.step).is_integer():
            raise ValueError("a cell must be a whole number of position steps")
        object.__setattr__(self, "span", int(self.cell / self.step))
        object.__setattr__(self, "columns", math.ceil(self.world / self.cell))

    @property
    def middle(self) -> Point:
        """The world's centre, where a viewer without an entity looks."""
        half = round(self.world / self.step / 2)
        return half, half

    def position(self, values: Sequence[Quantized]) -> Point:
        """An entity's position from its wire values."""
        return cast(int, values[self.x_field]), cast(int, values[self.y_field])

    def cell_at(self, point: Point) -> int:
        """The cell holding ``point`` (outside the world: the nearest edge cell)."""
        columns, span = self.columns, self.span
        column, row = point[0] // span, point[1] // span
        if not (0 <= column < columns and 0 <= row < columns):
            last = columns - 1
            column, row = min(max(column, 0), last), min(max(row, 0), last)
        return row * columns + column

    def partition(self, snapshot: Snapshot) -> dict[int, Snapshot]:
        """``snapshot`` split by cell: cell -> {entity id: values}. ``cell_at``'s arithmetic,
        inlined: this runs for every entity every tick."""
        xi, yi = self.x_field, self.y_field
        columns, span = self.columns, self.span
        last = columns - 1
        cells: dict[int, Snapshot] = {}
        values: Any  # wire values whose position fields are integers
        for eid, values in snapshot.items():
            column, row = values[xi] // span, values[yi] // span
            if not (0 <= column <= last and 0 <= row <= last):
                column, row = min(max(column, 0), last), min(max(row, 0), last)
            cell = row * columns + column
            group = cells.get(cell)
            if group is None:
                cells[cell] = {eid: values}
            else:
                group[eid] = values
        return cells

    def gap(self, point: Point, cell: int) -> float:
        """Chebyshev distance from ``point`` to the nearest point of ``cell``, in wire
        units (0 inside it)."""
        span = self.span
        row, column = divmod(cell, self.columns)
        dx = max(column * span - point[0], 0, point[0] - (column + 1) * span)
        dy = max(row * span - point[1], 0, point[1] - (row + 1) * span)
        return max(dx, dy)

    def visible(self, point: Point, held: frozenset[int]) -> frozenset[int]:
        """The cells a viewer at ``point`` sees, given the cells ``held`` it has now: ``held``
        itself (the same object) when they are the same cells."""
        center = self.cell_at(point)
        seen = self._blocks.get(center)
        if seen is None:
            seen = self._blocks[center] = self._block(center)
        if held is seen:
            return held
        kept = held - seen
        if not kept:
            return seen
        reach = (self.view * self.cell + self.slack) / self.step
        seen = seen | {cell for cell in kept if self.gap(point, cell) <= reach}
        return held if seen == held else seen

    def _block(self, center: int) -> frozenset[int]:
        """The cells within ``view`` cells of ``center``."""
        columns, view = self.columns, self.view
        row, column = divmod(center, columns)
        return frozenset(
            r * columns + c
            for r in range(max(row - view, 0), min(row + view, columns - 1) + 1)
            for c in range(max(column - view, 0), min(column + view, columns - 1) + 1)
        )

    def describe(self) -> dict[str, Any]:
        """What the welcome tells clients (``interest``): ``{world, cell, view, slack}``."""
        return {"world": self.world, "cell": self.cell, "view": self.view, "slack": self.slack}

