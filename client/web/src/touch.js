/**
 * Virtual sticks for touch screens. A thumb that lands on the left half of the play area
 * grabs the move stick (analog: the further from its centre, the faster); one on the right
 * half grabs the aim stick, which turns the ship the way it is pushed and fires while held
 * (a quick tap fires once). Each stick's base appears under the thumb that grabs it and
 * follows it past the rim. Pointer Events with capture, so both thumbs work at once.
 * The sticks show only on touch devices: at once where the main pointer is coarse, else from
 * the first touch; mouse and pen are left to the keyboard-and-mouse controller.
 */
import { el } from "./dom.js";

const DEAD_ZONE = 0.15; // share of a stick's radius that still counts as centred

/** True where the main pointer is a finger (phones, tablets). */
export function coarsePointer() {
  return window.matchMedia("(pointer: coarse)").matches;
}

/**
 * A stick's reading for a knob at (`x`, `y`) from the centre of a stick of `radius`: `[dx, dy]`
 * of length 0 inside the dead zone, growing to 1 at the rim, each within -1..1.
 */
export function stickPush(x, y, radius) {
  const length = Math.hypot(x, y) / radius;
  if (length <= DEAD_ZONE) return [0, 0];
  const k = Math.min(1, (length - DEAD_ZONE) / (1 - DEAD_ZONE)) / (length * radius);
  return [x, y].map((v) => Math.max(-1, Math.min(1, v * k))); // no rounding past ±1
}

/** One stick: a base that moves to the thumb holding it, and a knob under the thumb. */
class Stick {
  constructor(kind) {
    this.knob = el("div", { className: "knob" });
    this.node = el("div", { className: `stick ${kind}` }, this.knob);
    this.pointer = null; // id of the pointer holding the stick
    this.center = [0, 0]; // of the base, in CSS pixels relative to the layer
    this.radius = 1;
    this.offset = [0, 0]; // knob from centre, at most `radius` long
  }

  /** Pointer `id` lands at (`x`, `y`): the base moves there. */
  grab(id, x, y) {
    this.pointer = id;
    this.radius = this.node.offsetWidth / 2 || 1;
    this.center = [x, y];
    this.node.classList.add("held");
    this.drag(x, y);
  }

  /** The thumb is at (`x`, `y`); beyond the rim the base follows it. */
  drag(x, y) {
    let ox = x - this.center[0];
    let oy = y - this.center[1];
    const length = Math.hypot(ox, oy);
    if (length > this.radius) {
      const k = this.radius / length;
      this.center = [x - ox * k, y - oy * k];
      ox *= k;
      oy *= k;
    }
    this.offset = [ox, oy];
    this.node.style.left = `${this.center[0] - this.radius}px`;
    this.node.style.top = `${this.center[1] - this.radius}px`;
    this.knob.style.transform = `translate(${ox}px, ${oy}px)`;
  }

  /** The thumb lifted: back to rest (style.css places the resting stick). */
  release() {
    this.pointer = null;
    this.offset = [0, 0];
    this.node.classList.remove("held");
    this.node.style.left = this.node.style.top = this.knob.style.transform = "";
  }

  /** Where it is pushed (see `stickPush`); null when not held. */
  push() {
    return this.pointer === null ? null : stickPush(...this.offset, this.radius);
  }
}

/**
 * Sticks for touches on `surface` (the canvas), drawn in `layer` (the element over it; it gets
 * the class `touch` while the sticks show). `onShow()` runs once, when they first show.
 */
export class TouchControls {
  constructor(surface, layer, onShow = () => {}) {
    this.surface = surface;
    this.layer = layer;
    this.move = new Stick("move");
    this.aim = new Stick("aim");
    this.node = el("div", { className: "touch-controls", hidden: true }, this.move.node, this.aim.node);
    layer.append(this.node);
    this.#onShow = onShow;
    this.#listeners = [
      [surface, "pointerdown", (event) => this.#down(event)],
      [surface, "pointermove", (event) => this.#drag(event)],
      [surface, "pointerup", (event) => this.#up(event)],
      [surface, "pointercancel", (event) => this.#up(event)],
      [surface, "lostpointercapture", (event) => this.#up(event)],
      [window, "blur", () => this.#release()],
    ];
    for (const [target, type, handler] of this.#listeners) target.addEventListener(type, handler);
    if (coarsePointer()) this.#show();
  }

  #onShow;
  #listeners;
  #pressed = false; // the aim stick was grabbed since the last sample

  /** True once the sticks show (a touch device). */
  get shown() {
    return !this.node.hidden;
  }

  /**
   * This tick's touch input: `move` `[dx, dy]` (null when the move stick is not held), `aim`
   * an angle in radians (null unless the aim stick is pushed past its dead zone), `fire` while
   * the aim stick is held, `pressed` when it was grabbed since the last sample (a tap).
   */
  sample() {
    const push = this.aim.push();
    const aiming = push !== null && (push[0] !== 0 || push[1] !== 0);
    const pressed = this.#pressed;
    this.#pressed = false;
    return {
      move: this.move.push(),
      aim: aiming ? Math.atan2(push[1], push[0]) : null,
      fire: this.aim.pointer !== null,
      pressed,
    };
  }

  /** Stop listening and remove the sticks. */
  dispose() {
    for (const [target, type, handler] of this.#listeners) target.removeEventListener(type, handler);
    this.node.remove();
    this.layer.classList.remove("touch");
  }

  #show() {
    if (this.shown) return;
    this.node.hidden = false;
    this.layer.classList.add("touch");
    this.#onShow();
  }

  #down(event) {
    if (event.pointerType !== "touch") return;
    event.preventDefault();
    this.#show();
    const [x, y] = this.#at(event);
    const stick = x < this.layer.clientWidth / 2 ? this.move : this.aim;
    if (stick.pointer !== null) return;
    this.surface.setPointerCapture(event.pointerId);
    stick.grab(event.pointerId, x, y);
    if (stick === this.aim) this.#pressed = true;
  }

  #drag(event) {
    const stick = this.#held(event.pointerId);
    if (stick) stick.drag(...this.#at(event));
  }

  #up(event) {
    this.#held(event.pointerId)?.release();
  }

  #release() {
    this.move.release();
    this.aim.release();
  }

  #held(id) {
    if (this.move.pointer === id) return this.move;
    if (this.aim.pointer === id) return this.aim;
    return null;
  }

  /** The event's position in CSS pixels relative to the layer. */
  #at(event) {
    const box = this.layer.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }
}
