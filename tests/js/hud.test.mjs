// The HUD's round headline for each of the arena's phases (shared/PROTOCOL.md).
import assert from "node:assert/strict";
import { test } from "node:test";
import { banner } from "../../client/web/src/hud.js";

const room = (status, started) => ({ status, started, tick_rate: 20 });

test("warm-up waits for the host; once the host pressed Start, the phase says starting", () => {
  assert.equal(banner(room({ phase: "warmup" }, false), 5), "Warm-up — waiting for the host to start");
  assert.equal(banner(room({ phase: "starting" }, true), 5), "Starting…");
});

test("a round shows its time left, then the winner", () => {
  const playing = room({ phase: "playing", round_ends_tick: 100 + 20 * 75 }, true);
  assert.equal(banner(playing, 100), "1:15");
  assert.equal(banner(room({ phase: "ended", winner: "ann" }, true), 9), "Round over — ann wins");
  assert.equal(banner(room({ phase: "ended", winner: "" }, true), 9), "Round over");
});
