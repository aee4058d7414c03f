// The view around your ship in an interest-managed room stays within what the server sends.
import assert from "node:assert/strict";
import test from "node:test";

import { interestReach, viewScale } from "../../client/web/src/render.js";

test("the interest reach is view cells, or half of view + 1 cells when that is less", () => {
  assert.equal(interestReach({ cell: 450, view: 1 }), 450);
  assert.equal(interestReach({ cell: 200, view: 3 }), 400);
});

test("a wide or tall screen zooms in until its longer side stays within the reach", () => {
  assert.equal(viewScale(1920, 1080), 1.5); // 720 units across the shorter side
  for (const [width, height] of [[1920, 1080], [390, 844], [844, 390], [3440, 1440]]) {
    const scale = viewScale(width, height, 450);
    assert.ok(Math.max(width, height) / scale / 2 <= 450 - 60, `${width}x${height}`);
    assert.ok(Math.min(width, height) / scale <= 720);
  }
  assert.equal(viewScale(700, 700, 450), 700 / 720); // a square screen needs no zoom
});
