// The virtual stick's reading, which becomes the input's `dx, dy` (each within -1..1 on the wire).
import assert from "node:assert/strict";
import { test } from "node:test";
import { stickPush } from "../../client/web/src/touch.js";

const RADIUS = 56;

test("a thumb at or near the centre reads as no push", () => {
  assert.deepEqual(stickPush(0, 0, RADIUS), [0, 0]);
  assert.deepEqual(stickPush(5, -5, RADIUS), [0, 0]);
});

test("the push grows from the dead zone to full at the rim, keeping the direction", () => {
  assert.deepEqual(stickPush(RADIUS, 0, RADIUS), [1, 0]);
  assert.deepEqual(stickPush(0, -RADIUS, RADIUS), [0, -1]);
  const [dx, dy] = stickPush(RADIUS / 2, 0, RADIUS);
  assert.ok(Math.abs(dx - (0.5 - 0.15) / 0.85) < 1e-12 && dy === 0, `half way reads ${dx}`);
  const [ex, ey] = stickPush(-3, 4, 5 / 0.6); // 0.6 of the radius, up and to the left
  assert.ok(Math.abs(Math.hypot(ex, ey) - (0.6 - 0.15) / 0.85) < 1e-12);
  assert.ok(Math.abs(Math.atan2(ey, ex) - Math.atan2(4, -3)) < 1e-12);
});

test("no reading leaves -1..1, at any radius and angle up to the rim", () => {
  for (let radius = 20; radius <= 90; radius += 0.5) {
    for (let step = 0; step < 360; step += 1) {
      const angle = (step * Math.PI) / 180;
      const [dx, dy] = stickPush(Math.cos(angle) * radius, Math.sin(angle) * radius, radius);
      assert.ok(Math.abs(dx) <= 1 && Math.abs(dy) <= 1 && Math.hypot(dx, dy) <= 1 + 1e-12,
        `radius ${radius}, ${step}°: ${dx}, ${dy}`);
    }
  }
});
