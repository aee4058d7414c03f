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
