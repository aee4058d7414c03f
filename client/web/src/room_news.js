/**
 * What changed in a room's membership between two room infos, in words for the HUD's notices:
 * who joined, left, lost their connection or came back, and who the host is now.
 */
import { roomPlayers } from "./palette.js";

/** Lines saying what changed from room info `before` to `after`, as seen by `playerId`. */
export function roomNews(before, after, playerId) {
  if (!before || before.id !== after.id) return [];
  const was = roomPlayers(before);
  const now = roomPlayers(after);
  const lines = [];
  for (const [id, player] of now) {
    const old = was.get(id);
    if (id === playerId) continue;
    if (old === undefined) lines.push(`${player.label} joined`);
    else if (old.connected !== false && player.connected === false) lines.push(`${player.label} lost connection`);
    else if (old.connected === false && player.connected !== false) lines.push(`${player.label} is back`);
  }
  for (const [id, player] of was) {
    if (!now.has(id) && id !== playerId) lines.push(`${player.label} left`);
  }
  if (after.host !== before.host && after.host !== null && after.host !== undefined) {
    if (after.host === playerId) {
      lines.push(after.started ? "You are now the host" : "You are now the host — start the round when ready");
    } else if (now.has(after.host)) {
      lines.push(`${now.get(after.host).label} is now the host`);
    }
  }
  return lines;
}
