/**
 * Draws the arena on a canvas that fills the window: the world grid, drones, bullets and
 * ships with their names (always as canvas text) and health, plus a minimap. A ship or drone
 * whose health dropped flashes white for a moment. The camera follows your ship; spectators
 * see the whole arena.
 */
import { KIND, RULES } from "../../../shared/games/arena.js";
import { playerColor } from "./palette.js";

const VIEW_SPAN = 720; // world units across the shorter side of the screen when playing
// world units of the server's interest reach kept off screen: a ship's radius, and how far your
// predicted ship may lead the server's and a remote entity may move within the render delay
const REACH_MARGIN = 60;
const GRID = 50;
const MINIMAP = 150; // CSS pixels, at most a quarter of the shorter side (style.css: --minimap)
const EDGE_PX = 130; // at the world's edge your ship stays this far from the screen's, clear of the HUD
const HIT_FLASH_MS = 150; // how long a hit ship or drone flashes
const COLORS = {
  space: "#060912",
  floor: "#0c1424",
  fog: "rgba(6, 9, 18, 0.6)",
  grid: "rgba(120, 160, 255, 0.07)",
  border: "#4fd1ff",
  drone: "#ff8a3d",
  bullet: "#fff6c2",
  text: "#e8eefc",
  shadow: "rgba(0, 0, 0, 0.6)",
  healthBack: "rgba(255, 255, 255, 0.15)",
  shield: "rgba(79, 209, 255, 0.85)",
  shieldFill: "rgba(79, 209, 255, 0.12)",
  hit: "#ffffff",
};

/** When each ship and drone was last hit (its health dropped), to draw it flashing. */
export class HitFlashes {
  #hp = new Map(); // id -> health in the last frame
  #hitAt = new Map(); // id -> time of its last hit

  /**
   * Note every ship's and drone's health in this frame at `now` (ms): `entities` as drawn,
   * your own ship's from `me` (or null). Entities gone from `entities` are forgotten.
   */
  observe(entities, me, now) {
    for (const id of this.#hp.keys()) {
      if (!entities.has(id)) {
        this.#hp.delete(id);
        this.#hitAt.delete(id);
      }
    }
    for (const [id, body] of entities) {
      if (body.kind === KIND.BULLET) continue;
      const hp = id === me?.id ? me.hp : body.hp;
      if (hp < (this.#hp.get(id) ?? hp)) this.#hitAt.set(id, now);
      this.#hp.set(id, hp);
    }
  }

  /** How brightly `id` flashes at `now`: 1 when just hit, fading to 0 over HIT_FLASH_MS. */
  level(id, now) {
    const at = this.#hitAt.get(id);
    return at === undefined ? 0 : Math.max(0, 1 - (now - at) / HIT_FLASH_MS);
  }
}

/**
 * How far from your ship an interest-managed room (the welcome's `interest`) always sends
 * everything, in world units: `view` cells; with the camera pushed against the world's edge
 * the screen reaches up to twice as far on the other side, where the view has `view + 1`.
 */
export function interestReach({ cell, view }) {
  return cell * Math.min(view, (view + 1) / 2);
}

/**
 * Scale (CSS pixels per world unit) of a `width` x `height` view around your ship: VIEW_SPAN
 * across the shorter side, zoomed in until the longer one stays within `reach` (if any) less
 * REACH_MARGIN of the ship, so nothing the server does not send is on screen.
 */
export function viewScale(width, height, reach = null) {
  const scale = Math.min(width, height) / VIEW_SPAN;
  if (reach === null) return scale;
  return Math.max(scale, Math.max(width, height) / (2 * (reach - REACH_MARGIN)));
}

/**
 * Renders frames on `canvas` of a square world of side `world`; with interest management,
 * cut in cells of side `cell`, the cells the server does not send are shaded, and the view
 * around your ship stays within `reach` (`interestReach`).
 */
export class Renderer {
  constructor(canvas, world = RULES.world, cell = null, reach = null) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.world = world;
    this.cell = cell;
    this.reach = reach;
    this.players = new Map(); // of the frame being drawn
    this.flashes = new HitFlashes();
    this.drawn = { myHp: null, ships: [], labels: [], flashing: [] }; // the last frame, for tests
    this.camera = { x: world / 2, y: world / 2, scale: 1 };
    this.width = 0;
    this.height = 0;
    this.ratio = 1;
    this.safe = { right: 0, bottom: 0 }; // CSS pixels a notch or home indicator takes
  }

  /** Match the canvas to its CSS size and the screen's pixel ratio, and read the safe area. */
  resize() {
    this.ratio = window.devicePixelRatio || 1;
    this.width = this.canvas.clientWidth;
    this.height = this.canvas.clientHeight;
    const style = getComputedStyle(this.canvas); // style.css: its scroll-margin is the safe area
    this.safe = { right: parseFloat(style.scrollMarginRight) || 0,
      bottom: parseFloat(style.scrollMarginBottom) || 0 };
    this.canvas.width = Math.round(this.width * this.ratio);
    this.canvas.height = Math.round(this.height * this.ratio);
  }

  /** Screen position (CSS pixels) of world point (`x`, `y`). */
  toScreen(x, y) {
    const { camera } = this;
    return [(x - camera.x) * camera.scale + this.width / 2, (y - camera.y) * camera.scale + this.height / 2];
  }

  /**
   * Draw one frame.
   *
   * @param entities Map id -> {x, y, angle, hp, kind, name, ...} (interpolated).
   * @param me your ship `{id, x, y, angle, hp, shield}` as predicted, or null (spectating).
   * @param players Map player id -> {name, connected, color, label} (palette.js `roomPlayers`).
   * @param time frame time in ms, for animation.
   * @param held with interest management, the cells the mirror holds (a Map keyed by cell).
   */
  draw({ entities, me, players, time, held = null }) {
    if (this.canvas.clientWidth !== this.width || this.canvas.clientHeight !== this.height) this.resize();
    this.#aim(me);
    this.players = players;
    this.flashes.observe(entities, me, time);
    this.drawn = { myHp: me?.hp ?? null, ships: [], labels: [], flashing: [] };
    const g = this.context;
    g.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    g.fillStyle = COLORS.space;
    g.fillRect(0, 0, this.width, this.height);
    this.#worldTransform();
    this.#floor();
    if (held && this.cell) this.#fog(held);
    for (const [id, body] of entities) {
      if (body.kind === KIND.DRONE && body.hp > 0) this.#drone(id, body, time);
      else if (body.kind === KIND.BULLET) this.#bullet(body);
      else if (body.kind === KIND.SHIP && body.hp > 0 && id !== me?.id) {
        this.#ship(id, body, players.get(id)?.connected !== false, false, time);
      }
    }
    if (me && me.hp > 0) this.#ship(me.id, me, true, true, time);
    g.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    this.#labels(entities, me, players);
    this.#minimap(entities, me);
  }

  #aim(me) {
    const fit = Math.min(this.width, this.height);
    if (me) {
      const scale = viewScale(this.width, this.height, this.reach);
      const halfW = this.width / scale / 2;
      const halfH = this.height / scale / 2;
      const margin = EDGE_PX / scale;
      this.camera = {
        x: followInside(me.x, halfW, this.world, margin),
        y: followInside(me.y, halfH, this.world, margin),
        scale,
      };
    } else {
      const world = this.world;
      this.camera = { x: world / 2, y: world / 2, scale: (fit * 0.92) / world };
    }
  }

  #worldTransform() {
    const { camera, ratio } = this;
    const s = camera.scale * ratio;
    this.context.setTransform(s, 0, 0, s,
      (this.width / 2 - camera.x * camera.scale) * ratio,
      (this.height / 2 - camera.y * camera.scale) * ratio);
  }

  #floor() {
    const g = this.context;
    const world = this.world;
    g.fillStyle = COLORS.floor;
    g.fillRect(0, 0, world, world);
    g.beginPath();
    for (let v = GRID; v < world; v += GRID) {
      g.moveTo(v, 0);
      g.lineTo(v, world);
      g.moveTo(0, v);
      g.lineTo(world, v);
    }
    g.strokeStyle = COLORS.grid;
    g.lineWidth = 1 / this.camera.scale;
    g.stroke();
    g.strokeStyle = COLORS.border;
    g.globalAlpha = 0.25;
    g.lineWidth = 10;
    g.strokeRect(0, 0, world, world);
    g.globalAlpha = 1;
    g.lineWidth = 2.5;
    g.strokeRect(0, 0, world, world);
  }

  /** Shade the cells not `held`: the server sends nothing from there, so they look empty. */
  #fog(held) {
    const g = this.context;
    const { cell } = this;
    const columns = Math.ceil(this.world / cell);
    g.fillStyle = COLORS.fog;
    for (let row = 0; row < columns; row++) {
      for (let column = 0; column < columns; column++) {
        if (!held.has(row * columns + column)) g.fillRect(column * cell, row * cell, cell, cell);
      }
    }
  }

  #ship(id, body, online, mine, time) {
    this.drawn.ships.push(id);
    const g = this.context;
    const r = RULES.player_radius;
    const color = this.#color(id);
    g.save();
    g.translate(body.x, body.y);
    g.globalAlpha = online ? 1 : 0.3;
    if (body.shield) { // the arena's spawn shield: a bubble while bullets cannot hurt it
      g.beginPath();
      g.arc(0, 0, r + 11, 0, 2 * Math.PI);
      g.fillStyle = COLORS.shieldFill;
      g.fill();
      g.strokeStyle = COLORS.shield;
      g.lineWidth = 2;
      g.stroke();
    }
    if (mine) {
      g.beginPath();
      g.arc(0, 0, r + 7, 0, 2 * Math.PI);
      g.strokeStyle = "rgba(255, 255, 255, 0.35)";
      g.lineWidth = 1.5;
      g.stroke();
    }
    g.rotate(body.angle);
    g.beginPath();
    g.moveTo(r * 1.25, 0);
    g.lineTo(-r * 0.85, r * 0.8);
    g.lineTo(-r * 0.4, 0);
    g.lineTo(-r * 0.85, -r * 0.8);
    g.closePath();
    g.fillStyle = color;
    g.shadowColor = color;
    g.shadowBlur = 14;
    g.fill();
    g.shadowBlur = 0;
    this.#flash(id, time);
    g.lineWidth = 1.5;
    g.strokeStyle = "rgba(255, 255, 255, 0.8)";
    g.stroke();
    g.restore();
  }

  /** Fill the current path with the hit flash while `id` was hit a moment ago. */
  #flash(id, time) {
    const level = this.flashes.level(id, time);
    if (level <= 0) return;
    this.drawn.flashing.push(id);
    const g = this.context;
    const alpha = g.globalAlpha;
    g.globalAlpha = alpha * level;
    g.fillStyle = COLORS.hit;
    g.fill();
    g.globalAlpha = alpha;
  }

  #drone(id, body, time) {
    const g = this.context;
    const r = RULES.npc_radius;
    g.save();
    g.translate(body.x, body.y);
    g.rotate(time / 600);
    g.beginPath();
    for (let i = 0; i < 6; i++) {
      const a = (i * Math.PI) / 3;
      g.lineTo(Math.cos(a) * r, Math.sin(a) * r);
    }
    g.closePath();
    g.fillStyle = "rgba(255, 138, 61, 0.25)";
    g.fill();
    this.#flash(id, time);
    g.strokeStyle = COLORS.drone;
    g.lineWidth = 2;
    g.stroke();
    g.beginPath();
    g.arc(0, 0, r * 0.35, 0, 2 * Math.PI);
    g.fillStyle = COLORS.drone;
    g.fill();
    g.restore();
  }

  #bullet(body) {
    const g = this.context;
    const tail = 14;
    g.beginPath();
    g.moveTo(body.x - Math.cos(body.angle) * tail, body.y - Math.sin(body.angle) * tail);
    g.lineTo(body.x, body.y);
    g.strokeStyle = "rgba(255, 246, 194, 0.35)";
    g.lineWidth = 4;
    g.stroke();
    g.beginPath();
    g.arc(body.x, body.y, 3.5, 0, 2 * Math.PI);
    g.fillStyle = COLORS.bullet;
    g.fill();
  }

  /** Names and health bars, in screen space so they stay crisp and readable. */
  #labels(entities, me, players) {
    const g = this.context;
    g.font = "600 12px system-ui, sans-serif";
    g.textAlign = "center";
    g.textBaseline = "bottom";
    for (const [id, body] of entities) {
      if (body.kind !== KIND.BULLET && id !== me?.id) this.#label(id, body, players);
    }
    if (me) { // yours where it is drawn, with the newest health, even before the states show it
      this.#label(me.id, { ...entities.get(me.id), ...me, kind: KIND.SHIP }, players);
    }
    g.globalAlpha = 1;
  }

  /** A ship's or drone's health bar and a ship's name; none while it is destroyed. */
  #label(id, body, players) {
    if (body.hp <= 0) return; // no name nor empty bar left floating
    this.drawn.labels.push(id);
    const g = this.context;
    const ship = body.kind === KIND.SHIP;
    const [x, y] = this.toScreen(body.x, body.y);
    const radius = (ship ? RULES.player_radius : RULES.npc_radius) * this.camera.scale;
    const maxHp = ship ? RULES.player_hp : RULES.npc_hp;
    const online = !ship || players.get(id)?.connected !== false;
    g.globalAlpha = online ? 1 : 0.45;
    this.#healthBar(x, y + radius + 6, body.hp / maxHp, ship ? this.#color(id) : COLORS.drone);
    if (ship) {
      const name = players.get(id)?.label ?? body.name ?? "";
      const label = online ? name : `${name} (offline)`;
      g.fillStyle = COLORS.shadow;
      g.fillText(label, x + 1, y - radius - 5);
      g.fillStyle = COLORS.text;
      g.fillText(label, x, y - radius - 6);
    }
  }

  /** A player's colour: their palette slot's (room status), else one from the id. */
  #color(id) {
    return this.players?.get(id)?.color ?? playerColor(null, id);
  }

  #healthBar(x, y, share, color) {
    const g = this.context;
    const width = 30;
    g.fillStyle = COLORS.healthBack;
    g.fillRect(x - width / 2, y, width, 3);
    g.fillStyle = color;
    g.fillRect(x - width / 2, y, width * Math.max(0, Math.min(1, share)), 3);
  }

  #minimap(entities, me) {
    if (!me) return;
    const g = this.context;
    const size = Math.min(MINIMAP, Math.round(Math.min(this.width, this.height) / 4));
    const left = this.width - size - 16 - this.safe.right;
    const top = this.height - size - 16 - this.safe.bottom;
    const k = size / this.world;
    g.fillStyle = "rgba(8, 14, 28, 0.4)"; // see-through: it never hides what is under it
    g.fillRect(left, top, size, size);
    g.strokeStyle = "rgba(79, 209, 255, 0.5)";
    g.lineWidth = 1;
    g.strokeRect(left + 0.5, top + 0.5, size - 1, size - 1);
    for (const [id, body] of entities) {
      if (body.hp <= 0 || body.kind === KIND.BULLET || id === me.id) continue;
      g.fillStyle = body.kind === KIND.SHIP ? this.#color(id) : COLORS.drone;
      g.fillRect(left + body.x * k - 1.5, top + body.y * k - 1.5, 3, 3);
    }
    g.fillStyle = "#ffffff";
    g.fillRect(left + me.x * k - 2.5, top + me.y * k - 2.5, 5, 5);
    const view = this.camera;
    g.save();
    g.beginPath();
    g.rect(left, top, size, size);
    g.clip();
    g.strokeStyle = "rgba(255, 255, 255, 0.3)";
    g.strokeRect(left + (view.x - this.width / view.scale / 2) * k,
      top + (view.y - this.height / view.scale / 2) * k,
      (this.width / view.scale) * k, (this.height / view.scale) * k);
    g.restore();
  }
}

/**
 * A camera coordinate that follows `target` but shows at most `margin` beyond the edge of
 * `world`.
 */
function followInside(target, half, world, margin) {
  const low = half - margin;
  const high = world - half + margin;
  if (low > high) return world / 2;
  return Math.min(high, Math.max(low, target));
}
