// The feel probe's definitions (client/web/README.md, "Feel probe") on made-up frames: what
// counts as a snap, a correction and its settling, and key-to-motion.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KIND } from "../../shared/games/arena.js";
import { Probe } from "../../client/web/src/probe.js";

const TICK_MS = 50;
const FRAME_MS = 1000 / 60;
const SPEED = 7.5; // a ship's move per tick

/** A stand-in GameClient: the interpolator and predictor fields the probe reads. */
function fakeClient() {
  return {
    interpolator: { tickMs: TICK_MS, maxStep: 80, drawnTick: null, newestTick: null },
    predictor: { left: [0, 0], correctionAt() { return this.left; } },
  };
}

const ship = (x, y = 500, hp = 100) => ({ x, y, angle: 0, hp, kind: KIND.SHIP, name: "s" });

/** Feed states 1..`ticks` of one remote ship (id 2) moving along x, arriving on time. */
function feedStates(probe, client, ticks, x = (tick) => tick * SPEED) {
  for (let tick = 1; tick <= ticks; tick++) {
    client.interpolator.newestTick = tick;
    probe.state(tick, new Map([[2, ship(x(tick))]]), tick * TICK_MS, client.interpolator);
  }
}

/** Draw frames from `fromTick`, one every FRAME_MS, with the ship where `x(renderTick)` says. */
function drawFrames(probe, client, fromTick, count, x, me = null) {
  for (let i = 0; i < count; i++) {
    const renderTick = fromTick + (i * FRAME_MS) / TICK_MS;
    client.interpolator.drawnTick = renderTick;
    const now = renderTick * TICK_MS + 100;
    probe.frame(now, client, new Map([[2, ship(x(renderTick))]]), me?.(i) ?? null);
  }
}

test("smooth frames make no snap, a jump of more than twice a frame's move does", () => {
  const probe = new Probe();
  const client = fakeClient();
  feedStates(probe, client, 20);
  drawFrames(probe, client, 2, 30, (tick) => tick * SPEED);
  assert.equal(probe.summary().snaps.count, 0);
  drawFrames(probe, client, 12, 1, (tick) => tick * SPEED + 6); // 2.5 + 6 units in one frame
  assert.equal(probe.summary().snaps.count, 1);
});

test("a respawn (a jump in the server's states) is not a snap", () => {
  const probe = new Probe();
  const client = fakeClient();
  feedStates(probe, client, 20, (tick) => (tick < 10 ? tick * SPEED : 900));
  probe.reset(); // a reset between the jump's state and its frame forgets neither
  drawFrames(probe, client, 2, 30, (tick) => (tick < 10 ? tick * SPEED : 900));
  assert.equal(probe.summary().snaps.count, 0);
});

test("a reconciliation moving your ship over 1 unit is a correction, timed until it settles", () => {
  const probe = new Probe();
  const client = fakeClient();
  feedStates(probe, client, 3);
  probe.reconcile([100, 100], [100, 100], ship(100, 100), 0);
  probe.reconcile([100, 100], [100.5, 100], ship(100.5, 100), 50); // half a unit: none
  assert.equal(probe.summary().corrections.count, 0);
  probe.reconcile([100, 100], [105, 100], ship(105, 100), 100);
  client.predictor.left = [4, 0];
  drawFrames(probe, client, 2, 1, () => 0, () => ship(100));
  client.predictor.left = [0.5, 0];
  drawFrames(probe, client, 3, 1, () => 0, () => ship(100));
  const { corrections } = probe.summary();
  assert.equal(corrections.count, 1);
  assert.equal(corrections.maxUnits, 5);
  assert.equal(corrections.snapped, 0);
  assert.equal(corrections.settleMaxMs, 150); // the frame at 250 ms showed 0.5 unit left
});

test("a dead ship's reconciliations are not corrections", () => {
  const probe = new Probe();
  probe.reconcile([100, 100], [100, 100], ship(100, 100), 0);
  probe.reconcile([100, 100], [92.5, 100], ship(100, 100, 0), 50);
  assert.equal(probe.summary().corrections.count, 0);
});

test("key-to-motion counts the frames until your ship moves on screen", () => {
  const probe = new Probe();
  const client = fakeClient();
  feedStates(probe, client, 3);
  drawFrames(probe, client, 1, 3, () => 0, () => ship(100));
  probe.key({ code: "ArrowRight", repeat: false, timeStamp: performance.now() });
  probe.key({ code: "Space", repeat: false, timeStamp: performance.now() }); // not steering
  drawFrames(probe, client, 2, 2, () => 0, (i) => ship(100 + i * 2.5)); // still, then moved
  const keys = probe.summary().keyToMotion;
  assert.equal(keys.count, 1);
  assert.equal(keys.maxFrames, 2);
  assert.equal(keys.unanswered, 0);
});
