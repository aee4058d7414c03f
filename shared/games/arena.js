/**
 * Rules of the arena that the browser shares with the server, read from arena.json. `move`
 * is shared/games/arena.py's `move` with the same arithmetic, so prediction matches the
 * server bit for bit (a test runs both on the same random inputs).
 */
import rules from "./arena.json" with { type: "json" };

export const RULES = Object.freeze({ ...rules });

/** Entity kinds, as the arena's `kind` field says. */
export const KIND = Object.freeze({
  SHIP: rules.kinds.ship,
  DRONE: rules.kinds.drone,
  BULLET: rules.kinds.bullet,
});

/** Round a coordinate to the wire grid. */
export function snap(value) {
  const step = RULES.position_step;
  return Math.floor(value / step + 0.5) * step;
}

/** Keep a coordinate inside a world of side `world`. */
export function clamp(value, world = RULES.world) {
  return value < 0.0 ? 0.0 : value > world ? world : value;
}

/**
 * A player's position `[x, y]` after moving `dt` seconds with stick input `(dx, dy)` in a
 * world of side `world`. Inputs longer than 1 are scaled down to 1, so diagonals are not
 * faster.
 */
export function move(x, y, dx, dy, dt, world = RULES.world) {
  const length = Math.sqrt(dx * dx + dy * dy);
  if (length > 1.0) {
    dx /= length;
    dy /= length;
  }
  const distance = RULES.player_speed * dt;
  return [snap(clamp(x + dx * distance, world)), snap(clamp(y + dy * distance, world))];
}
