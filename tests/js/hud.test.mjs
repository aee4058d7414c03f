// The HUD: the round headline and countdowns for each of the arena's phases (shared/PROTOCOL.md),
// the respawn countdown and the scoreboard's ranking.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KIND } from "../../shared/games/arena.js";
import { rankedScores } from "../../client/web/src/hud.js";
import { banner, secondsUntil } from "../../client/web/src/round_view.js";
import { respawnText } from "../../client/web/src/ship_status.js";

const room = (status, started) => ({ status, started, tick_rate: 20 });

test("warm-up waits for the host; the countdown counts the seconds to the round's tick", () => {
  assert.equal(banner(room({ phase: "warmup", phase_ends_tick: 0 }, false), 5), "Warm-up — waiting for the host to start");
  assert.equal(banner(room({ phase: "starting", phase_ends_tick: 0 }, true), 5), "Get ready…");
  assert.equal(banner(room({ phase: "starting", phase_ends_tick: 160 }, true), 100), "Round starts in 3");
  assert.equal(banner(room({ phase: "starting", phase_ends_tick: 160 }, true), 141), "Round starts in 1");
});

test("a round shows its time left, then when the next round starts", () => {
  const playing = room({ phase: "playing", round_ends_tick: 100 + 20 * 75, phase_ends_tick: 100 + 20 * 75 }, true);
  assert.equal(banner(playing, 100), "1:15");
  assert.equal(banner(room({ phase: "ended", winner: "ann", phase_ends_tick: 200 }, true), 100),
    "Round over · next round in 5 s");
  assert.equal(banner(room({ phase: "ended", winner: "", phase_ends_tick: 0 }, true), 9), "Round over");
});

test("seconds until a tick round up, never go below zero, and are unknown without a tick", () => {
  const r = room({}, true);
  assert.equal(secondsUntil(r, 121, 100), 2);
  assert.equal(secondsUntil(r, 100, 120), 0);
  assert.equal(secondsUntil(r, 0, 100), null);
  assert.equal(secondsUntil(r, 120, null), null);
});

test("a destroyed player is told by whom and counts down to the respawn tick", () => {
  const r = room({ phase: "playing" }, true);
  assert.equal(respawnText({ by: "Sniper", respawn_tick: 160 }, r, 100), "Destroyed by Sniper — back in 3…");
  assert.equal(respawnText({ by: null, respawn_tick: 160 }, r, 141), "Destroyed — back in 1…");
  assert.equal(respawnText({ by: "Sniper", respawn_tick: 160 }, r, 160), "Destroyed by Sniper — back now");
  assert.equal(respawnText(null, r, 100), "Destroyed — respawning…");
});

test("the scoreboard ranks players by their ships' scores; tied scores share a rank", () => {
  const players = new Map([1, 2, 3, 4, 5].map((id) => [id, { id, label: `p${id}` }]));
  const ship = (score) => ({ kind: KIND.SHIP, score });
  const entities = new Map([[1, ship(0)], [2, ship(4)], [3, ship(2)], [4, ship(2)]]); // 5: no ship yet
  assert.deepEqual(rankedScores(players, entities).map(({ id, score, rank }) => [id, score, rank]),
    [[2, 4, 1], [3, 2, 2], [4, 2, 2], [1, 0, 4], [5, 0, 4]]);
});
