// Prediction and reconciliation of your own ship, with the arena's real movement rule.
import assert from "node:assert/strict";
import { test } from "node:test";
import { move } from "../../shared/games/arena.js";
import { MoveTimeline, Predictor } from "../../client/web/src/prediction.js";

const DT = 1 / 20;

/** A predictor that the server has put at (`x`, `y`) with nothing pending. */
function placed(x = 500, y = 500) {
  const predictor = new Predictor(move, DT);
  predictor.reconcile(x, y, 0, 0);
  return predictor;
}

/** Where the server has the ship after applying `inputs` ([dx, dy] each) from (x, y). */
function serverAfter(inputs, x = 500, y = 500) {
  return inputs.reduce(([px, py], [dx, dy]) => move(px, py, dx, dy, DT), [x, y]);
}

test("an input moves the ship at once, by the server's rule", () => {
  const predictor = placed();
  predictor.apply(1, 1, 0);
  assert.deepEqual(predictor.position, move(500, 500, 1, 0, DT));
});

test("agreeing server states change nothing and drop acknowledged inputs", () => {
  const predictor = placed();
  const inputs = [[1, 0], [1, 1], [0, -1], [-1, 0]];
  inputs.forEach(([dx, dy], i) => predictor.apply(i + 1, dx, dy));
  const predicted = predictor.position;
  const [x, y] = serverAfter(inputs.slice(0, 2));
  predictor.reconcile(x, y, 2, 100);
  assert.deepEqual(predictor.position, predicted);
  assert.deepEqual(predictor.pending.map((input) => input.seq), [3, 4]);
});

test("a disagreeing server state is taken and the unacknowledged inputs replayed", () => {
  const predictor = placed();
  const inputs = [[1, 0], [1, 0], [0, 1], [0, 1]];
  inputs.forEach(([dx, dy], i) => predictor.apply(i + 1, dx, dy));
  // The server dropped input 2 (its move budget was spent): it has the ship after 1 only.
  const [x, y] = serverAfter(inputs.slice(0, 1));
  predictor.reconcile(x, y, 2, 100);
  assert.deepEqual(predictor.position, serverAfter(inputs.slice(2), x, y));
});

test("a misprediction is blended away, a respawn is not", () => {
  const predictor = placed();
  predictor.apply(1, 1, 0);
  predictor.reconcile(500, 500, 1, 1000); // the server did not move us
  const right = predictor.drawPosition(1, 1000);
  assert.ok(right[0] > 500, "the correction was not blended");
  const later = predictor.drawPosition(1, 2000);
  assert.ok(Math.abs(later[0] - 500) < 1e-3, "the correction never faded");
  predictor.reconcile(100, 900, 1, 3000);
  assert.deepEqual(predictor.drawPosition(1, 3000), [100, 900]);
});

test("a correction is blended away evenly and is gone well within 100 ms", () => {
  const predictor = placed();
  predictor.apply(1, 1, 0);
  predictor.reconcile(500, 500, 1, 1000); // the server did not move us: 7.5 units back
  const [x] = move(500, 500, 1, 0, DT);
  const left = (now) => predictor.drawPosition(1, now)[0] - 500;
  assert.equal(left(1000), x - 500);
  assert.ok(Math.abs(left(1040) - (x - 500) / 2) < 1e-9, "not halfway after 40 ms");
  assert.equal(left(1080), 0);
});

test("a new input is drawn on from where the ship is drawn, not from where it was predicted", () => {
  const predictor = placed();
  predictor.apply(1, 1, 0);
  const [x] = move(500, 500, 1, 0, DT);
  const midway = predictor.drawPosition(0.4, 0)[0];
  predictor.apply(2, 0, 0, 0.4); // the key was released 40% of the way through the move
  assert.equal(predictor.drawPosition(0, 0)[0], midway);
  assert.equal(predictor.drawPosition(1, 0)[0], x);
});

test("drawing slides from the previous input's position to the latest", () => {
  const predictor = placed();
  predictor.apply(1, 1, 0);
  const [x] = move(500, 500, 1, 0, DT);
  assert.equal(predictor.drawPosition(0, 0)[0], 500);
  assert.equal(predictor.drawPosition(0.5, 0)[0], (500 + x) / 2);
  assert.equal(predictor.drawPosition(1, 0)[0], x);
});

test("an inactive ship (dead, round over) does not move on input", () => {
  const predictor = placed();
  predictor.active = false;
  predictor.apply(1, 1, 0);
  assert.deepEqual(predictor.position, [500, 500]);
  predictor.reconcile(300, 300, 0, 100);
  assert.deepEqual(predictor.position, [300, 300]);
});

test("a key press's move shows on the very next frame, even one stamped before the press", () => {
  const frameMs = 1000 / 60;
  const lastFrame = 1000;
  const press = 1016; // just before the next frame; the input due next is a tick away
  const until = press + 2 * DT * 1000; // that input's move is drawn until the one after it
  const nextFrame = 1014; // a frame's timestamp is when it began: it can precede the press
  const moved = (lead) => {
    const predictor = placed();
    const timeline = new MoveTimeline();
    predictor.apply(1, 1, 0, timeline.progress(lastFrame));
    timeline.start(lastFrame, until, lead);
    return predictor.drawPosition(timeline.progress(nextFrame), nextFrame)[0] - 500;
  };
  assert.ok(moved(0) < 1); // spread evenly, the first frame would draw less than a pixel
  assert.ok(moved(frameMs) >= 1, `${moved(frameMs)}`);
});

test("a move's timeline runs evenly from its floor to the whole move, never back", () => {
  const timeline = new MoveTimeline();
  assert.equal(timeline.progress(0), 1); // nothing to draw yet
  timeline.start(100, 200, 25);
  assert.deepEqual([90, 110, 125, 150, 200, 250].map((t) => timeline.progress(t)),
    [0.25, 0.25, 0.25, 0.5, 1, 1]);
});
