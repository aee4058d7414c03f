// The lobby's match history: how a match's length reads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration } from "../../client/web/src/history_panel.js";

test("a match length reads as minutes and seconds", () => {
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(75.2), "1:15");
  assert.equal(formatDuration(3599.6), "60:00");
  assert.equal(formatDuration(-3), "0:00");
});
