"""Interest management's geometry: the world cut into square cells, and which cells a viewer
sees.

A cell is named by one integer, ``row * columns + column``. Entities are placed by their
quantized position fields, so the server and a test holding the same wire values agree on the
cell. A viewer sees every cell within ``view`` cells (Chebyshev distance) of the cell its own
entity is in, and keeps a cell it already holds until it is more than ``view + 1`` away, so
moving back and forth over a cell border does not reload a row of cells each time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from shared.schema import Quantized


@dataclass(frozen=True, slots=True)
class Grid:
    """A square world of ``world`` units cut into cells of ``cell`` units.

    :param world: side of the world, in world units (positions run from 0 to ``world``).
    :param cell: side of a cell, in world units.
    :param view: cells seen in each direction around the viewer's cell.
    :param step: the position fields' quantization step (wire value times step = units).
    :param x_field: index of the x position in an entity's wire values.
    :param y_field: index of the y position.
    """

    world: float
    cell: float
    view: int
    step: float
    x_field: int = 0
    y_field: int = 1

    @property
    def columns(self) -> int:
        """Cells along one side."""
        return math.ceil(self.world / self.cell)

    @property
    def middle(self) -> int:
        """The cell at the world's centre: where a viewer without an entity looks."""
        half = self.columns // 2
        return half * self.columns + half

    def cell_of(self, values: Sequence[Quantized]) -> int:
        """The cell holding an entity with these wire values (outside the world: the nearest
        edge cell)."""
        columns, span = self.columns, self.cell / self.step
        x, y = cast(int, values[self.x_field]), cast(int, values[self.y_field])
        column = min(max(int(x // span), 0), columns - 1)
        row = min(max(int(y // span), 0), columns - 1)
        return row * columns + column

    def distance(self, a: int, b: int) -> int:
        """Chebyshev distance between two cells, in cells."""
        columns = self.columns
        return max(abs(a % columns - b % columns), abs(a // columns - b // columns))

    def visible(self, center: int, held: set[int]) -> set[int]:
        """The cells a viewer in cell ``center`` sees, given the cells ``held`` it has now."""
        columns, view = self.columns, self.view
        row, column = divmod(center, columns)
        seen = {
            r * columns + c
            for r in range(max(row - view, 0), min(row + view, columns - 1) + 1)
            for c in range(max(column - view, 0), min(column + view, columns - 1) + 1)
        }
        seen.update(cell for cell in held if self.distance(center, cell) <= view + 1)
        return seen

    def describe(self) -> dict[str, Any]:
        """What the welcome tells clients (``interest``): ``{world, cell, view}``."""
        return {"world": self.world, "cell": self.cell, "view": self.view}
