// The renderer's hit flash: any ship or drone whose health drops flashes for a moment.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KIND } from "../../shared/games/arena.js";
import { HitFlashes } from "../../client/web/src/render.js";

const ship = (hp) => ({ kind: KIND.SHIP, hp, x: 0, y: 0 });
const drone = (hp) => ({ kind: KIND.DRONE, hp, x: 0, y: 0 });

test("a remote ship and a drone flash when their health drops, then fade within 150 ms", () => {
  const flashes = new HitFlashes();
  flashes.observe(new Map([[2, ship(100)], [7, drone(50)]]), null, 1000);
  assert.equal(flashes.level(2, 1000), 0);
  flashes.observe(new Map([[2, ship(75)], [7, drone(25)]]), null, 1100);
  assert.equal(flashes.level(2, 1100), 1);
  assert.equal(flashes.level(7, 1100), 1);
  assert.equal(flashes.level(2, 1175), 0.5);
  assert.equal(flashes.level(7, 1250), 0);
  flashes.observe(new Map([[2, ship(75)], [7, drone(25)]]), null, 1300); // no new hit
  assert.equal(flashes.level(2, 1300), 0);
});

test("your own ship flashes on its newest health, and coming back does not flash", () => {
  const flashes = new HitFlashes();
  const drawn = new Map([[1, ship(100)]]); // the interpolated state, behind your own
  flashes.observe(drawn, { id: 1, hp: 100 }, 0);
  flashes.observe(drawn, { id: 1, hp: 75 }, 50);
  assert.equal(flashes.level(1, 50), 1);
  flashes.observe(new Map([[1, ship(0)]]), { id: 1, hp: 0 }, 500);
  flashes.observe(new Map([[1, ship(100)]]), { id: 1, hp: 100 }, 1000); // respawned
  assert.equal(flashes.level(1, 1000), 0);
});

test("an entity that left is forgotten: coming back with less health is no hit", () => {
  const flashes = new HitFlashes();
  flashes.observe(new Map([[3, ship(100)]]), null, 0);
  flashes.observe(new Map(), null, 50);
  flashes.observe(new Map([[3, ship(50)]]), null, 100);
  assert.equal(flashes.level(3, 100), 0);
});
