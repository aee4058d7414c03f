// Interpolation of remote entities: smooth 60 fps frames from 20 Hz states, drawn ~2 ticks behind.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KIND, RULES } from "../../shared/games/arena.js";
import { Interpolator, lerpAngle, ServerClock } from "../../client/web/src/interpolation.js";

const TICK_RATE = 20;
const TICK_MS = 1000 / TICK_RATE;
const FRAME_MS = 1000 / 60;
const SPEED = RULES.player_speed / TICK_RATE; // world units per tick, a ship at full speed

/** A pseudo-random generator with a fixed seed, so failures repeat. */
function seeded(seed) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/**
 * One ship moving along x at SPEED per tick. The state of each tick arrives `latency` +
 * `jitter(tick)` ms after the server sent it; a frame is drawn every 1/60 s.
 */
function drive({ ticks = 60, jitter = () => 0, latency = 30 } = {}) {
  const interpolator = new Interpolator({ tickRate: TICK_RATE });
  const arrivals = [];
  for (let tick = 1; tick <= ticks; tick++) {
    arrivals.push({ tick, at: tick * TICK_MS + latency + jitter(tick) });
  }
  arrivals.sort((a, b) => a.at - b.at); // TCP delivers in order
  const frames = [];
  let next = 0;
  let newest = null;
  for (let now = TICK_MS * 4; now < ticks * TICK_MS; now += FRAME_MS) {
    while (next < arrivals.length && arrivals[next].at <= now) {
      const { tick, at } = arrivals[next++];
      const ship = { x: tick * SPEED, y: 500, angle: 0, hp: 100, kind: KIND.SHIP, name: "a" };
      interpolator.push(tick, new Map([[1, ship]]), at);
      newest = tick;
    }
    frames.push({ now, x: interpolator.sample(now).get(1)?.x, newest });
  }
  return frames;
}

test("steady 20 Hz states give evenly spaced frames at 60 fps", () => {
  const frames = drive().slice(10);
  const steps = frames.slice(1).map((frame, i) => frame.x - frames[i].x);
  for (const step of steps) assert.ok(Math.abs(step - SPEED / 3) < 0.05, `uneven step ${step}`);
});

test("frames are drawn two ticks behind the server", () => {
  for (const frame of drive({ latency: 0 }).slice(3)) {
    const behind = frame.now / TICK_MS - frame.x / SPEED;
    assert.ok(Math.abs(behind - 2) < 1e-6, `drawn ${behind} ticks behind`);
  }
});

test("network jitter does not make entities jump or step back", () => {
  const random = seeded(42);
  const frames = drive({ ticks: 200, jitter: () => random() * 30 }).slice(20);
  const steps = frames.slice(1).map((frame, i) => frame.x - frames[i].x);
  assert.ok(Math.min(...steps) >= 0, "an entity moved backwards");
  assert.ok(Math.max(...steps) < SPEED, `a jump of ${Math.max(...steps)} in one frame`);
});

test("a late burst after a stall catches up without rewinding", () => {
  const frames = drive({ ticks: 120, jitter: (tick) => (tick >= 50 && tick < 56 ? 300 - (tick - 50) * TICK_MS : 0) })
    .slice(10);
  const steps = frames.slice(1).map((frame, i) => frame.x - frames[i].x);
  assert.ok(Math.min(...steps) >= 0, "an entity moved backwards");
});

test("after a stall, entities wait at the newest state, then catch up gently", () => {
  const stalled = (tick) => (tick >= 50 && tick < 56 ? 300 - (tick - 50) * TICK_MS : 0);
  const frames = drive({ ticks: 120, jitter: stalled }).slice(10);
  for (const frame of frames) {
    assert.ok(frame.x / SPEED <= frame.newest + 1e-9, `drawn past the newest state, tick ${frame.newest}`);
  }
  const steps = frames.slice(1).map((frame, i) => frame.x - frames[i].x);
  assert.ok(Math.min(...steps) >= 0, "an entity moved backwards");
  assert.ok(Math.max(...steps) <= (SPEED / 3) * 1.25 + 1e-6, `a jump of ${Math.max(...steps)} in one frame`);
  assert.ok(steps.some((step) => step > (SPEED / 3) * 1.1), "never caught up");
});

test("the drawn time never passes the newest state", () => {
  const interpolator = new Interpolator({ tickRate: TICK_RATE });
  const at = (x) => new Map([[1, { x, y: 0, angle: 0, hp: 1, kind: KIND.SHIP, name: "" }]]);
  for (let tick = 1; tick <= 10; tick++) interpolator.push(tick, at(tick * SPEED), tick * TICK_MS);
  let last = -Infinity;
  for (let now = 10 * TICK_MS; now < 30 * TICK_MS; now += FRAME_MS) {
    const x = interpolator.sample(now).get(1).x;
    assert.ok(x >= last, "stepped back");
    assert.ok(interpolator.drawnTick <= 10, `drawn at ${interpolator.drawnTick}`);
    last = x;
  }
  assert.equal(last, 10 * SPEED); // waited at the newest state
});

test("spawned entities appear at their tick and removed ones vanish after theirs", () => {
  const interpolator = new Interpolator({ tickRate: TICK_RATE });
  const body = { x: 0, y: 0, angle: 0, hp: 1, kind: KIND.BULLET, name: "" };
  interpolator.push(1, new Map([[1, body]]), 0);
  interpolator.push(2, new Map([[1, body], [2, body]]), TICK_MS);
  interpolator.push(3, new Map([[2, body]]), 2 * TICK_MS);
  const at = (tick) => tick * TICK_MS - TICK_MS + 2 * TICK_MS; // local time drawing `tick`
  assert.deepEqual([...interpolator.sample(at(1.5)).keys()], [1]);
  assert.deepEqual([...interpolator.sample(at(2.5)).keys()].sort(), [1, 2]);
  assert.deepEqual([...interpolator.sample(at(3)).keys()], [2]);
});

test("a jump (respawn) is not slid across the map", () => {
  const interpolator = new Interpolator({ tickRate: TICK_RATE });
  const at = (x) => new Map([[1, { x, y: 0, angle: 0, hp: 1, kind: KIND.SHIP, name: "" }]]);
  interpolator.push(1, at(10), 0);
  interpolator.push(2, at(900), TICK_MS);
  assert.equal(interpolator.sample(2.5 * TICK_MS).get(1).x, 10);
});

test("angles turn the short way round", () => {
  const half = lerpAngle(3.0, -3.0, 0.5);
  assert.ok(Math.abs(Math.abs(half) - Math.PI) < 0.3, `went the long way: ${half}`);
  assert.equal(lerpAngle(0.5, 1.5, 0.5), 1.0);
});

test("the server clock follows early arrivals and ignores one late one", () => {
  const clock = new ServerClock(TICK_RATE);
  clock.observe(10, 10 * TICK_MS + 40);
  clock.observe(11, 11 * TICK_MS + 20);
  const settled = clock.tickAt(1000);
  clock.observe(12, 12 * TICK_MS + 200);
  assert.ok(Math.abs(clock.tickAt(1000) - settled) < 0.2, "one late state shifted the clock");
});
