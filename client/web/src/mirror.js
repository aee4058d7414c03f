/**
 * A client's copy of a room's state, kept current from keyframes and deltas: the browser twin
 * of client/mirror.py.
 */
import { applyAcks, applyCells, applyDelta } from "../../../shared/delta.js";
import { CELL_STATE, KEYFRAME, STATE } from "../../../shared/protocol.js";

/**
 * Entities (id -> wire values) and input acks (player id -> last applied seq) of one room.
 * Feed it every keyframe and state message. When `applyState` returns false the mirror saw a
 * tick gap (or a delta it cannot apply) and ignores deltas until the next keyframe.
 */
export class StateMirror {
  /**
   * `schema`: an EntitySchema; `playerId`: your player id, or null when spectating;
   * `interest`: the room sends only the cells around you (the welcome has `interest`), and
   * `cells` holds the ids in each cell you see.
   */
  constructor(schema, playerId, interest = false) {
    this.schema = schema;
    this.playerId = playerId;
    this.interest = interest;
    this.tick = null;
    this.entities = new Map();
    this.cells = new Map();
    this.acks = new Map();
    this.gaps = 0;
  }

  /** True once a keyframe arrived and no gap was seen since. */
  get synced() {
    return this.tick !== null;
  }

  /** The last input sequence number the server applied for you. */
  get ack() {
    return this.playerId === null ? 0 : this.acks.get(this.playerId) ?? 0;
  }

  /** Replace everything with a keyframe `[tick, entities, acks]` (`[tick, loads, acks]`). */
  loadKeyframe(message) {
    const flatAcks = message[KEYFRAME.acks];
    if (this.interest) {
      this.entities = new Map();
      this.cells = new Map();
      applyCells(this.schema, this.entities, this.cells, [], message[KEYFRAME.entities], []);
    } else {
      this.entities = new Map(message[KEYFRAME.entities].map((e) => [e[0], e.slice(1)]));
    }
    this.acks = new Map();
    for (let i = 0; i < flatAcks.length; i += 2) this.acks.set(flatAcks[i], flatAcks[i + 1]);
    this.tick = message[KEYFRAME.tick];
  }

  /** Apply a state message; false when it does not follow on (a gap). */
  applyState(message) {
    const tick = message[STATE.tick];
    if (this.tick === null || tick <= this.tick) return true;
    if (tick !== this.tick + 1) return this.#loseSync();
    try {
      if (this.interest) this.#applyCells(message);
      else this.#applyDelta(message);
    } catch {
      return this.#loseSync();
    }
    this.tick = tick;
    return true;
  }

  #applyDelta(message) {
    const part = (index) => message[index] ?? [];
    applyDelta(this.schema, this.entities, part(STATE.groups), part(STATE.spawns),
      part(STATE.removes));
    applyAcks(this.acks, part(STATE.acks));
    for (const id of part(STATE.departed)) this.acks.delete(id);
  }

  #applyCells(message) {
    applyCells(this.schema, this.entities, this.cells, message[CELL_STATE.drops],
      message[CELL_STATE.loads], message[CELL_STATE.updates]);
    if (this.playerId !== null) this.acks.set(this.playerId, message[CELL_STATE.ack]);
  }

  #loseSync() {
    this.gaps += 1;
    this.tick = null;
    return false;
  }

  /** One entity as `{field name: value}`, or null. */
  entity(id) {
    const wire = this.entities.get(id);
    return wire === undefined ? null : this.schema.values(wire);
  }

  /** Every entity as a Map of id -> `{field name: value}`. */
  view() {
    const view = new Map();
    for (const [id, wire] of this.entities) view.set(id, this.schema.values(wire));
    return view;
  }
}
