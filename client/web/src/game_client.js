/**
 * A seat in a room, kept in sync: the welcome, the state mirror, keyframe recovery after a tick
 * gap, interpolation of remote entities, prediction of your own ship, inputs, ping, and
 * resuming the seat after a dropped connection. The browser twin of client/connection.py.
 */
import { DEFAULTS, EVENTS } from "../../../shared/protocol.js";
import { EntitySchema } from "../../../shared/schema.js";
import { RULES, move } from "../../../shared/games/arena.js";
import { TickwireError } from "./errors.js";
import { Interpolator } from "./interpolation.js";
import { StateMirror } from "./mirror.js";
import { Predictor } from "./prediction.js";

const PING_EVERY_MS = 2000;
const FIRST_PING_MS = 500; // once the room screen is up, so the page is not busy
const RESUME_GIVE_UP_MS = 30000; // beyond the server's seat grace: stop trying
const FROZEN_PHASES = new Set(["ended"]); // phases in which inputs move no ship
const MAX_REDIRECTS = 3; // `moved` answers followed for one request

/**
 * The game side of one connection, in at most one room at a time.
 *
 * Callbacks the screens set: `onRoom(info)` when the room info changes, `onLink(state)` with
 * "online" or "reconnecting", `onClosed(error)` when the seat is gone for good (room closed,
 * kicked, seat expired), `onNotice(error)` for errors worth showing that end nothing,
 * `onMessage(kind, payload)` for each one-off message from the game (the arena's kill feed),
 * and `onAnnounce(text)` for the server operators' announcements.
 *
 * In a cluster, a request may be answered `moved`: the room lives on another server. The
 * client then moves its connection there and sends `join {reservation}` (or its `resume`
 * again), so the player never notices.
 */
export class GameClient {
  /** `connection`: an open Connection. */
  constructor(connection) {
    this.connection = connection;
    this.room = null;
    this.playerId = null;
    this.world = RULES.world; // side of the room's world (the welcome's `interest` says)
    this.interest = null; // the welcome's `interest` ({world, cell, view, slack}), if any
    this.mirror = null;
    this.interpolator = null;
    this.predictor = null;
    this.ping = null; // smoothed round trip in ms
    this.probe = null; // the feel probe (probe.js) with ?probe=1, fed every state
    this.onRoom = () => {};
    this.onLink = () => {};
    this.onClosed = () => {};
    this.onNotice = () => {};
    this.onMessage = () => {};
    this.onAnnounce = () => {};
    this.#listen();
  }

  #token = null;
  #inputNames = [];
  #seq = 0;
  #resyncing = false;
  #pingTimer = null;
  #giveUpTimer = null;

  /** True when seated as a spectator. */
  get spectating() {
    return this.room !== null && this.playerId === null;
  }

  /** The token that takes this seat back after the connection is gone (null: none). */
  get seatToken() {
    return this.#token;
  }

  /**
   * Create a room (`options` as the `create` request; game and sizes default to the protocol's
   * `defaults`) and sit in it as its host.
   */
  create(options) {
    const { game, max_players, max_spectators } = DEFAULTS;
    return this.#enter(EVENTS.create, { game, max_players, max_spectators, settings: {}, ...options });
  }

  /** Join by code (any case, spaces ignored) as a player, or as a spectator. */
  join(code, spectate = false) {
    return this.#enter(EVENTS.join, { code, spectate });
  }

  /** Watch a room, uncounted, with a monitor ticket (the operators' spectator view). */
  watch(ticket) {
    return this.#enter(EVENTS.join, { watch: ticket });
  }

  /** Take back a seat held for you (a reload of the page) with its token. */
  resume(token) {
    return this.#enter(EVENTS.resume, { token });
  }

  /** Join the fullest public room of `game` with a free seat, or open one for `maxPlayers`. */
  quickPlay(game = DEFAULTS.game, maxPlayers = DEFAULTS.max_players) {
    return this.#enter(EVENTS.quick_join, { game, settings: {}, max_players: maxPlayers });
  }

  /** Leave the room; the seat is released at once. */
  async leave() {
    const wasIn = this.room !== null;
    this.#forget();
    if (wasIn && this.connection.connected) {
      await this.connection.request(EVENTS.leave).catch(() => {});
    }
  }

  /** Host only: start the round. */
  start() {
    return this.connection.request(EVENTS.start);
  }

  /**
   * Send this tick's input (`{dx, dy, aim, fire}`) and predict its effect at once; `progress`
   * is how far the drawing got through the previous input's move (Predictor.apply).
   */
  sendInput(values, progress = 1) {
    if (this.room === null || this.spectating || !this.connection.connected) return;
    this.#seq += 1;
    this.connection.send(EVENTS.input, [this.#seq, ...this.#inputNames.map((n) => values[n])]);
    this.predictor.apply(this.#seq, values.dx, values.dy, progress);
  }

  /** Your own entity's latest server values, or null. */
  me() {
    return this.mirror && this.playerId !== null ? this.mirror.entity(this.playerId) : null;
  }

  // -- entering and leaving ---------------------------------------------------------------

  async #enter(event, payload) {
    if (this.room !== null) await this.leave();
    await this.#requestSeat(event, payload, (answer) => this.#welcome(answer, false));
    return this.room;
  }

  /** A seat request that follows `moved` answers to the server the room lives on. */
  async #requestSeat(event, payload, onAnswer) {
    for (let hops = 0; ; hops += 1) {
      try {
        return await this.connection.request(event, payload, onAnswer);
      } catch (error) {
        const redirect = error.redirect;
        if (error.code !== "moved" || typeof redirect?.url !== "string" || hops >= MAX_REDIRECTS) throw error;
        await this.connection.moveTo(redirect.url);
        if (typeof redirect.reservation === "string") {
          event = EVENTS.join;
          payload = { reservation: redirect.reservation };
        }
      }
    }
  }

  #welcome(answer, resumed) {
    this.room = answer.room;
    this.playerId = answer.player_id;
    this.#token = answer.token ?? null;
    this.#inputNames = answer.inputs.map(([name]) => name);
    this.interest = answer.interest ?? null;
    const world = (this.world = this.interest?.world ?? RULES.world);
    this.mirror = new StateMirror(new EntitySchema(answer.schema), this.playerId,
      answer.interest !== undefined);
    this.interpolator = new Interpolator({ tickRate: this.room.tick_rate });
    this.predictor = new Predictor((x, y, dx, dy, dt) => move(x, y, dx, dy, dt, world),
      1 / this.room.tick_rate);
    this.mirror.loadKeyframe(answer.keyframe);
    if (!resumed) this.#seq = 0;
    this.#seq = Math.max(this.#seq, this.mirror.ack); // the server ignores seqs it has seen
    this.#synced(performance.now());
    this.#startPinging();
    this.onRoom(this.room);
  }

  #forget() {
    this.room = this.mirror = this.interpolator = this.predictor = null;
    this.playerId = this.#token = null;
    clearTimeout(this.#pingTimer);
    clearTimeout(this.#giveUpTimer);
  }

  #close(error) {
    this.#forget();
    this.onClosed(error);
  }

  // -- server events ----------------------------------------------------------------------

  #listen() {
    const on = (event, handler) => this.connection.on(event, handler);
    on(EVENTS.state, (message) => this.#onState(message));
    on(EVENTS.room, (info) => {
      if (this.room === null) return;
      this.room = info;
      this.onRoom(info);
    });
    on(EVENTS.closed, (reason) => {
      if (this.room !== null) this.#close(new TickwireError(reason?.code ?? "room_closed", reason?.message));
    });
    on(EVENTS.message, (message) => {
      if (this.room === null || !Array.isArray(message) || message.length !== 2) return;
      if (typeof message[0] === "string") this.onMessage(message[0], message[1]);
    });
    on(EVENTS.error, (error) => this.onNotice(new TickwireError(error?.code, error?.message)));
    on(EVENTS.bye, (reason) => this.onNotice(new TickwireError(reason?.code ?? "shutting_down", reason?.message)));
    on(EVENTS.announce, (notice) => {
      if (typeof notice?.message === "string") this.onAnnounce(notice.message);
    });
    this.connection.onDrop = () => this.#dropped();
    this.connection.onReconnect = () => this.#resume();
  }

  #onState(message) {
    const mirror = this.mirror;
    if (mirror === null) return;
    const before = mirror.tick;
    if (!mirror.applyState(message)) this.#requestKeyframe();
    else if (mirror.tick !== before) this.#synced(performance.now());
  }

  #loadKeyframe(message) {
    if (this.mirror === null) return;
    this.mirror.loadKeyframe(message);
    this.#synced(performance.now());
  }

  /** The mirror has a new tick: feed the interpolation and rebase the prediction. */
  #synced(now) {
    const view = this.mirror.view();
    this.interpolator.push(this.mirror.tick, view, now);
    this.probe?.state(this.mirror.tick, view, now, this.interpolator);
    const me = this.playerId === null ? undefined : view.get(this.playerId);
    if (me === undefined) return;
    const phase = this.room.status?.phase;
    const predicted = this.predictor.position;
    this.predictor.active = me.hp > 0 && !FROZEN_PHASES.has(phase);
    this.predictor.reconcile(me.x, me.y, this.mirror.ack, now);
    this.probe?.reconcile(predicted, this.predictor.position, me, now);
  }

  #requestKeyframe() {
    if (this.#resyncing) return;
    this.#resyncing = true;
    this.connection
      .request(EVENTS.sync, {}, (answer) => this.#loadKeyframe(answer.keyframe))
      .catch(() => {})
      .finally(() => {
        this.#resyncing = false;
      });
  }

  #startPinging() {
    clearTimeout(this.#pingTimer);
    const measure = async () => {
      this.#pingTimer = setTimeout(measure, PING_EVERY_MS);
      if (!this.connection.connected) return;
      const sent = performance.now();
      try {
        await this.connection.request(EVENTS.ping);
      } catch {
        return;
      }
      const roundTrip = performance.now() - sent;
      this.ping = this.ping === null ? roundTrip : (this.ping + roundTrip) / 2;
    };
    this.#pingTimer = setTimeout(measure, FIRST_PING_MS);
  }

  // -- dropped connections ----------------------------------------------------------------

  #dropped() {
    if (this.room === null) return;
    this.onLink("reconnecting");
    clearTimeout(this.#giveUpTimer);
    this.#giveUpTimer = setTimeout(() => {
      this.connection.close();
      this.onLink("online");
      this.#close(new TickwireError("unreachable", "Lost the connection to the server"));
    }, RESUME_GIVE_UP_MS);
  }

  async #resume() {
    if (this.room === null) return;
    clearTimeout(this.#giveUpTimer);
    try {
      if (this.#token === null) throw new TickwireError("seat_expired");
      const token = this.#token;
      await this.#requestSeat(EVENTS.resume, { token }, (answer) => this.#welcome(answer, true));
      this.onLink("online");
    } catch (error) {
      this.onLink("online");
      this.#close(error);
    }
  }
}
