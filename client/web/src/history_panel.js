/**
 * The lobby's match history: the top 10 players of the arena and the last public matches,
 * live from the server's server-sent-events feed `/api/history/feed` (see
 * server/history/api.py). Names are shown as text. The browser's EventSource reconnects by
 * itself.
 */
import { HISTORY_FEED_PATH } from "../../../shared/protocol.js";
import { el, fill } from "./dom.js";

/** A card with the leaderboard and the last matches; `show()` follows the feed, `hide()` stops. */
export class HistoryPanel {
  constructor() {
    this.leaders = el("ol", { id: "leaderboard", className: "leaderboard" });
    this.matches = el("ul", { id: "last-matches", className: "last-matches" });
    this.empty = el("p", { className: "empty" }, "No match played yet.");
    this.live = el("span", { className: "live", title: "Live" });
    this.node = el("section", { className: "card history" },
      el("h2", {}, "Leaderboard ", this.live), this.leaders, this.empty,
      el("h3", {}, "Last matches"), this.matches);
    this.source = null;
  }

  /** Start following the feed. */
  show() {
    if (this.source) return;
    this.source = new EventSource(HISTORY_FEED_PATH);
    this.source.addEventListener("history", (event) => this.render(JSON.parse(event.data)));
    this.source.addEventListener("open", () => this.live.classList.toggle("on", true));
    this.source.addEventListener("error", () => this.live.classList.toggle("on", false));
  }

  /** Stop following the feed. */
  hide() {
    this.source?.close();
    this.source = null;
  }

  /** Show one snapshot `{leaderboard: [{name, matches, wins, score}], matches: [...]}`. */
  render({ leaderboard, matches }) {
    this.empty.hidden = leaderboard.length > 0;
    fill(this.leaders, ...leaderboard.map((row) => el("li", { className: "leader" },
      el("span", { className: "leader-name" }, row.name),
      el("span", { className: "leader-stats" },
        `${row.wins} ${row.wins === 1 ? "win" : "wins"} · ${row.score} pts · ${row.matches} played`))));
    fill(this.matches, ...matches.map((match) => el("li", { className: "match" },
      el("span", { className: "match-winner" }, match.winner ? `${match.winner} won` : "No winner"),
      el("span", { className: "match-players" }, match.players.map((p) => p.name).join(", ")),
      el("span", { className: "match-length" }, formatDuration(match.duration)))));
  }
}

/** `75.2` → `"1:15"`. */
export function formatDuration(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}
