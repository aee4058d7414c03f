/**
 * The in-game overlay: room code with a copy button, round banner and timer, the round's
 * countdown and standings (`round_view.js`), your health (`ship_status.js`), scoreboard (your
 * row marked; on a phone the top three and, below them, your own row with its rank), kill
 * feed, notices of who joined, left or became host (`room_news.js`), ping and
 * frame rate, connection state, and the Leave (and host's Start) buttons. Panels your ship
 * flies under fade out. Names are only ever set as text.
 */
import { KIND } from "../../../shared/games/arena.js";
import { el, fill } from "./dom.js";
import { roomPlayers } from "./palette.js";
import { roomNews } from "./room_news.js";
import { RoundView, banner } from "./round_view.js";
import { ShipStatus } from "./ship_status.js";

const NOTICE_MS = 4000;
const KILL_FEED_LINES = 5;
const KILL_FEED_MS = 6000; // a line's life; its fade-out (style.css) lasts as long
const FADE_REACH = 28; // px around a panel within which your ship makes it fade

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
    this.notices = el("div", { className: "notices", attrs: { "aria-live": "polite" } });
    this.kills = el("ol", { className: "kill-feed", attrs: { "aria-live": "polite" } });
    this.hint = el("div", { className: "hint" });
    this.spectating = el("span", { className: "tag spectating", hidden: true }, "Spectating");
    this.alone = el("p", { className: "alone", id: "alone-hint", hidden: true });
    const leave = el("button", { className: "ghost", type: "button", id: "leave", onclick: () => actions.leave() }, "Leave");
    this.panels = [
      el("div", { className: "hud-top-left panel" }, this.kind, this.code, this.copyCode, this.copyLink),
      el("div", { className: "hud-top-right" }, this.ping, this.fps, this.spectating),
      el("div", { className: "hud-right panel" }, el("h3", {}, "Scoreboard"), this.scores),
      el("div", { className: "hud-bottom-left" }, leave, this.hint),
      this.kills,
    ];
    this.node = el("div", { className: "hud" },
      el("div", { className: "hud-top-center" }, this.banner, this.start, this.alone),
      ...this.panels, this.link, this.notices);
    this.round = new RoundView(this.node);
    this.ship = new ShipStatus(this.node);
    root.append(this.node);
  }

  #scoreKey = "";
  #shareUrl = "";
  #room = null; // the last room info shown, to tell what changed
  #playerId = null;
  #players = new Map(); // roomPlayers of it

  /** Remove the overlay. */
  dispose() {
    this.node.remove();
  }

  /**
   * Show what belongs to the room itself (code, privacy, who may start, whether you are alone)
   * and tell who joined, left or became host since the last time.
   */
  showRoom(room, playerId) {
    for (const line of roomNews(this.#room, room, playerId)) this.notify(line);
    this.#room = room;
    this.#playerId = playerId;
    this.#players = roomPlayers(room);
    this.code.textContent = room.code;
    this.kind.textContent = room.public ? "Public" : "Private";
    this.#shareUrl = `${location.origin}/r/${room.code}`;
    this.spectating.hidden = playerId !== null;
    this.hint.hidden = playerId === null;
    const phase = room.status?.phase;
    this.start.hidden = !(room.host === playerId && playerId !== null && !room.started && phase === "warmup");
    this.alone.hidden = !(playerId !== null && room.players.length === 1);
    this.alone.textContent = room.public
      ? "You're the first pilot in this new public room: whoever presses Quick play next lands here."
      : "You're alone here: share the code or the link to bring friends in.";
  }

  /**
   * Refresh the live parts (a few times a second).
   *
   * @param room current room info; @param entities Map id -> values; @param tick server tick;
   * @param playerId yours, or null; @param ping ms or null; @param fps frames/second;
   * @param meAt where your ship is on screen ([x, y] CSS pixels), or null.
   */
  update({ room, entities, tick, playerId, ping, fps, meAt = null }) {
    this.ping.textContent = ping === null ? "ping —" : `ping ${Math.round(ping)} ms`;
    this.fps.textContent = `${Math.round(fps)} fps`;
    this.banner.textContent = banner(room, tick);
    this.round.update(room, tick, playerId, this.#players);
    this.ship.update(room, tick);
    this.#scoreboard(room, entities, playerId);
    this.#fadeUnder(meAt);
  }

  /** Every frame: your ship (`{hp, shield}`, or null) for the health readout and hit flash. */
  showShip(me) {
    this.ship.show(me);
  }

  /** The arena's `destroyed` message: your ship is down; says by whom and when it is back. */
  showDestroyed(payload) {
    this.ship.destroyed(payload);
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
   * lines is at the bottom; each fades out. Lines about you stand out.
   */
  showKill(payload) {
    const { killer, killer_id: killerId, victim, victim_id: victimId } = payload ?? {};
    if (typeof victim !== "string") return;
    const shooter = this.#players.get(killerId);
    const mine = this.#playerId !== null && (killerId === this.#playerId || victimId === this.#playerId);
    const line = el("li", { className: mine ? "mine" : "", style: `animation-duration:${KILL_FEED_MS}ms` },
      el("span", { className: "killer", style: shooter ? `color:${shooter.color}` : "" },
        shooter?.label ?? (typeof killer === "string" ? killer : "?")),
      el("span", { className: "verb" }, " destroyed "),
      el("span", { className: "victim" }, this.#players.get(victimId)?.label ?? victim));
    this.kills.append(line);
    while (this.kills.children.length > KILL_FEED_LINES) this.kills.firstElementChild.remove();
    setTimeout(() => line.remove(), KILL_FEED_MS);
  }

  /** Fade the panels your ship (at `point` on screen) is under or next to. */
  #fadeUnder(point) {
    for (const panel of this.panels) {
      let under = false;
      if (point && !panel.hidden) {
        const box = panel.getBoundingClientRect();
        under = point[0] > box.left - FADE_REACH && point[0] < box.right + FADE_REACH
          && point[1] > box.top - FADE_REACH && point[1] < box.bottom + FADE_REACH;
      }
      panel.classList.toggle("faded", under);
    }
  }

  #scoreboard(room, entities, playerId) {
    const rows = rankedScores(this.#players, entities);
    const key = JSON.stringify([rows, room.host, playerId]);
    if (key === this.#scoreKey) return;
    this.#scoreKey = key;
    fill(this.scores, ...rows.map((row) => el("li", {
      className: [row.connected === false ? "offline" : "", row.id === playerId ? "me" : ""].join(" ").trim(),
    },
    el("span", { className: "rank" }, String(row.rank)),
    el("span", { className: "swatch", style: `background:${row.color}` }),
    el("span", { className: "name" }, row.label),
    row.id === playerId ? el("span", { className: "you" }, "you") : null,
    row.id === room.host ? el("span", { className: "host", title: "Starts the rounds; passes on if they leave" }, "host") : null,
    row.connected === false ? el("span", { className: "away" }, "offline") : null,
    el("span", { className: "score" }, String(row.score)))));
  }
}

/**
 * The scoreboard's rows: every player of `players` (palette.js `roomPlayers`) with the score of
 * their ship in `entities`, best first (then by id), each with its rank (tied scores share one).
 */
export function rankedScores(players, entities) {
  const rows = [...players.values()].map((p) => {
    const ship = entities.get(p.id);
    return { ...p, score: ship?.kind === KIND.SHIP ? ship.score : 0 };
  });
  rows.sort((a, b) => b.score - a.score || a.id - b.id);
  rows.forEach((row, index) => {
    row.rank = index > 0 && row.score === rows[index - 1].score ? rows[index - 1].rank : index + 1;
  });
  return rows;
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
