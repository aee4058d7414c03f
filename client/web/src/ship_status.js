/**
 * Your own ship in the HUD: the health readout (bar and number, and the spawn shield while it
 * lasts), a red flash over the screen whenever you are hit, and once destroyed, who did it and
 * the seconds until you are back (the arena's `destroyed` message, counted against the
 * server's tick). Names are only ever set as text.
 */
import { RULES } from "../../../shared/games/arena.js";
import { el } from "./dom.js";
import { secondsUntil } from "./round_view.js";

/** What the centre says while your ship is destroyed. */
export function respawnText(destroyed, room, tick) {
  const by = typeof destroyed?.by === "string" ? `Destroyed by ${destroyed.by}` : "Destroyed";
  const left = secondsUntil(room, destroyed?.respawn_tick, tick);
  if (left === null) return `${by} — respawning…`;
  return left > 0 ? `${by} — back in ${left}…` : `${by} — back now`;
}

/** The health readout and hit flash, built inside `parent`. */
export class ShipStatus {
  constructor(parent) {
    this.fill = el("div", { className: "health-fill" });
    this.value = el("span", { className: "health-value", id: "health-value" });
    this.shield = el("span", { className: "shield-tag", id: "shield-tag", hidden: true }, "Shield");
    this.node = el("div", { className: "health panel", id: "health", hidden: true },
      el("span", { className: "health-label" }, "Hull"),
      el("div", { className: "health-bar" }, this.fill),
      this.value, this.shield);
    this.flash = el("div", { className: "hit-flash", id: "hit-flash" });
    this.respawn = el("div", { className: "respawn", id: "respawn", attrs: { role: "status" } });
    parent.append(this.flash, this.node, this.respawn);
    this.hits = 0; // times the flash ran, for tests and the console
  }

  #hp = null;
  #shielded = null;
  #destroyed = null;

  /** The arena's `destroyed` message `{by, by_id, respawn_tick}` for your ship. */
  destroyed(payload) {
    this.#destroyed = payload && typeof payload === "object" ? payload : null;
  }

  /**
   * Every frame: `me` is your ship (`{hp, shield}`) or null; only a change touches the page.
   * A drop in health flashes the screen.
   */
  show(me) {
    const hp = me ? Math.max(0, me.hp) : null;
    const shielded = Boolean(me?.shield) && hp > 0;
    if (hp !== this.#hp) {
      if (this.#hp !== null && hp !== null && hp < this.#hp) this.#flash();
      if (hp > 0) this.#destroyed = null;
      this.#hp = hp;
      this.node.hidden = hp === null;
      const share = hp === null ? 0 : Math.min(1, hp / RULES.player_hp);
      this.fill.style.width = `${Math.round(share * 100)}%`;
      this.node.classList.toggle("low", share <= 0.25);
      this.value.textContent = hp === null ? "" : String(hp);
    }
    if (shielded !== this.#shielded) {
      this.#shielded = shielded;
      this.shield.hidden = !shielded;
      this.node.classList.toggle("shielded", shielded);
    }
  }

  /** A few times a second: the respawn countdown at server tick `tick`. */
  update(room, tick) {
    const dead = this.#hp === 0 && room.status?.phase !== "ended";
    this.respawn.textContent = dead ? respawnText(this.#destroyed, room, tick) : "";
  }

  #flash() {
    this.hits += 1;
    this.flash.classList.remove("on");
    void this.flash.offsetWidth; // restart the animation
    this.flash.classList.add("on");
  }
}
