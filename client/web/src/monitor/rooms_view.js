/** The rooms table: sortable by any column, filtered by a search box, lagging rooms in red. */
import { el, fill } from "../dom.js";
import { age, bytes, num } from "./format.js";

/** [key, header, cell text] of each column. */
const COLUMNS = [
  ["code", "code", (r) => r.code],
  ["game", "game", (r) => r.game],
  ["node", "node", (r) => r.node],
  ["players", "players / spectators", (r) => `${r.players}/${r.max_players ?? "?"} · ${r.spectators}`],
  ["phase", "phase", (r) => r.phase],
  ["age", "age", (r) => age(r.age)],
  ["tick_p99_ms", "tick p99", (r) => `${num(r.tick_p99_ms, 2)} ms`],
  ["late_ticks", "late ticks", (r) => num(r.late_ticks, 0)],
  ["bytes_out", "bytes/s", (r) => bytes(r.bytes_out)],
];

/** The table in `root`; `actions.open(room)` and `actions.close(room)` are the row buttons. */
export class RoomsView {
  constructor(root, actions) {
    this.actions = actions;
    this.rooms = [];
    this.sortKey = "tick_p99_ms";
    this.descending = true;
    this.filter = el("input", { id: "room-filter", placeholder: "Filter rooms (code, game, node, phase)", oninput: () => this.#render() });
    this.head = el("tr");
    this.body = el("tbody");
    this.count = el("span", { className: "muted", id: "room-count" });
    this.node = el("section", { className: "rooms" },
      el("div", { className: "toolbar" }, el("h2", {}, "Rooms"), this.count, this.filter),
      el("table", { id: "rooms" }, el("thead", {}, this.head), this.body));
    root.append(this.node);
    this.#header();
  }

  /** Show `rooms` (rows from the feed). */
  show(rooms) {
    this.rooms = rooms;
    this.#render();
  }

  /** Sort by column `key` (a second call on the same key reverses the order). */
  sortBy(key) {
    this.descending = this.sortKey === key ? !this.descending : key !== "code";
    this.sortKey = key;
    this.#header();
    this.#render();
  }

  #header() {
    fill(this.head, ...COLUMNS.map(([key, label]) => el("th", {
      className: key === this.sortKey ? `sorted ${this.descending ? "down" : "up"}` : "",
      dataset: { key },
      onclick: () => this.sortBy(key),
    }, label)), el("th", {}, ""));
  }

  #render() {
    const words = this.filter.value.trim().toLowerCase();
    const shown = this.rooms.filter((r) => !words || [r.code, r.game, r.node, r.phase].some((v) => String(v).toLowerCase().includes(words)));
    const key = this.sortKey;
    const sign = this.descending ? -1 : 1;
    shown.sort((a, b) => (a[key] > b[key] ? sign : a[key] < b[key] ? -sign : 0));
    this.count.textContent = `${shown.length} of ${this.rooms.length}`;
    fill(this.body, ...shown.map((room) => el("tr", { className: room.lagging ? "lagging" : "", dataset: { room: room.id } },
      ...COLUMNS.map(([column, , text]) => el("td", { dataset: { column } }, text(room))),
      el("td", { className: "row-actions" },
        el("button", { className: "small open", onclick: () => this.actions.open(room) }, "Open"),
        el("button", { className: "small close-room", onclick: () => this.actions.close(room) }, "Close")))));
  }
}
