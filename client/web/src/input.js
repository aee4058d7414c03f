/**
 * Keyboard, mouse and touch: WASD or arrows steer, the pointer aims, a click (or Space) fires;
 * on touch screens the virtual sticks of touch.js do the same. The controller only records
 * what is held; the game screen samples it once per tick, so every device yields the same
 * input values (`{dx, dy, aim, fire}`) for the server and for prediction.
 */
import { TouchControls } from "./touch.js";

/** Steering keys (`KeyboardEvent.code`) and the direction each one pushes. */
export const STEER = {
  KeyW: [0, -1], ArrowUp: [0, -1],
  KeyS: [0, 1], ArrowDown: [0, 1],
  KeyA: [-1, 0], ArrowLeft: [-1, 0],
  KeyD: [1, 0], ArrowRight: [1, 0],
};
// A press, however short, fires in the next input alone: the server counts a press in any
// input of a tick even when a later one releases it.
const FIRE_KEY = "Space";

/** How to play, in one line, with a keyboard and mouse or with touch. */
export const HINTS = Object.freeze({
  keyboard: "WASD / arrows to move · mouse to aim · click or Space to fire",
  touch: "Drag left to move · drag right to aim and fire",
});

/**
 * Tracks held keys, the mouse over `surface` (the canvas) and touches on it until `dispose()`.
 * The sticks are drawn in `layer`; `onHint(text)` gets the hint for the controls in use, at
 * once and again when the sticks show.
 */
export class InputController {
  constructor(surface, layer, onHint = () => {}) {
    this.surface = surface;
    this.held = new Set();
    this.pointer = null; // {x, y} in CSS pixels relative to the surface
    this.mouseDown = false;
    this.aim = 0;
    this.onSteer = () => {}; // a steering key went down or up: the game screen sends at once
    this.#listeners = [
      [window, "keydown", (event) => this.#key(event, true)],
      [window, "keyup", (event) => this.#key(event, false)],
      [window, "blur", () => this.#release()],
      [surface, "pointermove", (event) => this.#point(event)],
      [surface, "pointerdown", (event) => {
        if (!this.#point(event) || event.button !== 0) return;
        this.mouseDown = true;
        this.#pressed = true;
      }],
      [window, "pointerup", (event) => {
        if (event.pointerType !== "touch") this.mouseDown = false;
      }],
      [surface, "contextmenu", (event) => event.preventDefault()],
    ];
    for (const [target, type, handler] of this.#listeners) target.addEventListener(type, handler);
    this.touch = new TouchControls(surface, layer, () => onHint(HINTS.touch));
    if (!this.touch.shown) onHint(HINTS.keyboard);
  }

  #listeners;
  #pressed = false; // a click, Space or tap since the last sample

  /** This tick's input. `origin`: your ship's position on screen, to aim from. */
  sample(origin) {
    const touch = this.touch.sample();
    const [dx, dy] = touch.move ?? this.#steer();
    if (touch.aim !== null) {
      this.aim = touch.aim;
    } else if (this.pointer && origin) {
      this.aim = Math.atan2(this.pointer.y - origin[1], this.pointer.x - origin[0]);
    }
    const fire = this.mouseDown || this.held.has(FIRE_KEY) || touch.fire || touch.pressed ||
      this.#pressed;
    this.#pressed = false;
    return { dx, dy, aim: this.aim, fire };
  }

  /** Stop listening. */
  dispose() {
    for (const [target, type, handler] of this.#listeners) target.removeEventListener(type, handler);
    this.touch.dispose();
    this.#release();
  }

  /** The held keys' direction, each axis -1, 0 or 1. */
  #steer() {
    let dx = 0;
    let dy = 0;
    for (const code of this.held) {
      const steer = STEER[code];
      if (steer) {
        dx += steer[0];
        dy += steer[1];
      }
    }
    return [Math.sign(dx), Math.sign(dy)];
  }

  #key(event, down) {
    if (!(event.code in STEER) && event.code !== FIRE_KEY) return;
    if (event.target instanceof HTMLInputElement) return;
    event.preventDefault();
    const changed = down !== this.held.has(event.code);
    if (down && event.code === FIRE_KEY && !event.repeat) this.#pressed = true;
    if (down) this.held.add(event.code);
    else this.held.delete(event.code);
    if (changed && event.code in STEER) this.onSteer();
  }

  /** Follow the mouse (or pen); touches belong to the sticks. False for a touch. */
  #point(event) {
    if (event.pointerType === "touch") return false;
    const box = this.surface.getBoundingClientRect();
    this.pointer = { x: event.clientX - box.left, y: event.clientY - box.top };
    return true;
  }

  #release() {
    this.held.clear();
    this.mouseDown = false;
    this.#pressed = false;
  }
}
