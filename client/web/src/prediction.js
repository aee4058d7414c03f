/**
 * Client-side prediction with server reconciliation for the player's own ship.
 *
 * Each input moves the ship locally at once, with the same `move` the server runs, and is kept
 * until the server acknowledges its sequence number. On each authoritative state the ship is
 * put where the server has it and the unacknowledged inputs are replayed on top.
 */

const CORRECTION_MS = 80; // a misprediction is blended away evenly over this long
const SNAP_DISTANCE = 60; // corrections larger than this (respawns) are not blended

/**
 * Predicts one ship.
 *
 * @param move `(x, y, dx, dy, dt) -> [x, y]`, the game's movement rule.
 * @param dt seconds one input moves the ship for (one tick).
 */
export class Predictor {
  constructor(move, dt) {
    this.move = move;
    this.dt = dt;
    this.pending = []; // inputs the server has not applied yet: {seq, dx, dy}
    this.position = null; // predicted [x, y] after every input sent so far
    this.previous = null; // where the drawing of the latest input's move starts
    this.correction = [0, 0]; // drawing offset left by the last misprediction
    this.correctedAt = 0;
    this.active = true; // false while the ship cannot move (dead, round over)
  }

  /**
   * Apply one input locally, now; `seq` is the number it was sent with. `progress` says how
   * far the drawing got through the previous input's move (1: all the way): the new move is
   * drawn on from there, so a change of direction never jumps.
   */
  apply(seq, dx, dy, progress = 1) {
    this.pending.push({ seq, dx, dy });
    if (this.position === null) return;
    this.previous = this.#base(progress);
    if (this.active) this.position = this.move(...this.position, dx, dy, this.dt);
  }

  /**
   * Rebase on the server: the ship is at (`x`, `y`) after input `ack`. Drops acknowledged
   * inputs and replays the rest. `now` (ms) times the blending of any misprediction.
   */
  reconcile(x, y, ack, now) {
    this.pending = this.pending.filter((input) => input.seq > ack);
    let position = [x, y];
    if (this.active) {
      for (const { dx, dy } of this.pending) position = this.move(...position, dx, dy, this.dt);
    }
    if (this.position === null) {
      this.position = this.previous = position;
      return;
    }
    const shift = [position[0] - this.position[0], position[1] - this.position[1]];
    if (shift[0] === 0 && shift[1] === 0) return;
    const blended = this.correctionAt(now);
    if (Math.hypot(shift[0], shift[1]) > SNAP_DISTANCE) {
      this.correction = [0, 0];
      this.previous = position;
    } else {
      this.correction = [blended[0] - shift[0], blended[1] - shift[1]];
      this.previous = [this.previous[0] + shift[0], this.previous[1] + shift[1]];
    }
    this.correctedAt = now;
    this.position = position;
  }

  /**
   * Where to draw the ship: `progress` (0..1) of the way through the latest input's move,
   * plus what is left of the last correction at time `now` (ms).
   */
  drawPosition(progress, now) {
    if (this.position === null) return null;
    const [x, y] = this.#base(progress);
    const [cx, cy] = this.correctionAt(now);
    return [x + cx, y + cy];
  }

  /** What is left at time `now` (ms) of the drawing offset of the last misprediction. */
  correctionAt(now) {
    const left = Math.min(1, Math.max(0, 1 - (now - this.correctedAt) / CORRECTION_MS));
    return [this.correction[0] * left, this.correction[1] * left];
  }

  #base(progress) {
    return [
      this.previous[0] + (this.position[0] - this.previous[0]) * progress,
      this.previous[1] + (this.position[1] - this.previous[1]) * progress,
    ];
  }
}

/**
 * When the drawing of the latest input's move runs: from `from` to `until` (ms), evenly. A
 * key press's move starts at least a frame's share of the way (`lead`), so whenever the very
 * next frame is drawn, it already shows your ship moving.
 */
export class MoveTimeline {
  constructor() {
    this.from = 0;
    this.until = 0;
    this.floor = 0; // the least share drawn
  }

  /** The latest input's move is drawn from `from` to `until`, at least `lead` ms of it at once. */
  start(from, until, lead = 0) {
    this.from = from;
    this.until = until;
    this.floor = until > from ? lead / (until - from) : 0;
  }

  /** How far the drawing is through the move at `now` (0..1). */
  progress(now) {
    const span = this.until - this.from;
    if (span <= 0) return 1;
    return Math.min(1, Math.max(this.floor, (now - this.from) / span));
  }
}
