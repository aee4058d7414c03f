/**
 * Reading entity wire values, from the schema description the server sends in its welcome
 * (`[[name, kind, parameter], ...]`, see shared/schema.py). Field `i` has wire id `i`.
 */

/** How a changed value travels in a state message (same numbering as shared/schema.py). */
export const LINEAR = 0;
export const MODULAR = 1;
export const ABSOLUTE = 2;

const TAU = 2 * Math.PI;

/** One synced field: its codec, its modulus (angles) and how to turn wire values back. */
function field([name, kind, parameter]) {
  if (kind === "num") {
    return { name, codec: LINEAR, modulus: 0, value: (wire) => wire * parameter };
  }
  if (kind === "angle") {
    const modulus = 2 ** parameter;
    return { name, codec: MODULAR, modulus, value: (wire) => (wire * TAU) / modulus };
  }
  return { name, codec: ABSOLUTE, modulus: 0, value: (wire) => wire };
}

/** An entity schema built from the welcome's `schema` description. */
export class EntitySchema {
  constructor(description) {
    this.fields = description.map(field);
    this.codecs = this.fields.map((f) => f.codec);
    this.moduli = this.fields.map((f) => f.modulus);
  }

  /** A readable `{name: value}` view of one entity's wire values. */
  values(wire) {
    const view = {};
    this.fields.forEach((f, i) => {
      view[f.name] = f.value(wire[i]);
    });
    return view;
  }
}
