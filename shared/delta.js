/**
 * Applying state deltas and acks to a mirror, exactly as shared/delta.py does (its module
 * docstring documents the wire format). The mirror is a Map of entity id -> wire values.
 */
import { LINEAR, MODULAR } from "./schema.js";

/** A delta that does not fit the mirror; the client treats it like a tick gap. */
class DeltaMismatch extends Error {}

/** Apply one delta (`groups`, `spawns`, `removes`) to `entities` in place. */
export function applyDelta(schema, entities, groups, spawns, removes) {
  const { codecs, moduli } = schema;
  const width = codecs.length;
  let position = 0;
  while (position < groups.length) {
    const mask = groups[position];
    const count = groups[position + 1];
    position += 2;
    const bits = [];
    for (let i = 0; i < width; i++) if ((mask >> i) & 1) bits.push(i);
    for (let n = 0; n < count; n++) {
      const values = entities.get(groups[position]);
      if (values === undefined) throw new DeltaMismatch(`no entity ${groups[position]}`);
      position += 1;
      for (const i of bits) {
        const change = groups[position];
        if (change === undefined) throw new DeltaMismatch("delta ends early");
        position += 1;
        if (codecs[i] === LINEAR) values[i] += change;
        else if (codecs[i] === MODULAR) values[i] = mod(values[i] + change, moduli[i]);
        else values[i] = change;
      }
    }
  }
  for (const spawn of spawns) {
    if (spawn.length !== width + 1) throw new DeltaMismatch("spawn does not match the schema");
    entities.set(spawn[0], spawn.slice(1));
  }
  for (const id of removes) entities.delete(id);
}

/**
 * Apply the cell parts of a state message (interest management) to `entities` and `cells`
 * (a Map of cell -> Set of entity ids) in place, in apply_cells's order: drops, removals,
 * loads, then moves (position changes of the entities a cell kept, in ascending id order),
 * changes (ids relative, as in shared/delta.py's relative_ids) and spawns.
 */
export function applyCells(schema, entities, cells, drops, loads, updates) {
  for (const cell of drops) {
    for (const id of held(cells, cell)) entities.delete(id);
    cells.delete(cell);
  }
  for (const update of updates) {
    const ids = held(cells, update[0]);
    for (const id of update[4] ?? []) {
      if (!ids.delete(id) || !entities.delete(id)) throw new DeltaMismatch(`no entity ${id}`);
    }
  }
  for (const [cell, spawns] of loads) {
    if (cells.has(cell)) throw new DeltaMismatch(`cell ${cell} held already`);
    applyDelta(schema, entities, [], spawns, []);
    cells.set(cell, new Set(spawns.map((spawn) => spawn[0])));
  }
  const position = positionFields(schema);
  for (const update of updates) {
    const ids = held(cells, update[0]);
    if (update[1]?.length) {
      applyMoves(entities, position, [...ids].sort((a, b) => a - b), update[1]);
    }
    const spawns = update[3] ?? [];
    applyDelta(schema, entities, absoluteIds(update[2] ?? []), spawns, []);
    for (const spawn of spawns) ids.add(spawn[0]);
  }
}

/** The indices of the fields `x` and `y`, which interest management places by. */
function positionFields(schema) {
  const names = schema.fields.map((f) => f.name);
  return [names.indexOf("x"), names.indexOf("y")];
}

/** Add flat `dx, dy` `moves` to the position fields of `ids`, one pair each. */
function applyMoves(entities, [x, y], ids, moves) {
  if (moves.length !== 2 * ids.length) throw new DeltaMismatch("moves do not match the cell");
  ids.forEach((id, index) => {
    const values = entities.get(id);
    values[x] += moves[2 * index];
    values[y] += moves[2 * index + 1];
  });
}

/** A copy of a cell delta's `groups` with its ids (each relative to the one before) whole. */
function absoluteIds(groups) {
  const absolute = groups.slice();
  let position = 0;
  let previous = 0;
  while (position < absolute.length) {
    const width = bitCount(absolute[position]) + 1;
    const count = absolute[position + 1];
    position += 2;
    for (let n = 0; n < count; n++) {
      previous += absolute[position];
      absolute[position] = previous;
      position += width;
    }
  }
  return absolute;
}

/** Set bits of a field mask. */
function bitCount(mask) {
  let bits = 0;
  for (let rest = mask; rest; rest >>>= 1) bits += rest & 1;
  return bits;
}

/** The ids in a cell the mirror holds. */
function held(cells, cell) {
  const ids = cells.get(cell);
  if (ids === undefined) throw new DeltaMismatch(`cell ${cell} not held`);
  return ids;
}

/** Apply flat `player_id, increase` pairs to the `acks` Map in place. */
export function applyAcks(acks, flat) {
  for (let i = 0; i < flat.length; i += 2) {
    acks.set(flat[i], (acks.get(flat[i]) ?? 0) + flat[i + 1]);
  }
}

/** Python's `%`: the result has the sign of the modulus. */
function mod(value, modulus) {
  return ((value % modulus) + modulus) % modulus;
}
