/**
 * The feel probe, loaded only with `?probe=1` (its own bundle, so other pages pay nothing).
 * Per rendered frame it records the frame interval, how far the drawn time runs behind the
 * server, every remote entity's drawn position and your own ship's; per state its arrival;
 * per reconciliation how far it moved your ship and how long that took to settle on screen;
 * per steering key press how long until your ship moved on screen. `window.tickwireProbe()`
 * returns the summary, `tickwireProbe({download: true})` also saves the whole record as JSON,
 * `{record: true}` returns the record and `{reset: true}` starts afresh. Definitions:
 * client/web/README.md, "Feel probe".
 */
import { KIND } from "../../../shared/games/arena.js";
import { STEER } from "./input.js";

const SERVER_TIME_WINDOW_MS = 5000; // server time: from the least delayed state this recent
const SNAP_FACTOR = 2; // a snap: a frame's move over this many times the entity's top speed's
const SNAP_FLOOR = 1; // ... and over this many units
const CORRECTION_UNITS = 1; // a reconciliation moving your ship further is a correction
const SETTLED_UNITS = 1; // a correction has settled when less than this is left on screen
const STILL_UNITS = 0.01; // your ship moved less than this since the last frame: it stands still
const MOVED_UNITS = 1; // your ship drawn this far from where it stood (a pixel at the default zoom)
const KEY_WAIT_MS = 1000; // a key press your ship does not answer within this is unanswered

/** Percentile `share` (0..1) of `values`, or null when empty. */
function percentile(values, share) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}

/** The largest of `values`, or null when empty. */
function max(values) {
  return values.length === 0 ? null : Math.max(...values);
}

/** Mean, min, max and standard deviation of `values` (nulls when empty). */
function spread(values) {
  if (values.length === 0) return { mean: null, min: null, max: null, stddev: null };
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, min: Math.min(...values), max: Math.max(...values), stddev: Math.sqrt(variance) };
}

const distance = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]);
const round = (value) => Math.round(value * 100) / 100;

/** Records how one page's play feels; fed by the game client and the game screen. */
export class Probe {
  constructor() {
    this.reset();
  }

  /** Forget everything recorded so far (what the probe knows of the world stays). */
  reset() {
    this.frames = []; // per rendered frame: {at, interval, delay, buffer, entities, me, left}
    this.states = []; // {tick, at}: each new server state and when it arrived (ms)
    this.reconciliations = []; // {at, shift, correction}
    this.corrections = []; // {at, shift, settleMs, firstLeft, superseded}
    this.keys = []; // {code, at, still, ms, frames}
    this.snaps = []; // {at, id, move, limit}
    this.backsteps = 0;
    this.#waiting = [];
  }

  #arrivals = []; // recent {at, origin}: origin is the local time tick 0 would have arrived at
  #top = new Map(); // entity id -> its largest move per tick in server states (units)
  #server = new Map(); // entity id -> {tick, x, y} in the newest state holding it
  #jumped = new Map(); // entity id -> the tick it last jumped (farther than any move: a respawn)
  #drawn = new Map(); // entity id -> [x, y] drawn in the previous frame
  #last = null; // the previous frame: {at, renderTick, me, still}
  #me = null; // your ship's server values at the last reconciliation, with the tick
  #waiting = []; // key presses your ship has not answered yet
  #tick = null;
  #maxStep = Infinity;

  /** A new server state `tick` (entities as readable values) arrived at `now`. */
  state(tick, entities, now, interpolator) {
    this.#tick = tick;
    this.#maxStep = interpolator.maxStep;
    this.states.push({ tick, at: now });
    this.#arrivals.push({ at: now, origin: now - tick * interpolator.tickMs });
    while (this.#arrivals[0].at < now - SERVER_TIME_WINDOW_MS) this.#arrivals.shift();
    for (const [id, body] of entities) {
      const seen = this.#server.get(id);
      if (seen !== undefined) {
        const perTick = distance([body.x, body.y], [seen.x, seen.y]) / (tick - seen.tick);
        if (perTick > this.#maxStep) this.#jumped.set(id, tick);
        else this.#top.set(id, Math.max(this.#top.get(id) ?? 0, perTick));
      }
      this.#server.set(id, { tick, x: body.x, y: body.y });
    }
    for (const id of this.#server.keys()) {
      if (!entities.has(id)) {
        this.#server.delete(id);
        this.#top.delete(id);
        this.#jumped.delete(id);
      }
    }
  }

  /**
   * The game client rebased your ship on a server state: predicted position `before` and
   * `after` it, `me` your ship's server values, at `now`.
   */
  reconcile(before, after, me, now) {
    const last = this.#me;
    const alive = me.hp > 0 && last !== null && last.hp > 0;
    const jumped = last !== null &&
      distance([me.x, me.y], [last.x, last.y]) > this.#maxStep * Math.max(1, this.#tick - last.tick);
    const shift = before === null || after === null ? 0 : distance(before, after);
    const correction = alive && !jumped && shift > CORRECTION_UNITS;
    this.reconciliations.push({ at: now, shift: round(shift), correction });
    this.#me = { x: me.x, y: me.y, hp: me.hp, tick: this.#tick };
    if (!correction) return;
    for (const open of this.corrections) {
      if (open.settleMs === null) open.superseded = true;
    }
    this.corrections.push({ at: now, shift: round(shift), settleMs: null, firstLeft: null, superseded: false });
  }

  /** A key went down (`event`): steering keys pressed are timed until your ship moves. */
  key = (event) => {
    if (event.repeat || !(event.code in STEER)) return;
    const me = this.#last?.me ?? null;
    const still = me !== null && this.#last.still;
    const press = { code: event.code, at: event.timeStamp, still, ms: null, frames: null };
    this.keys.push(press);
    if (still) this.#waiting.push({ press, from: me, frames: 0 });
  };

  /**
   * A frame was drawn at `now` (the animation frame's time): `entities` the remote entities as
   * drawn, `me` your ship as drawn (or null); `client` the GameClient.
   */
  frame(now, client, entities, me) {
    const interpolator = client.interpolator;
    const tickMs = interpolator.tickMs;
    const renderTick = interpolator.drawnTick;
    const newest = interpolator.newestTick;
    const last = this.#last;
    const interval = last === null ? null : now - last.at;
    const record = { at: round(now), interval: interval === null ? null : round(interval) };
    if (renderTick !== null && newest !== null && this.#arrivals.length > 0) {
      const origin = Math.min(...this.#arrivals.map((arrival) => arrival.origin));
      record.delay = round((now - origin) - renderTick * tickMs);
      record.buffer = round((newest - renderTick) * tickMs);
      if (last?.renderTick != null && renderTick < last.renderTick) this.backsteps += 1;
    }
    record.entities = this.#remote(entities, me, { now, interval, renderTick, lastTick: last?.renderTick, tickMs });
    const at = me === null || me.hp <= 0 ? null : [me.x, me.y]; // a dead ship is not drawn
    record.me = at === null ? null : [round(at[0]), round(at[1])];
    record.left = at === null ? null : round(Math.hypot(...client.predictor.correctionAt(now)));
    this.#settle(now, record.left);
    this.#answerKeys(at);
    this.frames.push(record);
    const still = at !== null && last?.me != null && distance(at, last.me) < STILL_UNITS;
    this.#last = { at: now, renderTick, me: at, still };
  }

  /** Check remote entities for snaps; returns their drawn positions, flat [id, x, y, ...]. */
  #remote(entities, me, { now, interval, renderTick, lastTick, tickMs }) {
    const flat = [];
    const drawn = new Map();
    for (const [id, body] of entities) {
      if (id === me?.id || (body.kind !== KIND.BULLET && body.hp <= 0)) continue;
      const at = [body.x, body.y];
      flat.push(id, round(at[0]), round(at[1]));
      drawn.set(id, at);
      const before = this.#drawn.get(id);
      const top = this.#top.get(id);
      if (before === undefined || top === undefined || interval === null || lastTick == null) continue;
      const jumpedAt = this.#jumped.get(id);
      if (jumpedAt !== undefined && jumpedAt >= lastTick - 1 && jumpedAt <= renderTick + 1) continue;
      const move = distance(at, before);
      const limit = SNAP_FACTOR * top * (interval / tickMs);
      if (move > Math.max(limit, SNAP_FLOOR)) {
        this.snaps.push({ at: round(now), id, move: round(move), limit: round(limit) });
      }
    }
    this.#drawn = drawn;
    return flat;
  }

  /** Follow open corrections: `left` is what is left of the last one on screen now. */
  #settle(now, left) {
    for (const open of this.corrections) {
      if (open.settleMs !== null || open.superseded || left === null) continue;
      if (open.firstLeft === null) open.firstLeft = left;
      if (left <= SETTLED_UNITS) open.settleMs = round(now - open.at);
    }
  }

  /** Time the key presses waiting for your ship, now drawn at `at`. */
  #answerKeys(at) {
    const drawnAt = performance.now();
    this.#waiting = this.#waiting.filter((waiting) => {
      waiting.frames += 1;
      if (at !== null && distance(at, waiting.from) >= MOVED_UNITS) {
        waiting.press.ms = round(drawnAt - waiting.press.at);
        waiting.press.frames = waiting.frames;
        return false;
      }
      return drawnAt - waiting.press.at < KEY_WAIT_MS;
    });
  }

  /** The figures client/web/README.md defines, over everything recorded since the reset. */
  summary() {
    const frames = this.frames;
    const intervals = frames.map((frame) => frame.interval).filter((value) => value !== null);
    const delays = frames.map((frame) => frame.delay).filter((value) => value !== undefined);
    const buffers = frames.map((frame) => frame.buffer).filter((value) => value !== undefined);
    const corrections = this.corrections;
    const now = performance.now();
    const settles = corrections.filter((c) => !c.superseded)
      .map((c) => c.settleMs ?? now - c.at);
    const keys = this.keys.filter((press) => press.still);
    const answered = keys.filter((press) => press.ms !== null);
    const waiting = new Set(this.#waiting.map((entry) => entry.press));
    const ms = answered.map((press) => press.ms);
    const counts = answered.map((press) => press.frames);
    return {
      frames: frames.length,
      seconds: frames.length < 2 ? 0 : (frames[frames.length - 1].at - frames[0].at) / 1000,
      frameIntervalMs: { p50: percentile(intervals, 0.5), p99: percentile(intervals, 0.99), max: max(intervals) },
      renderDelayMs: spread(delays),
      bufferMs: { min: buffers.length ? Math.min(...buffers) : null, mean: spread(buffers).mean },
      extrapolationMs: { max: Math.max(0, ...buffers.map((buffer) => -buffer)), frames: buffers.filter((b) => b < 0).length },
      backsteps: this.backsteps,
      snaps: { count: this.snaps.length, maxUnits: max(this.snaps.map((snap) => snap.move)) },
      corrections: {
        count: corrections.length,
        maxUnits: max(corrections.map((c) => c.shift)),
        settleMaxMs: max(settles),
        snapped: corrections.filter((c) => c.firstLeft !== null && c.firstLeft < c.shift / 2).length,
      },
      keyToMotion: {
        count: answered.length,
        p50Ms: percentile(ms, 0.5),
        maxMs: max(ms),
        p50Frames: percentile(counts, 0.5),
        maxFrames: max(counts),
        unanswered: keys.length - answered.length - waiting.size,
      },
      states: this.states.length,
      reconciliations: this.reconciliations.length,
    };
  }

  /** Everything recorded, as plain data (what the download holds). */
  record() {
    return {
      timeOrigin: performance.timeOrigin,
      userAgent: navigator.userAgent,
      summary: this.summary(),
      frames: this.frames,
      states: this.states,
      reconciliations: this.reconciliations,
      corrections: this.corrections,
      keys: this.keys,
      snaps: this.snaps,
    };
  }

  /** Save the record as a JSON file. */
  download() {
    const blob = new Blob([JSON.stringify(this.record())], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `tickwire-probe-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 0);
  }
}

/**
 * Start probing this page: listens to key presses and sets `window.tickwireProbe(options)`.
 * Returns the Probe for the game client to feed.
 */
export function install() {
  const probe = new Probe();
  window.addEventListener("keydown", probe.key, { capture: true });
  window.tickwireProbe = ({ reset = false, record = false, download = false } = {}) => {
    if (reset) probe.reset();
    if (download) probe.download();
    return record ? probe.record() : probe.summary();
  };
  return probe;
}
