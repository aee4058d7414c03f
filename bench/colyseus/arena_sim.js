// The anchors' "arena" rules for the Colyseus reference server: the same scenario as the bench
// game (bench/game.py), with the world size and speeds read from the file it reads too
// (shared/games/arena.json: a 1000x1000 world, players 150 u/s, NPCs 100 u/s). 20 Hz fixed dt;
// NPCs random-walk, players move by their latest input. ~1% of entities lose 1 hp per tick
// (reset to 100 at 0), score +1 on ~0.2%.
'use strict';
const rules = require('../../shared/games/arena.json');

const WORLD = rules.world, DT = 0.05, NPC_SPEED = rules.npc_speed;
const PLAYER_SPEED = rules.player_speed;
const clamp = (v) => (v < 0 ? 0 : v > WORLD ? WORLD : v);

function makeNpc(id) {
  return { id, x: Math.random() * WORLD, y: Math.random() * WORLD, hp: 100, score: 0,
           name: 'npc' + id, heading: Math.random() * Math.PI * 2, player: false };
}
function makePlayer(id, name) {
  return { id, x: Math.random() * WORLD, y: Math.random() * WORLD, hp: 100, score: 0,
           name: String(name || 'p' + id).slice(0, 12), seq: 0, dx: 0, dy: 0, player: true };
}
// Advance one entity by one tick (mutates e). Returns nothing.
function stepEntity(e) {
  if (e.player) {
    e.x = clamp(e.x + e.dx * PLAYER_SPEED * DT);
    e.y = clamp(e.y + e.dy * PLAYER_SPEED * DT);
  } else {
    e.heading += (Math.random() - 0.5);
    let nx = e.x + Math.cos(e.heading) * NPC_SPEED * DT;
    let ny = e.y + Math.sin(e.heading) * NPC_SPEED * DT;
    if (nx < 0 || nx > WORLD || ny < 0 || ny > WORLD) e.heading += Math.PI;
    e.x = clamp(nx); e.y = clamp(ny);
  }
  if (Math.random() < 0.01) { e.hp -= 1; if (e.hp <= 0) e.hp = 100; }
  if (Math.random() < 0.002) e.score += 1;
}
function applyInput(e, msg) {
  if (!msg) return;
  const dx = +msg.dx, dy = +msg.dy;
  e.dx = dx > 1 ? 1 : dx < -1 ? -1 : (dx || 0);
  e.dy = dy > 1 ? 1 : dy < -1 ? -1 : (dy || 0);
  if (msg.seq > e.seq) e.seq = msg.seq | 0;
}
module.exports = { WORLD, DT, makeNpc, makePlayer, stepEntity, applyInput };
