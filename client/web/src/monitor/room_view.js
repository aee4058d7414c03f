/**
 * One room: its numbers, its players (name, ping, inputs/s, dropped inputs, backlog,
 * connected), the actions (start, close, kick), and a live spectator view drawn by the game's
 * own renderer and interpolation: the page watches the room as an uncounted observer, with a
 * ticket from `POST /api/admin/rooms/{id}/watch`, on the room's own node.
 */
import { Connection } from "../connection.js";
import { el, fill } from "../dom.js";
import { GameClient } from "../game_client.js";
import { roomPlayers } from "../palette.js";
import { Renderer } from "../render.js";
import { age, bytes, num } from "./format.js";

/** The room page for `roomId` in `root`; `actions` has kick, close, start and back. */
export class RoomView {
  constructor(root, roomId, api, actions) {
    this.roomId = roomId;
    this.api = api;
    this.actions = actions;
    this.client = null;
    this.title = el("h2", {}, "Room");
    this.facts = el("div", { className: "facts" });
    this.players = el("tbody");
    this.canvas = el("canvas", { className: "spectator", id: "spectator" });
    this.viewState = el("p", { className: "muted", id: "spectator-state" }, "Connecting the spectator view…");
    this.node = el("section", { className: "room-page" },
      el("div", { className: "toolbar" },
        el("button", { className: "small ghost", id: "back", onclick: () => actions.back() }, "← All rooms"),
        this.title,
        el("button", { className: "small", id: "start-room", onclick: () => actions.start(roomId) }, "Start"),
        el("button", { className: "small danger", id: "close-room", onclick: () => actions.close(roomId) }, "Close room")),
      this.facts,
      el("div", { className: "room-columns" },
        el("table", { id: "players" }, el("thead", {}, el("tr", {},
          ...["player", "ping", "inputs/s", "dropped", "backlog", "connected", ""].map((h) => el("th", {}, h)))), this.players),
        el("div", { className: "viewer" }, this.canvas, this.viewState)));
    root.append(this.node);
    this.renderer = new Renderer(this.canvas);
    this.#animation = requestAnimationFrame(this.#onFrame);
    this.#watch();
  }

  #animation = 0;
  #onFrame = (now) => this.#frame(now);

  /** Show the room's detail from the feed. */
  show(room) {
    if (room.closed) {
      this.title.textContent = "Room closed";
      fill(this.players);
      return;
    }
    this.title.textContent = `Room ${room.code}`;
    fill(this.facts, ...[
      ["game", room.game], ["node", room.node], ["phase", room.phase], ["age", age(room.age)],
      ["players", `${room.players}/${room.max_players}`], ["spectators", String(room.spectators)],
      ["tick p99", `${num(room.tick_p99_ms, 2)} ms`], ["late ticks", String(room.late_ticks)],
      ["bytes/s", bytes(room.bytes_out)],
    ].map(([label, value]) => el("span", { className: room.lagging && label.startsWith("tick") ? "fact lagging" : "fact" },
      el("span", { className: "label" }, label), el("span", { className: "value" }, value))));
    fill(this.players, ...room.roster.map((p) => el("tr", { dataset: { player: String(p.id) } },
      el("td", {}, el("span", { className: "name" }, p.name), p.host ? el("span", { className: "tag" }, "host") : null),
      el("td", {}, p.ping_ms === null ? "–" : `${num(p.ping_ms, 0)} ms`),
      el("td", {}, num(p.inputs_per_s, 1)),
      el("td", {}, String(p.dropped_inputs)),
      el("td", {}, bytes(p.backlog_bytes)),
      el("td", {}, p.connected ? "yes" : "held"),
      el("td", {}, el("button", { className: "small kick", onclick: () => this.actions.kick(this.roomId, p) }, "Kick")))));
  }

  /** Stop watching and drawing; remove the page. */
  dispose() {
    cancelAnimationFrame(this.#animation);
    this.client?.connection.close();
    this.node.remove();
  }

  async #watch() {
    try {
      const grant = await this.api.post(`/api/admin/rooms/${encodeURIComponent(this.roomId)}/watch`);
      const client = new GameClient(await new Connection(grant.url, "monitor").open());
      client.onClosed = (error) => {
        this.viewState.textContent = `Spectator view ended: ${error.message}`;
      };
      this.client = client;
      await client.watch(grant.ticket);
      this.viewState.textContent = "Live";
    } catch (error) {
      this.viewState.textContent = `No spectator view: ${error.message}`;
    }
  }

  #frame(now) {
    this.#animation = requestAnimationFrame(this.#onFrame);
    const client = this.client;
    if (client?.room == null || client.interpolator === null) return;
    const players = roomPlayers(client.room);
    this.renderer.draw({ entities: client.interpolator.sample(now), me: null, players, time: now });
  }
}
