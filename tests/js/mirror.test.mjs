// The browser's state mirror: keyframes, deltas, and tick gaps.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EntitySchema } from "../../shared/schema.js";
import { StateMirror } from "../../client/web/src/mirror.js";

const SCHEMA = new EntitySchema([["x", "num", 0.25], ["angle", "angle", 8], ["name", "str", 16]]);

function mirrorAt(tick) {
  const mirror = new StateMirror(SCHEMA, 7);
  mirror.loadKeyframe([tick, [[7, 400, 250, "me"]], [7, 3]]);
  return mirror;
}

test("a keyframe, then deltas, give readable values and acks", () => {
  const mirror = mirrorAt(10);
  // tick 11: entity 7 moved +4 steps and turned +10 (wrapping), ack +2, entity 9 spawned
  assert.ok(mirror.applyState([11, [0b011, 1, 7, 4, 10], [7, 2], [[9, 0, 0, "drone"]]]));
  assert.deepEqual(mirror.entity(7), { x: 101, angle: (4 * 2 * Math.PI) / 256, name: "me" });
  assert.equal(mirror.ack, 5);
  assert.equal(mirror.entity(9).name, "drone");
});

test("a tick gap loses sync until the next keyframe", () => {
  const mirror = mirrorAt(10);
  assert.equal(mirror.applyState([12]), false);
  assert.equal(mirror.synced, false);
  assert.equal(mirror.gaps, 1);
  assert.ok(mirror.applyState([13, [1, 1, 7, 1]])); // ignored while waiting
  mirror.loadKeyframe([20, [[7, 0, 0, "me"]], []]);
  assert.ok(mirror.applyState([21, [1, 1, 7, 1]]));
  assert.equal(mirror.entity(7).x, 0.25);
});

test("a delta for an unknown entity is treated as a gap", () => {
  const mirror = mirrorAt(10);
  assert.equal(mirror.applyState([11, [1, 1, 99, 1]]), false);
  assert.equal(mirror.synced, false);
});

test("departed players' acks are dropped; removed entities' are kept", () => {
  const mirror = mirrorAt(10);
  assert.ok(mirror.applyState([11, [], [], [], [7]]));
  assert.equal(mirror.entity(7), null);
  assert.equal(mirror.ack, 3);
  assert.ok(mirror.applyState([12, [], [], [], [], [7]]));
  assert.equal(mirror.ack, 0);
});
