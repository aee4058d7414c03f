/**
 * The monitor page: asks for the admin token (kept in sessionStorage, sent as a header),
 * then shows the overview (node cards, the rooms table, announce) or one room (`#/room/ID`),
 * all kept live by the admin feed. Every action says what happened in the notice line.
 */
import { el, fill } from "../dom.js";
import { AdminApi, saveToken, savedToken } from "./admin_api.js";
import { NodesView } from "./nodes_view.js";
import { RoomView } from "./room_view.js";
import { RoomsView } from "./rooms_view.js";

const ROOM_ROUTE = /^#\/room\/([^/]+)$/;

/** The whole monitor, mounted in `root`. */
export class MonitorApp {
  constructor(root) {
    this.root = root;
    this.api = null;
    this.nodes = [];
    this.rooms = [];
    this.room = null;
    this.view = "login";
    this.roomView = null;
    this.stopFeed = () => {};
    this.notice = el("p", { className: "status-line", id: "notice", role: "status" });
    this.live = el("span", { className: "tag", id: "live" }, "connecting");
    window.addEventListener("hashchange", () => this.route());
  }

  /** Open with the saved token, or ask for one. */
  start() {
    const token = savedToken();
    if (token) this.#signIn(token);
    else this.#login("");
  }

  /** Show the view the address names. */
  route() {
    if (this.api === null) return;
    const match = ROOM_ROUTE.exec(location.hash);
    if (match) this.#showRoom(decodeURIComponent(match[1]));
    else this.#showOverview();
  }

  /** Say `text` in the notice line (`bad` for failures). */
  say(text, bad = false) {
    this.notice.textContent = text;
    this.notice.classList.toggle("bad", bad);
  }

  #login(problem) {
    this.view = "login";
    this.stopFeed();
    const input = el("input", { id: "token", type: "password", autocomplete: "off", placeholder: "Admin token" });
    const form = el("form", { className: "login", id: "login", onsubmit: (event) => {
      event.preventDefault();
      if (input.value) this.#signIn(input.value);
    } },
    el("h1", {}, "Tickwire monitor"),
    el("p", { className: "muted" }, "Enter the server's admin token (--admin-token). It is kept for this tab only."),
    input,
    el("button", { className: "primary", type: "submit" }, "Open the monitor"),
    problem ? el("p", { className: "problem" }, problem) : null);
    fill(this.root, form);
    input.focus();
  }

  async #signIn(token) {
    const api = new AdminApi(token);
    try {
      await api.get("/api/admin/nodes");
    } catch (error) {
      saveToken(null);
      this.#login(error.status === 401 ? "That token is not right." : error.message);
      return;
    }
    saveToken(token);
    this.api = api;
    this.route();
  }

  #frame(...content) {
    this.roomView?.dispose();
    this.roomView = null;
    fill(this.root, el("header", { className: "monitor-bar" },
      el("a", { href: "#/", className: "brand" }, "Tickwire monitor"), this.live,
      el("button", { className: "small ghost", id: "sign-out", onclick: () => {
        saveToken(null);
        this.api = null;
        this.#login("");
      } }, "Sign out")), this.notice, ...content);
  }

  #follow(room = "") {
    this.stopFeed();
    this.stopFeed = this.api.follow({
      nodes: ({ nodes }) => {
        this.nodes = nodes;
        this.nodesView?.show(nodes);
      },
      rooms: ({ rooms }) => {
        this.rooms = rooms;
        this.roomsView?.show(rooms);
      },
      room: (detail) => {
        this.room = detail;
        this.roomView?.show(detail);
      },
      live: (live) => {
        this.live.textContent = live ? "live" : "reconnecting";
        this.live.classList.toggle("good", live);
      },
      failed: (error) => {
        if (error.status === 401) this.#login("The token is no longer accepted.");
        else this.say(`The feed failed: ${error.message}`, true);
      },
    }, room);
  }

  #showOverview() {
    this.view = "overview";
    const message = el("input", { id: "announce-text", maxLength: 200, placeholder: "Announcement to every player" });
    const announce = el("form", { className: "announce", id: "announce", onsubmit: (event) => {
      event.preventDefault();
      if (!message.value) return;
      this.#act("Announcement sent", () => this.api.post("/api/admin/announce", { message: message.value }))
        .then((sent) => { if (sent) message.value = ""; });
    } }, message, el("button", { className: "small", type: "submit" }, "Announce"));
    const main = el("main", { className: "overview" });
    this.#frame(main);
    main.append(el("div", { className: "toolbar" }, el("h2", {}, "Nodes"), announce));
    this.nodesView = new NodesView(main, {
      drain: (node, draining) => this.#act(draining ? `Node ${node} drains: no new rooms` : `Node ${node} takes new rooms again`,
        () => this.api.post(`/api/admin/nodes/${encodeURIComponent(node)}/drain`, { draining })),
    });
    this.roomsView = new RoomsView(main, {
      open: (room) => { location.hash = `#/room/${encodeURIComponent(room.id)}`; },
      close: (room) => this.#closeRoom(room.id, room.code),
    });
    this.nodesView.show(this.nodes);
    this.roomsView.show(this.rooms);
    this.#follow();
  }

  #showRoom(roomId) {
    this.view = "room";
    this.nodesView = this.roomsView = null;
    this.room = null;
    const main = el("main", { className: "room-main" });
    this.#frame(main);
    this.roomView = new RoomView(main, roomId, this.api, {
      back: () => { location.hash = "#/"; },
      start: (id) => this.#act("Start sent", () => this.api.post(`/api/admin/rooms/${encodeURIComponent(id)}/start`)),
      close: (id) => this.#closeRoom(id, this.room?.code ?? id),
      kick: (id, player) => this.#act(`${player.name} kicked`,
        () => this.api.post(`/api/admin/rooms/${encodeURIComponent(id)}/kick`, { player_id: player.id })),
    });
    this.#follow(roomId);
  }

  #closeRoom(roomId, code) {
    if (!window.confirm(`Close room ${code}? Everyone in it is sent back to the lobby.`)) return;
    this.#act(`Room ${code} closed`, () => this.api.post(`/api/admin/rooms/${encodeURIComponent(roomId)}/close`));
  }

  /** Run `action`; say `done` or what went wrong. Resolves true when it worked. */
  async #act(done, action) {
    try {
      await action();
      this.say(done);
      return true;
    } catch (error) {
      this.say(error.message, true);
      return false;
    }
  }
}
