/**
 * How players are told apart on screen: each has the colour of the palette slot the arena gave
 * it (room status `colors`, the lowest slot free when it joined, so no two pilots in a room
 * share one), and a name that is made unique when two players chose the same one ("Bob",
 * "Bob (2)", in the order of their ids, so every page says the same).
 */

// far apart in hue and lightness, and none of them the drones' orange
const PALETTE = ["#4fd1ff", "#ff5cc8", "#b6ff4f", "#ffe14f", "#a46bff", "#2de0b0", "#5c7cff",
  "#ff9ad5", "#e8eefc", "#ff4f6d"];

/**
 * The colour of palette `slot` (slots past the palette get golden-angle hues); `id` gives one
 * when the slot is unknown (a game without colour slots).
 */
export function playerColor(slot, id = 0) {
  if (Number.isInteger(slot) && slot >= 0 && slot < PALETTE.length) return PALETTE[slot];
  const spread = ((Number.isInteger(slot) ? slot : id) * 137.508) % 360;
  return `hsl(${50 + (spread * 290) / 360}, 85%, 62%)`;
}

/**
 * The room's players as a Map id -> `{id, name, connected, color, label}`: `color` is the CSS
 * colour, `label` the name to show (unique in the room).
 */
export function roomPlayers(room) {
  const slots = new Map();
  for (const pair of room?.status?.colors ?? []) {
    if (Array.isArray(pair)) slots.set(pair[0], pair[1]);
  }
  const players = [...(room?.players ?? [])].sort((a, b) => a.id - b.id);
  const seen = new Map();
  const view = new Map();
  for (const player of players) {
    const count = (seen.get(player.name) ?? 0) + 1;
    seen.set(player.name, count);
    view.set(player.id, {
      ...player,
      color: playerColor(slots.get(player.id), player.id),
      label: count === 1 ? player.name : `${player.name} (${count})`,
    });
  }
  return view;
}
