// Telling players apart (colour slots from the arena's status, unique names) and the HUD's
// notices of who joined, left, dropped, came back or became host.
import assert from "node:assert/strict";
import { test } from "node:test";
import { playerColor, roomPlayers } from "../../client/web/src/palette.js";
import { roomNews } from "../../client/web/src/room_news.js";

const room = (players, { host = 1, colors = [], started = false } = {}) => ({
  id: "r1", host, started, players, status: { colors },
});
const ann = { id: 1, name: "Ann", connected: true };
const bob = { id: 4, name: "Bob", connected: true };
const bob2 = { id: 9, name: "Bob", connected: true };

test("each player takes the colour of its slot; slots differ, so colours differ", () => {
  const players = roomPlayers(room([ann, bob, bob2], { colors: [[1, 0], [4, 1], [9, 2]] }));
  const colors = [...players.values()].map((p) => p.color);
  assert.deepEqual(colors, [playerColor(0), playerColor(1), playerColor(2)]);
  assert.equal(new Set(colors).size, 3);
});

test("the same name twice is told apart in the order of the ids", () => {
  const players = roomPlayers(room([bob2, ann, bob]));
  assert.deepEqual([...players.values()].map((p) => p.label), ["Ann", "Bob", "Bob (2)"]);
  assert.equal(players.get(9).label, "Bob (2)");
});

test("joins, leaves, drops, returns and a new host are told; your own arrival is not", () => {
  const before = room([ann, bob]);
  assert.deepEqual(roomNews(null, before, 1), []);
  assert.deepEqual(roomNews(before, room([ann, bob, bob2]), 1), ["Bob (2) joined"]);
  assert.deepEqual(roomNews(before, room([ann]), 1), ["Bob left"]);
  assert.deepEqual(roomNews(before, room([ann, { ...bob, connected: false }]), 1), ["Bob lost connection"]);
  assert.deepEqual(roomNews(room([ann, { ...bob, connected: false }]), before, 1), ["Bob is back"]);
  assert.deepEqual(roomNews(before, room([bob], { host: 4 }), 4),
    ["Ann left", "You are now the host — start the round when ready"]);
  assert.deepEqual(roomNews(before, room([bob], { host: 4 }), null), ["Ann left", "Bob is now the host"]);
});
