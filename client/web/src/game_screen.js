/**
 * One visit to a room on screen: the canvas, the HUD, the input controller (players only),
 * the render loop (every animation frame) and the input loop (one input per server tick; a
 * steering key pressed or released sends the next tick's input at once, so your ship answers
 * on the next frame).
 */
import { Hud } from "./hud.js";
import { InputController } from "./input.js";
import { roomPlayers } from "./palette.js";
import { MoveTimeline } from "./prediction.js";
import { interestReach, Renderer } from "./render.js";
import { el } from "./dom.js";

const HUD_REFRESH_MS = 200;
const FRAME_MS = 1000 / 60; // a frame at 60 fps

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
    const { interest } = client;
    this.renderer = new Renderer(this.canvas, client.world, interest?.cell ?? null,
      interest ? interestReach(interest) : null);
    this.renderer.resize();
    this.hud = new Hud(this.node, actions);
    this.input = client.spectating ? null
      : new InputController(this.canvas, this.node, (hint) => this.hud.showHint(hint));
    if (this.input) this.input.onSteer = () => this.#steered();
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
  #inputDue = 0; // when the next scheduled input goes out
  #sentEarly = false; // the input due at #inputDue already went out, on a key press
  #move = new MoveTimeline(); // when the latest input's move is drawn
  #frameAt = -Infinity; // the time of the last frame drawn
  #hudAt = 0;
  #meOnScreen = null;
  #players = new Map(); // roomPlayers of #playersOf
  #playersOf = null;
  #onFrame = (now) => this.#frame(now);

  /** The room info changed. */
  showRoom() {
    this.hud.showRoom(this.client.room, this.client.playerId);
  }

  /**
   * A one-off message from the game: the arena's `kill` goes to the kill feed, `destroyed`
   * (your ship is down) to the respawn countdown.
   */
  message(kind, payload) {
    if (kind === "kill") this.hud.showKill(payload);
    else if (kind === "destroyed") this.hud.showDestroyed(payload);
  }

  /** Stop drawing and listening; remove the screen. */
  dispose() {
    cancelAnimationFrame(this.#animation);
    clearTimeout(this.#inputTimer);
    this.input?.dispose();
    this.hud.dispose();
    this.node.remove();
  }

  /** Your ship as drawn this frame: predicted position, local aim, server health and shield. */
  #me(now) {
    const client = this.client;
    if (client.spectating || client.predictor === null) return null;
    const server = client.me();
    const at = client.predictor.drawPosition(this.#move.progress(now), now);
    if (server === null || at === null) return null;
    return {
      id: client.playerId, x: at[0], y: at[1], angle: this.input.aim, hp: server.hp, shield: server.shield,
    };
  }

  #frame(now) {
    this.#animation = requestAnimationFrame(this.#onFrame);
    const client = this.client;
    if (client.room === null) return;
    this.fps = this.#frameRate.tick(now);
    this.#frameAt = now;
    const entities = client.interpolator.sample(now);
    const me = this.#me(now);
    if (this.#playersOf !== client.room) {
      this.#playersOf = client.room;
      this.#players = roomPlayers(client.room);
    }
    const players = this.#players;
    const held = client.mirror.interest ? client.mirror.cells : null;
    this.renderer.draw({ entities, me, players, time: now, held });
    this.#meOnScreen = me ? this.renderer.toScreen(me.x, me.y) : null;
    this.hud.showShip(me);
    client.probe?.frame(now, client, entities, me);
    if (now - this.#hudAt >= HUD_REFRESH_MS) {
      this.#hudAt = now;
      this.hud.update({
        room: client.room, entities, tick: client.mirror.tick, playerId: client.playerId,
        ping: client.ping, fps: this.fps, meAt: this.#meOnScreen,
      });
    }
  }

  /**
   * Send this tick's input now; its move is drawn from `from` until `until` (ms), at least
   * `lead` ms of it at once.
   */
  #sendInput(from, until, lead = 0) {
    const progress = this.#move.progress(from);
    this.#move.start(from, until, lead);
    this.client.sendInput(this.input.sample(this.#meOnScreen), progress);
  }

  /**
   * Send one input per tick, on a schedule that does not drift. An input sent early on a key
   * press stands for the next one due, so the server never gets more than one a tick.
   */
  #scheduleInput(due) {
    const now = performance.now();
    if (now >= due) {
      due += this.#tickMs;
      if (due < now) due = now + this.#tickMs; // the page was asleep: do not burst
      if (this.#sentEarly) this.#sentEarly = false;
      else this.#sendInput(now, due);
    }
    this.#inputDue = due;
    this.#inputTimer = setTimeout(() => this.#scheduleInput(due), Math.max(0, due - performance.now()));
  }

  /**
   * A steering key went down or up: send the input due next right away (once a tick). Its
   * move is drawn as from the last frame (at most a frame ago), when the key was not yet
   * down, and a frame's share of it at once, so the very next frame shows it, whatever its
   * timestamp.
   */
  #steered() {
    if (this.#sentEarly) return;
    this.#sentEarly = true;
    const now = performance.now();
    this.#sendInput(Math.max(this.#frameAt, now - FRAME_MS), this.#inputDue + this.#tickMs, FRAME_MS);
  }
}
