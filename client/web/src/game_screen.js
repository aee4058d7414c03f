/**
 * One visit to a room on screen: the canvas, the HUD, the input controller (players only),
 * the render loop (every animation frame) and the input loop (one input per server tick).
 */
import { Hud } from "./hud.js";
import { InputController } from "./input.js";
import { Renderer } from "./render.js";
import { el } from "./dom.js";

const HUD_REFRESH_MS = 200;

/** Counts frames over the last second. */
class FrameRate {
  constructor() {
    this.frames = [];
  }

  /** A frame was drawn at `now` (ms); returns frames in the second up to `now`. */
  tick(now) {
    this.frames.push(now);
    while (this.frames[0] <= now - 1000) this.frames.shift();
    return this.frames.length;
  }
}

/**
 * Shows `client`'s room inside `root` until `dispose()`. `actions.leave()` and
 * `actions.start()` are wired to the HUD's buttons.
 */
export class GameScreen {
  constructor(root, client, actions) {
    this.client = client;
    this.canvas = el("canvas", { className: "arena", id: "arena" });
    this.node = el("section", { className: "game" }, this.canvas);
    root.append(this.node);
    this.renderer = new Renderer(this.canvas, client.world, client.interest?.cell ?? null);
    this.renderer.resize();
    this.hud = new Hud(this.node, actions);
    this.input = client.spectating ? null
      : new InputController(this.canvas, this.node, (hint) => this.hud.showHint(hint));
    this.fps = 0;
    this.#frameRate = new FrameRate();
    this.#tickMs = 1000 / client.room.tick_rate;
    this.showRoom();
    this.#animation = requestAnimationFrame(this.#onFrame);
    if (this.input) this.#scheduleInput(performance.now());
  }

  #frameRate;
  #tickMs;
  #animation = 0;
  #inputTimer = 0;
  #lastInputAt = 0;
  #hudAt = 0;
  #meOnScreen = null;
  #onFrame = (now) => this.#frame(now);

  /** The room info changed. */
  showRoom() {
    this.hud.showRoom(this.client.room, this.client.playerId);
  }

  /** A one-off message from the game: the arena's `kill` goes to the kill feed. */
  message(kind, payload) {
    if (kind === "kill") this.hud.showKill(payload);
  }

  /** Stop drawing and listening; remove the screen. */
  dispose() {
    cancelAnimationFrame(this.#animation);
    clearTimeout(this.#inputTimer);
    this.input?.dispose();
    this.hud.dispose();
    this.node.remove();
  }

  /** Your ship as drawn this frame: predicted position, local aim, server health. */
  #me(now) {
    const client = this.client;
    if (client.spectating || client.predictor === null) return null;
    const server = client.me();
    const progress = Math.min(1, (now - this.#lastInputAt) / this.#tickMs);
    const at = client.predictor.drawPosition(progress, now);
    if (server === null || at === null) return null;
    return { id: client.playerId, x: at[0], y: at[1], angle: this.input.aim, hp: server.hp };
  }

  #frame(now) {
    this.#animation = requestAnimationFrame(this.#onFrame);
    const client = this.client;
    if (client.room === null) return;
    this.fps = this.#frameRate.tick(now);
    const entities = client.interpolator.sample(now);
    const me = this.#me(now);
    const players = new Map(client.room.players.map((p) => [p.id, p]));
    const held = client.mirror.interest ? client.mirror.cells : null;
    this.renderer.draw({ entities, me, players, time: now, held });
    this.#meOnScreen = me ? this.renderer.toScreen(me.x, me.y) : null;
    if (now - this.#hudAt >= HUD_REFRESH_MS) {
      this.#hudAt = now;
      this.hud.update({
        room: client.room, entities, tick: client.mirror.tick, me, ping: client.ping, fps: this.fps,
      });
    }
  }

  /** Send one input per tick, on a schedule that does not drift. */
  #scheduleInput(due) {
    const now = performance.now();
    if (now >= due) {
      this.#lastInputAt = now;
      this.client.sendInput(this.input.sample(this.#meOnScreen));
      due += this.#tickMs;
      if (due < now) due = now + this.#tickMs; // the page was asleep: do not burst
    }
    this.#inputTimer = setTimeout(() => this.#scheduleInput(due), Math.max(0, due - performance.now()));
  }
}
