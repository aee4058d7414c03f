/**
 * Smooth remote entities: states arrive at the tick rate (20 Hz), frames are drawn at 60 Hz.
 * Each frame is drawn a small buffer (about two ticks) behind the estimated server time, by
 * interpolating between the two received states around that moment. When states stop coming
 * (a stall), the drawn time waits at the newest state rather than guess beyond it (a guess
 * that turns out wrong is a jump); once states flow again it catches up by running a little
 * fast, never by jumping or stepping back.
 */

const TAU = 2 * Math.PI;
const EARLY_SMOOTHING = 0.3; // share of an early arrival's lead the estimate takes at once
const LATE_SMOOTHING = 0.03; // share of a late arrival's delay it takes (jitter is ignored)
const MAX_SLEW = 0.05; // the drawn clock runs at most 5% fast or slow to reach the estimate
const CLOCK_RESET_TICKS = 6; // arrivals this much earlier than expected restart the clock
const HISTORY_TICKS = 40; // states kept behind the newest one
const MAX_CATCH_UP = 0.25; // the drawn time runs at most 25% fast to get back on schedule
const RESYNC_TICKS = 10; // further behind than this, the drawn time jumps instead of catching up

/**
 * Maps local time to the server's tick. It estimates the local time at which tick 0 would
 * have arrived, following the earliest arrivals (the least delayed) and taking late ones in
 * only slowly, so jitter does not shake the timeline while a lasting change of latency still
 * does. The clock it reads out moves towards that estimate by speeding up or slowing down a
 * little, never by jumping, so motion stays smooth.
 */
export class ServerClock {
  /** `tickRate`: server ticks per second. */
  constructor(tickRate) {
    this.tickMs = 1000 / tickRate;
    this.estimate = null; // local time of tick 0, from arrivals
    this.origin = null; // local time of tick 0, as the clock reads out
    this.readAt = 0;
  }

  /** A state for `tick` arrived at local time `now` (milliseconds). */
  observe(tick, now) {
    const origin = now - tick * this.tickMs;
    if (this.estimate === null || origin < this.estimate - CLOCK_RESET_TICKS * this.tickMs) {
      this.estimate = this.origin = origin;
      this.readAt = now;
    } else {
      const smoothing = origin < this.estimate ? EARLY_SMOOTHING : LATE_SMOOTHING;
      this.estimate += (origin - this.estimate) * smoothing;
    }
  }

  /** The (fractional) server tick at local time `now`, or null before any state arrived. */
  tickAt(now) {
    if (this.estimate === null) return null;
    const slack = Math.max(0, now - this.readAt) * MAX_SLEW;
    this.origin += Math.max(-slack, Math.min(slack, this.estimate - this.origin));
    this.readAt = Math.max(this.readAt, now);
    return (now - this.origin) / this.tickMs;
  }
}

/**
 * Received states of a room and the interpolated view of them at render time.
 *
 * @param tickRate server ticks per second.
 * @param delayTicks how far behind the estimated server tick frames are drawn.
 * @param maxStep distance per tick above which an entity is taken to have jumped (respawn)
 *   and is not slid across the map.
 */
export class Interpolator {
  constructor({ tickRate, delayTicks = 2, maxStep = 80 }) {
    this.clock = new ServerClock(tickRate);
    this.tickMs = this.clock.tickMs;
    this.delayTicks = delayTicks;
    this.maxStep = maxStep;
    this.states = []; // {tick, entities: Map id -> {x, y, angle, ...}}, oldest first
    this.drawnTick = null; // the tick the last frame was drawn at
  }

  #drawnAt = 0;

  /** Record the state of `tick` (entities as readable values) received at `now`. */
  push(tick, entities, now) {
    const newest = this.states[this.states.length - 1];
    if (newest && tick <= newest.tick) return; // the mirror only moves forward
    this.clock.observe(tick, now);
    this.states.push({ tick, entities });
    const keepFrom = tick - HISTORY_TICKS;
    while (this.states.length > 2 && this.states[0].tick < keepFrom) this.states.shift();
  }

  /** The newest tick received, or null. */
  get newestTick() {
    return this.states.length === 0 ? null : this.states[this.states.length - 1].tick;
  }

  /**
   * The tick frames are drawn at, at local time `now` (fractional), or null. It follows the
   * server clock `delayTicks` behind, runs at most MAX_CATCH_UP fast to get back to it after
   * waiting (more than RESYNC_TICKS behind, it jumps), never goes back, and never passes the
   * newest state.
   */
  renderTick(now) {
    const target = this.clock.tickAt(now);
    if (target === null) return null;
    const wanted = target - this.delayTicks;
    let drawn = wanted;
    if (this.drawnTick !== null && wanted - this.drawnTick < RESYNC_TICKS) {
      const step = Math.max(0, now - this.#drawnAt) / this.tickMs;
      const behind = wanted - (this.drawnTick + step);
      drawn = this.drawnTick + step + Math.max(-step, Math.min(step * MAX_CATCH_UP, behind));
    }
    const newest = this.newestTick;
    if (newest !== null) drawn = Math.min(drawn, newest);
    this.drawnTick = this.drawnTick === null ? drawn : Math.max(this.drawnTick, drawn);
    this.#drawnAt = Math.max(this.#drawnAt, now);
    return this.drawnTick;
  }

  /** Entities as they stood at render time: Map id -> values with x, y, angle interpolated. */
  sample(now) {
    const states = this.states;
    if (states.length === 0) return new Map();
    const at = this.renderTick(now);
    const next = states.findIndex((state) => state.tick > at);
    if (next === -1) return states[states.length - 1].entities; // starved: hold the newest
    if (next === 0) return states[0].entities; // not buffered that far back: hold the oldest
    const before = states[next - 1];
    const after = states[next];
    const fraction = (at - before.tick) / (after.tick - before.tick);
    const view = new Map();
    for (const [id, from] of before.entities) {
      const to = after.entities.get(id);
      view.set(id, to === undefined ? from : this.#blend(from, to, fraction, after.tick - before.tick));
    }
    return view;
  }

  #blend(from, to, fraction, ticks) {
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    if (dx * dx + dy * dy > (this.maxStep * ticks) ** 2) return from;
    return {
      ...from,
      x: from.x + dx * fraction,
      y: from.y + dy * fraction,
      angle: lerpAngle(from.angle, to.angle, fraction),
    };
  }
}

/** The angle `fraction` of the way from `from` to `to`, turning the short way round. */
export function lerpAngle(from, to, fraction) {
  let turn = (to - from) % TAU;
  if (turn > Math.PI) turn -= TAU;
  else if (turn < -Math.PI) turn += TAU;
  return from + turn * fraction;
}
