/**
 * Keyboard and mouse: WASD or arrows steer, the pointer aims, a click (or Space) fires.
 * The controller only records what is held; the game screen samples it once per tick.
 */

/** Steering keys (`KeyboardEvent.code`) and the direction each one pushes. */
export const STEER = {
  KeyW: [0, -1], ArrowUp: [0, -1],
  KeyS: [0, 1], ArrowDown: [0, 1],
  KeyA: [-1, 0], ArrowLeft: [-1, 0],
  KeyD: [1, 0], ArrowRight: [1, 0],
};
const FIRE_KEY = "Space";

/** Tracks held keys and the pointer over `surface` (the canvas) until `dispose()`. */
export class InputController {
  constructor(surface) {
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
        this.#point(event);
        if (event.button === 0) this.mouseDown = true;
      }],
      [window, "pointerup", () => {
        this.mouseDown = false;
      }],
      [surface, "contextmenu", (event) => event.preventDefault()],
    ];
    for (const [target, type, handler] of this.#listeners) target.addEventListener(type, handler);
  }

  #listeners;

  /** This tick's input. `origin`: your ship's position on screen, to aim from. */
  sample(origin) {
    let dx = 0;
    let dy = 0;
    for (const code of this.held) {
      const steer = STEER[code];
      if (steer) {
        dx += steer[0];
        dy += steer[1];
      }
    }
    if (this.pointer && origin) {
      this.aim = Math.atan2(this.pointer.y - origin[1], this.pointer.x - origin[0]);
    }
    return {
      dx: Math.sign(dx),
      dy: Math.sign(dy),
      aim: this.aim,
      fire: this.mouseDown || this.held.has(FIRE_KEY),
    };
  }

  /** Stop listening. */
  dispose() {
    for (const [target, type, handler] of this.#listeners) target.removeEventListener(type, handler);
    this.#release();
  }

  #key(event, down) {
    if (!(event.code in STEER) && event.code !== FIRE_KEY) return;
    if (event.target instanceof HTMLInputElement) return;
    event.preventDefault();
    const changed = down !== this.held.has(event.code);
    if (down) this.held.add(event.code);
    else this.held.delete(event.code);
    if (changed && event.code in STEER) this.onSteer();
  }

  #point(event) {
    const box = this.surface.getBoundingClientRect();
    this.pointer = { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  #release() {
    this.held.clear();
    this.mouseDown = false;
  }
}
