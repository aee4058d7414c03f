"""State deltas: what changed between two snapshots, and how a mirror applies it.

A snapshot maps entity id to its tuple of quantized field values (see ``schema``).
A state message is the list ``[tick, groups, acks, spawns, removes, departed]`` (trailing
empty parts left off):

- ``groups``: changed entities, grouped by which fields changed, flattened:
  ``mask, count, (id, value for each set bit of mask) * count, mask, count, ...``.
  Bit ``i`` of ``mask`` is field ``i``. ``num`` values travel as the difference to the
  previous value, ``angle`` values as the shortest difference modulo the turn, others whole.
- ``acks``: ``player_id, increase, ...`` for every player whose last applied input
  sequence number grew this tick.
- ``spawns``: ``[id, value0, value1, ...]`` with every field whole, for new entities.
- ``removes``: ids of entities that are gone.
- ``departed``: ids of players who left the room; mirrors forget their acks.

A keyframe is ``[tick, entities, acks]`` with ``entities`` as in ``spawns`` and ``acks`` as
flat ``player_id, seq`` pairs with whole values.

Under interest management (see ``shared.grid``) a client holds some cells of the world. Its
state message is ``[tick, ack, drops, loads, updates]``: ``ack`` is its own last applied input
(whole), ``drops`` the cells it no longer sees, ``loads`` ``[cell, entities]`` for cells it
starts seeing (entities whole), ``updates`` one cell delta
``[cell, moves, groups, spawns, removes]`` (trailing empty parts left off) per held cell that
changed. ``moves`` (empty when nothing in the cell moved) is flat ``dx, dy`` for every entity
that was in the cell and still is, in ascending id order, without ids; ``groups`` carries
the other fields' changes, each entity id the difference to the id before it there (the
first: to 0). An entity that moves to another cell is removed from the old cell's delta and
spawned in the new one's. Its keyframe is ``[tick, loads, acks]``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from operator import itemgetter
from typing import Any, cast

import msgpack

from shared.schema import LINEAR, MODULAR, EntitySchema, Quantized, Snapshot

Mirror = MutableMapping[int, list[Quantized]]


def diff(
    schema: EntitySchema, before: Snapshot, after: Snapshot
) -> tuple[list[Any], list[list[Quantized]], list[int]]:
    """``(groups, spawns, removes)`` turning ``before`` into ``after``."""
    change = schema.change
    by_mask: dict[int, list[Any]] = {}
    spawns: list[list[Quantized]] = []
    for eid, now in after.items():
        old = before.get(eid)
        if old is None:
            spawns.append([eid, *now])
            continue
        if old == now:
            continue
        mask, changes = change(old, now)
        group = by_mask.get(mask)  # ``_group``, inlined: this runs for every changed entity
        if group is None:
            by_mask[mask] = [eid, *changes]
        else:
            group.append(eid)
            group.extend(changes)
    removes = [eid for eid in before if eid not in after] if len(before) else []
    return _flatten(by_mask), spawns, removes


class CellDiffer:
    """Works out one cell's delta between two ticks (``__call__``) for ``schema``, whose
    position fields are at the indices ``position``."""

    def __init__(self, schema: EntitySchema, position: tuple[int, int]) -> None:
        self.position = position
        self.change = schema.change_except(*position)  # the other fields' changes
        others = [i for i in range(len(schema.fields)) if i not in position]
        # the other fields' values, to see at C speed whether any changed (mostly none did)
        self.others: Callable[[Sequence[Quantized]], Any] = (
            itemgetter(*others) if others else lambda values: ())

    def __call__(self, before: Snapshot, after: Snapshot
                 ) -> tuple[list[int], list[Any], list[list[Quantized]], list[int]]:
        """``(moves, groups, spawns, removes)`` turning the cell's ``before`` into ``after``:
        ``moves`` the position changes of every entity in both, flat ``dx, dy`` in ascending
        id order (empty when none moved), ``groups`` (ids whole) the other fields'
        changes."""
        x, y = self.position
        change, others = self.change, self.others
        moves: list[int] = []
        push = moves.append
        moved = False
        by_mask: dict[int, list[Any]] = {}
        for eid in sorted(before):
            now = after.get(eid)
            if now is None:
                continue
            old = before[eid]
            dx, dy = now[x] - old[x], now[y] - old[y]  # type: ignore[operator]
            push(dx)
            push(dy)
            if dx or dy:
                moved = True
            if others(old) != others(now):
                mask, changes = change(old, now)
                _group(by_mask, eid, mask, changes)
        if len(before) == len(after) == len(moves) // 2:  # the same entities: the usual
            return moves if moved else [], _flatten(by_mask) if by_mask else [], [], []
        spawns = [[eid, *now] for eid, now in after.items() if eid not in before]
        removes = [eid for eid in before if eid not in after]
        return moves if moved else [], _flatten(by_mask), spawns, removes


def _group(by_mask: dict[int, list[Any]], eid: int, mask: int, changes: list[Any]) -> None:
    """Add entity ``eid``'s ``changes`` to the group of its ``mask``."""
    group = by_mask.get(mask)
    if group is None:
        by_mask[mask] = [eid, *changes]
    else:
        group.append(eid)
        group.extend(changes)


def _flatten(by_mask: dict[int, list[Any]]) -> list[Any]:
    """Groups by mask as the flat ``mask, count, (id, changes...) * count, ...``."""
    groups: list[Any] = []
    for mask, changes in by_mask.items():
        width = mask.bit_count() + 1
        groups.append(mask)
        groups.append(len(changes) // width)
        groups.extend(changes)
    return groups


def apply(schema: EntitySchema, mirror: Mirror, groups: Sequence[Any],
          spawns: Sequence[Sequence[Any]], removes: Sequence[int]) -> None:
    """Apply one delta to ``mirror`` (entity id -> list of wire values) in place.

    Raises ``KeyError``/``IndexError``/``TypeError`` on a delta that does not fit the mirror;
    a client treats that like a tick gap and asks for a keyframe.
    """
    codecs = schema.codecs
    moduli = schema.moduli
    width = len(codecs)
    position = 0
    while position < len(groups):
        mask, count = groups[position], groups[position + 1]
        position += 2
        bits = [i for i in range(width) if mask >> i & 1]
        for _ in range(count):
            values = mirror[groups[position]]
            position += 1
            for i in bits:
                change = groups[position]
                position += 1
                if codecs[i] == LINEAR:
                    values[i] += change
                elif codecs[i] == MODULAR:
                    values[i] = (values[i] + change) % moduli[i]
                else:
                    values[i] = change
    for spawn in spawns:
        if len(spawn) != width + 1:
            raise IndexError("spawn does not match the schema")
        mirror[spawn[0]] = list(spawn[1:])
    for eid in removes:
        mirror.pop(eid, None)


def cell_update(cell: int, moves: list[int], groups: list[Any],
                spawns: list[list[Quantized]], removes: list[int]) -> list[Any] | None:
    """One cell's delta ``[cell, moves, groups, spawns, removes]`` (trailing empty parts left
    off, ids in ``groups`` relative, see ``relative_ids``), or None when nothing in the cell
    changed. Takes ``groups`` over."""
    if removes:
        return [cell, moves, relative_ids(groups), spawns, removes]
    if spawns:
        return [cell, moves, relative_ids(groups), spawns]
    if groups:
        return [cell, moves, relative_ids(groups)]
    return [cell, moves] if moves else None


def relative_ids(groups: list[Any]) -> list[Any]:
    """``groups`` (in place) with each entity id replaced by its difference to the id before
    it in ``groups`` (the first: to 0): ids of a cell are near each other, so most take one
    byte."""
    previous = 0
    for position in _id_positions(groups):
        eid = groups[position]
        groups[position] = eid - previous
        previous = eid
    return groups


def absolute_ids(groups: Sequence[Any]) -> list[Any]:
    """A copy of ``groups`` with the ids ``relative_ids`` made relative whole again."""
    absolute = list(groups)
    previous = 0
    for position in _id_positions(absolute):
        previous = absolute[position] = previous + absolute[position]
    return absolute


def _id_positions(groups: Sequence[Any]) -> Iterator[int]:
    """The index of every entity id in ``groups`` (``[mask, count, id, changes..., ...]``)."""
    position = 0
    while position < len(groups):
        width, count = int.bit_count(groups[position]) + 1, groups[position + 1]
        position += 2
        for _ in range(count):
            yield position
            position += width


def apply_cells(schema: EntitySchema, mirror: Mirror, cells: MutableMapping[int, set[int]],
                drops: Sequence[int], loads: Sequence[Sequence[Any]],
                updates: Sequence[Sequence[Any]]) -> None:
    """Apply the cell parts of a state message to ``mirror`` and ``cells`` (cell -> the ids
    in it) in place: drops, then every removal (an entity may move to a cell applied
    earlier), then loads, then the moves, changes and spawns. Raises like ``apply``."""
    for cell in drops:
        for eid in cells.pop(cell):
            del mirror[eid]
    for update in updates:
        held = cells[update[0]]
        for eid in update[4] if len(update) > 4 else ():
            held.remove(eid)
            del mirror[eid]
    for cell, entities in loads:
        if cell in cells:
            raise KeyError(cell)
        apply(schema, mirror, (), entities, ())
        cells[cell] = {entity[0] for entity in entities}
    position = position_fields(schema)
    for update in updates:
        held = cells[update[0]]
        if len(update) > 1 and update[1]:
            apply_moves(mirror, position, sorted(held), update[1])
        groups = absolute_ids(update[2]) if len(update) > 2 else []
        spawns = update[3] if len(update) > 3 else ()
        apply(schema, mirror, groups, spawns, ())
        held.update(spawn[0] for spawn in spawns)


def position_fields(schema: EntitySchema) -> tuple[int, int]:
    """The indices of the fields ``x`` and ``y``, which interest management places by."""
    names = [field.name for field in schema.fields]
    return names.index("x"), names.index("y")


def apply_moves(mirror: Mirror, position: tuple[int, int], ids: Sequence[int],
                moves: Sequence[int]) -> None:
    """Add flat ``dx, dy`` ``moves`` to the position fields of ``ids``, one pair each."""
    if len(moves) != 2 * len(ids):
        raise IndexError("moves do not match the cell")
    x, y = position
    for index, eid in enumerate(ids):
        values = mirror[eid]
        values[x] = cast(int, values[x]) + moves[2 * index]  # positions are whole wire units
        values[y] = cast(int, values[y]) + moves[2 * index + 1]


def diff_acks(before: Mapping[int, int], after: Mapping[int, int]) -> list[int]:
    """Flat ``player_id, increase`` pairs for acks that grew."""
    flat: list[int] = []
    for pid, seq in after.items():
        increase = seq - before.get(pid, 0)
        if increase:
            flat.append(pid)
            flat.append(increase)
    return flat


def apply_acks(acks: MutableMapping[int, int], flat: Sequence[int]) -> None:
    """Apply flat ``player_id, increase`` pairs to ``acks`` in place."""
    for i in range(0, len(flat), 2):
        acks[flat[i]] = acks.get(flat[i], 0) + flat[i + 1]


def state_message(tick: int, groups: list[Any], acks: list[int],
                  spawns: list[list[Quantized]], removes: list[int],
                  departed: list[int]) -> list[Any]:
    """The state message list, with trailing empty parts left off."""
    message: list[Any] = [tick, groups, acks, spawns, removes, departed]
    while len(message) > 1 and not message[-1]:
        message.pop()
    return message


def keyframe_message(tick: int, snapshot: Snapshot, acks: Mapping[int, int]) -> list[Any]:
    """A keyframe: every entity whole, every ack whole."""
    flat_acks: list[int] = []
    for pid, seq in acks.items():
        flat_acks.append(pid)
        flat_acks.append(seq)
    return [tick, [[eid, *values] for eid, values in snapshot.items()], flat_acks]


def state_hash(entities: Mapping[int, Sequence[Quantized]], acks: Mapping[int, int]) -> str:
    """A canonical digest of a state, equal on server and mirror when they agree."""
    canonical = [
        sorted([eid, *values] for eid, values in entities.items()),
        sorted([pid, seq] for pid, seq in acks.items() if seq),  # 0 means "none yet"
    ]
    return hashlib.sha256(msgpack.packb(canonical)).hexdigest()
