/**
 * The in-game overlay: room code with a copy button, round banner and timer, scoreboard,
 * kill feed, ping and frame rate, connection state, and the Leave (and host's Start) buttons.
 * Names are only ever set as text.
 */
import { KIND } from "../../../shared/games/arena.js";
import { el, fill } from "./dom.js";
import { playerColor } from "./render.js";

const NOTICE_MS = 4000;
const KILL_FEED_LINES = 5;
const KILL_FEED_MS = 6000; // a line's life; its fade-out (style.css) lasts as long

/** Builds the overlay inside `root`; `actions` gives `leave()` and `start()`. */
export class Hud {
  constructor(root, actions) {
    this.code = el("span", { className: "room-code" });
    this.copyCode = el("button", { className: "chip-button", type: "button", id: "copy-code",
      onclick: () => copy(this.code.textContent, this.copyCode) }, "Copy code");
    this.copyLink = el("button", { className: "chip-button", type: "button", id: "copy-link",
      onclick: () => copy(this.#shareUrl, this.copyLink) }, "Copy link");
    this.kind = el("span", { className: "tag" });
    this.banner = el("div", { className: "banner" });
    this.start = el("button", { className: "primary small", type: "button", hidden: true, onclick: () => actions.start() }, "Start round");
    this.ping = el("span", { className: "stat", id: "ping" });
    this.fps = el("span", { className: "stat", id: "fps" });
    this.scores = el("ol", { className: "scores" });
    this.link = el("div", { className: "link-lost", hidden: true, attrs: { role: "status" } },
      el("span", { className: "spinner" }), "Connection lost — reconnecting…");
    this.status = el("div", { className: "center-status" });
    this.notices = el("div", { className: "notices", attrs: { "aria-live": "polite" } });
    this.kills = el("ol", { className: "kill-feed", attrs: { "aria-live": "polite" } });
    this.hint = el("div", { className: "hint" });
    this.spectating = el("span", { className: "tag spectating", hidden: true }, "Spectating");
    const leave = el("button", { className: "ghost", type: "button", id: "leave", onclick: () => actions.leave() }, "Leave");
    this.node = el("div", { className: "hud" },
      el("div", { className: "hud-top-left panel" }, this.kind, this.code, this.copyCode, this.copyLink),
      el("div", { className: "hud-top-center" }, this.banner, this.start),
      el("div", { className: "hud-top-right" }, this.ping, this.fps, this.spectating),
      el("div", { className: "hud-right panel" }, el("h3", {}, "Scoreboard"), this.scores),
      el("div", { className: "hud-bottom-left" }, leave, this.hint),
      this.kills, this.status, this.link, this.notices);
    root.append(this.node);
  }

  #scoreKey = "";
  #shareUrl = "";

  /** Remove the overlay. */
  dispose() {
    this.node.remove();
  }

  /** Show what belongs to the room itself (code, privacy, who may start). */
  showRoom(room, playerId) {
    this.code.textContent = room.code;
    this.kind.textContent = room.public ? "Public" : "Private";
    this.#shareUrl = `${location.origin}/r/${room.code}`;
    this.spectating.hidden = playerId !== null;
    this.hint.hidden = playerId === null;
    const phase = room.status?.phase;
    this.start.hidden = !(room.host === playerId && playerId !== null && !room.started && phase === "warmup");
  }

  /**
   * Refresh the live parts (a few times a second).
   *
   * @param room current room info; @param entities Map id -> values; @param tick server tick;
   * @param me your ship's values or null; @param ping ms or null; @param fps frames/second.
   */
  update({ room, entities, tick, me, ping, fps }) {
    this.ping.textContent = ping === null ? "ping —" : `ping ${Math.round(ping)} ms`;
    this.fps.textContent = `${Math.round(fps)} fps`;
    this.banner.textContent = banner(room, tick);
    this.status.textContent = me && me.hp <= 0 ? "Destroyed — respawning…" : "";
    this.#scoreboard(room, entities);
  }

  /** Say how to play with the controls in use (input.js's `HINTS`). */
  showHint(text) {
    this.hint.textContent = text;
  }

  /** Show or hide the connection-lost indicator. */
  showLink(state) {
    this.link.hidden = state !== "reconnecting";
  }

  /** A short message that fades by itself. */
  notify(text) {
    const notice = el("div", { className: "notice" }, text);
    this.notices.append(notice);
    setTimeout(() => notice.remove(), NOTICE_MS);
  }

  /**
   * A line in the kill feed for the arena's `kill` message `{killer, killer_id, victim,
   * victim_id}` (`killer` is null when the shooter has left). The newest of the last few
   * lines is at the bottom; each fades out.
   */
  showKill(payload) {
    const { killer, killer_id: killerId, victim } = payload ?? {};
    if (typeof victim !== "string") return;
    const line = el("li", { style: `animation-duration:${KILL_FEED_MS}ms` },
      el("span", { className: "killer", style: Number.isInteger(killerId) ? `color:${playerColor(killerId)}` : "" },
        typeof killer === "string" ? killer : "?"),
      el("span", { className: "verb" }, " destroyed "),
      el("span", { className: "victim" }, victim));
    this.kills.append(line);
    while (this.kills.children.length > KILL_FEED_LINES) this.kills.firstElementChild.remove();
    setTimeout(() => line.remove(), KILL_FEED_MS);
  }

  #scoreboard(room, entities) {
    const rows = room.players.map((p) => {
      const ship = entities.get(p.id);
      return { ...p, score: ship?.kind === KIND.SHIP ? ship.score : 0 };
    });
    rows.sort((a, b) => b.score - a.score || a.id - b.id);
    const key = JSON.stringify([rows, room.host]);
    if (key === this.#scoreKey) return;
    this.#scoreKey = key;
    fill(this.scores, ...rows.map((row) => el("li", {
      className: row.connected === false ? "offline" : "",
    },
    el("span", { className: "swatch", style: `background:${playerColor(row.id)}` }),
    el("span", { className: "name" }, row.name),
    row.id === room.host ? el("span", { className: "host", title: "Host" }, "★") : null,
    row.connected === false ? el("span", { className: "away" }, "offline") : null,
    el("span", { className: "score" }, String(row.score)))));
  }
}

/** Put `text` on the clipboard and say so on `button` for a moment. */
async function copy(text, button) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied!";
  } catch {
    button.textContent = "Press Ctrl+C";
    window.prompt("Copy this:", text);
  }
  setTimeout(() => {
    button.textContent = label;
  }, 1500);
}

/** The round's headline: warm-up, starting, time left, or who won. */
export function banner(room, tick) {
  const status = room.status ?? {};
  if (status.phase === "warmup") return "Warm-up — waiting for the host to start";
  if (status.phase === "starting") return "Starting…";
  if (status.phase === "ended") return status.winner ? `Round over — ${status.winner} wins` : "Round over";
  if (status.phase === "playing" && tick !== null) {
    const seconds = Math.max(0, Math.ceil((status.round_ends_tick - tick) / room.tick_rate));
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }
  return "";
}
