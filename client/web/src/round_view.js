/**
 * The round on screen, from the arena's room status (shared/PROTOCOL.md, room info): the
 * headline (warm-up, countdown, time left, next round), the big 3-2-1-GO countdown, and the
 * end-of-round screen with the standings. Counting is done against the server's tick, so every
 * page shows the same second. Names are only ever set as text.
 */
import { el, fill } from "./dom.js";
import { playerColor } from "./palette.js";

const GO_MS = 900; // how long "GO!" stays once the round began

/** Whole seconds from server tick `tick` until `untilTick` (never below 0), or null. */
export function secondsUntil(room, untilTick, tick) {
  if (!untilTick || tick === null || tick === undefined) return null;
  return Math.max(0, Math.ceil((untilTick - tick) / room.tick_rate));
}

/**
 * The round's headline: warm-up, countdown, time left, or when the next round starts (the end
 * screen says who won).
 */
export function banner(room, tick) {
  const status = room.status ?? {};
  const left = secondsUntil(room, status.phase_ends_tick, tick);
  if (status.phase === "warmup") return "Warm-up — waiting for the host to start";
  if (status.phase === "starting") return left === null ? "Get ready…" : `Round starts in ${left}`;
  if (status.phase === "ended") return left === null ? "Round over" : `Round over · next round in ${left} s`;
  if (status.phase === "playing") {
    const seconds = secondsUntil(room, status.round_ends_tick ?? status.phase_ends_tick, tick);
    if (seconds === null) return "";
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }
  return "";
}

/** The big centre countdown and the end-of-round standings, built inside `parent`. */
export class RoundView {
  constructor(parent) {
    this.countdown = el("div", { className: "countdown", id: "countdown", attrs: { "aria-live": "assertive" } });
    this.title = el("h2", {});
    this.winner = el("p", { className: "round-winner" });
    this.standings = el("ol", { className: "standings", id: "standings" });
    this.next = el("p", { className: "round-next", id: "next-round" });
    this.endScreen = el("section", { className: "round-end panel", id: "round-end", hidden: true },
      this.title, this.winner,
      el("div", { className: "standings-head" },
        el("span", {}, "#"), el("span", {}, "Pilot"), el("span", {}, "Kills"), el("span", {}, "Deaths")),
      this.standings, this.next);
    parent.append(this.countdown, this.endScreen);
  }

  #phase = null;
  #goUntil = 0;
  #standingsKey = "";

  /**
   * Refresh from the room info at server tick `tick`; `playerId` marks your own row, `players`
   * (palette.js `roomPlayers`) gives colours and names.
   */
  update(room, tick, playerId, players, now = performance.now()) {
    const status = room.status ?? {};
    if (this.#phase === "starting" && status.phase === "playing") this.#goUntil = now + GO_MS;
    this.#phase = status.phase;
    const count = this.#countdownText(room, status, tick, now);
    if (this.countdown.textContent !== count) this.countdown.textContent = count;
    this.endScreen.hidden = status.phase !== "ended";
    if (status.phase !== "ended") return;
    this.title.textContent = "Round over";
    const best = players.get(status.standings?.[0]?.id)?.label ?? status.winner;
    this.winner.textContent = status.winner ? `${best} wins the round!` : "Nobody scored this round";
    const left = secondsUntil(room, status.phase_ends_tick, tick);
    this.next.textContent = left === null ? "" : `Next round in ${left} s`;
    this.#fillStandings(status.standings ?? [], playerId, players);
  }

  #countdownText(room, status, tick, now) {
    if (status.phase === "starting") {
      const left = secondsUntil(room, status.phase_ends_tick, tick);
      return left === null ? "" : left > 0 ? String(left) : "GO!";
    }
    return status.phase === "playing" && now < this.#goUntil ? "GO!" : "";
  }

  #fillStandings(standings, playerId, players) {
    const key = JSON.stringify([standings, playerId, [...players.values()].map((p) => p.label)]);
    if (key === this.#standingsKey) return;
    this.#standingsKey = key;
    fill(this.standings, ...standings.map((row, index) => el("li", {
      className: row.id === playerId ? "me" : "",
    },
    el("span", { className: "rank" }, String(index + 1)),
    el("span", { className: "pilot" },
      el("span", { className: "swatch", style: `background:${players.get(row.id)?.color ?? playerColor(null, row.id)}` }),
      el("span", { className: "name" }, players.get(row.id)?.label ?? String(row.name)),
      row.id === playerId ? el("span", { className: "you" }, "you") : null),
    el("span", { className: "kills" }, String(row.score)),
    el("span", { className: "deaths" }, String(row.deaths)))));
  }
}
