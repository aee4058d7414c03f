// The seat in a room: keyframe recovery after a tick gap, inputs, and resuming after a drop,
// against a stand-in connection that plays the server's side.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KIND, move } from "../../shared/games/arena.js";
import spec from "../../shared/protocol.json" with { type: "json" };
import { TickwireError } from "../../client/web/src/errors.js";
import { GameClient } from "../../client/web/src/game_client.js";

const SCHEMA = [["x", "num", 0.25], ["y", "num", 0.25], ["angle", "angle", 8], ["hp", "num", 1],
  ["score", "num", 1], ["kind", "num", 1], ["name", "str", 16]];
const INPUTS = [["dx", "num", -1, 1], ["dy", "num", -1, 1], ["aim", "num", -7, 7], ["fire", "bool", 0, 0]];
const ME = 7;

/** The welcome answer for a room with only our ship, at (x/4, 500), `ack` inputs applied. */
function welcome({ tick = 10, x = 2000, ack = 0, token = "room1.first" } = {}) {
  return {
    ok: true,
    room: { id: "room1", code: "ABC234", tick_rate: 20, players: [{ id: ME, name: "me" }], status: { phase: "warmup" } },
    player_id: ME,
    token,
    schema: SCHEMA,
    inputs: INPUTS,
    settings_schema: [],
    keyframe: [tick, [[ME, x, 2000, 0, 100, 0, KIND.SHIP, "me"]], [ME, ack]],
  };
}

/** Plays the server: records what the client sends, answers its requests on demand. */
class FakeConnection {
  constructor() {
    this.connected = true;
    this.handlers = new Map();
    this.sent = [];
    this.pending = [];
    this.onDrop = () => {};
    this.onReconnect = () => {};
  }

  on(event, handler) {
    this.handlers.set(event, handler);
  }

  send(event, payload) {
    this.sent.push([event, payload]);
  }

  request(event, payload = {}, onAnswer = () => {}) {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, payload, reply: (answer) => {
        if (answer.ok) {
          onAnswer(answer);
          resolve(answer);
        } else {
          reject(new TickwireError(answer.code, answer.message, answer.redirect));
        }
      } });
    });
  }

  /** Another server of the cluster: the connection moves there. */
  async moveTo(url) {
    this.moves = [...(this.moves ?? []), url];
  }

  /** The oldest unanswered request named `event` (removed from the queue). */
  take(event) {
    const index = this.pending.findIndex((request) => request.event === event);
    assert.notEqual(index, -1, `no ${event} request was sent`);
    return this.pending.splice(index, 1)[0];
  }

  /** The server emits `event`. */
  emit(event, payload) {
    this.handlers.get(event)(payload);
  }
}

async function seated(options) {
  const connection = new FakeConnection();
  const client = new GameClient(connection);
  const joining = client.join("abc234");
  connection.take("join").reply(welcome(options));
  await joining;
  return { connection, client };
}

/** Leave the room, the server agreeing. */
async function leave({ connection, client }) {
  const leaving = client.leave();
  connection.take("leave").reply({ ok: true });
  await leaving;
}

test("a tick gap asks for one keyframe and the mirror recovers from it", async () => {
  const seat = await seated();
  const { connection, client } = seat;
  connection.emit("s", [11, [1, 1, ME, 4]]);
  assert.equal(client.me().x, 501);
  connection.emit("s", [13, [1, 1, ME, 4]]); // tick 12 never came
  connection.emit("s", [14, [1, 1, ME, 4]]);
  const sync = connection.take("sync");
  assert.equal(connection.pending.filter((r) => r.event === "sync").length, 0);
  sync.reply({ ok: true, keyframe: [20, [[ME, 2100, 2000, 0, 100, 0, KIND.SHIP, "me"]], [ME, 0]] });
  connection.emit("s", [21, [1, 1, ME, 4]]);
  assert.equal(client.mirror.tick, 21);
  assert.equal(client.me().x, 526);
  await leave(seat);
});

test("in an interest-managed room the mirror follows cells and prediction the room's world", async () => {
  const connection = new FakeConnection();
  const client = new GameClient(connection);
  const joining = client.join("abc234");
  const ship = [ME, 15990, 2000, 0, 100, 0, KIND.SHIP, "me"]; // x 3997.5, past the arena's 1000
  connection.take("join").reply({ ...welcome(), interest: { world: 4000, cell: 400, view: 1, slack: 50 },
    keyframe: [10, [[19, [ship]]], [ME, 0]] });
  await joining;
  assert.equal(client.world, 4000);
  assert.deepEqual(client.mirror.cells, new Map([[19, new Set([ME])]]));
  const drone = [5, 13000, 1500, 0, 50, 0, KIND.DRONE, "d"];
  connection.emit("s", [11, 0, [], [[8, [drone]]], [[19, [-4, 0]]]]); // a cell comes into view, ME moves
  assert.deepEqual(client.mirror.cells, new Map([[19, new Set([ME])], [8, new Set([5])]]));
  assert.equal(client.me().x, 3996.5);
  connection.emit("s", [12, 0, [8], [], []]); // and goes
  assert.deepEqual([...client.mirror.entities.keys()], [ME]);
  assert.equal(client.mirror.tick, 12);
  client.sendInput({ fire: false, aim: 0, dy: 0, dx: 1 });
  assert.deepEqual(client.predictor.position, move(3996.5, 500, 1, 0, 1 / 20, 4000));
  await leave({ connection, client });
});

test("inputs go out in the server's field order, numbered, and move the ship at once", async () => {
  const seat = await seated();
  const { connection, client } = seat;
  client.sendInput({ fire: true, aim: 0.5, dy: 0, dx: 1 });
  client.sendInput({ fire: false, aim: 0.5, dy: 1, dx: 0 });
  assert.deepEqual(connection.sent, [["i", [1, 1, 0, 0.5, true]], ["i", [2, 0, 1, 0.5, false]]]);
  const once = move(500, 500, 1, 0, 1 / 20);
  assert.deepEqual(client.predictor.position, move(...once, 0, 1, 1 / 20));
  await leave(seat);
});

test("after a drop the seat is resumed with the token and numbering goes on", async () => {
  const seat = await seated();
  const { connection, client } = seat;
  const links = [];
  client.onLink = (state) => links.push(state);
  client.sendInput({ dx: 1, dy: 0, aim: 0, fire: false });
  client.sendInput({ dx: 1, dy: 0, aim: 0, fire: false });
  connection.onDrop("transport close");
  assert.deepEqual(links, ["reconnecting"]);
  const resuming = connection.onReconnect();
  const resume = connection.take("resume");
  assert.deepEqual(resume.payload, { token: "room1.first" });
  resume.reply(welcome({ tick: 40, ack: 1, token: "room1.second" }));
  await resuming;
  assert.deepEqual(links, ["reconnecting", "online"]);
  assert.equal(client.room.id, "room1");
  client.sendInput({ dx: 0, dy: 1, aim: 0, fire: false });
  assert.equal(connection.sent.at(-1)[1][0], 3);
  connection.onDrop("transport close");
  const again = connection.onReconnect();
  const second = connection.take("resume");
  assert.deepEqual(second.payload, { token: "room1.second" }); // each token is used once
  second.reply(welcome({ tick: 50, ack: 3, token: "room1.third" }));
  await again;
  await leave(seat);
});

test("a refused resume ends the seat with the server's reason", async () => {
  const { connection, client } = await seated();
  const closed = [];
  client.onClosed = (error) => closed.push(error);
  connection.onDrop("transport close");
  const resuming = connection.onReconnect();
  connection.take("resume").reply({ ok: false, code: "seat_expired", message: "Your seat was released; join again from the lobby" });
  await resuming;
  assert.equal(client.room, null);
  assert.equal(closed[0].code, "seat_expired");
  assert.match(closed[0].message, /seat was released/);
});

test("create and quick play ask for protocol.json's default game and room sizes", async () => {
  const connection = new FakeConnection();
  const client = new GameClient(connection);
  const { game, max_players, max_spectators } = spec.defaults;
  const creating = client.create({ public: false });
  const create = connection.take("create");
  assert.deepEqual(create.payload, { game, max_players, max_spectators, settings: {}, public: false });
  create.reply(welcome());
  await creating;
  await leave({ connection, client });
  const playing = client.quickPlay();
  const quick = connection.take("quick");
  assert.deepEqual(quick.payload, { game, settings: {}, max_players });
  quick.reply(welcome());
  await playing;
  await leave({ connection, client });
});

test("game messages reach onMessage while seated; malformed ones are ignored", async () => {
  const connection = new FakeConnection();
  const client = new GameClient(connection);
  const received = [];
  client.onMessage = (kind, payload) => received.push([kind, payload]);
  connection.emit("m", ["kill", { victim: "early" }]); // not in a room yet
  const joining = client.join("abc234");
  connection.take("join").reply(welcome());
  await joining;
  const kill = { killer: "me", killer_id: ME, victim: "drone1", victim_id: 3 };
  connection.emit("m", ["kill", kill]);
  connection.emit("m", ["cue"]);
  connection.emit("m", [7, "not a kind"]);
  connection.emit("m", { kind: "kill" });
  connection.emit("m", ["cue", null, "extra"]);
  connection.emit("m", ["cue", null]);
  assert.deepEqual(received, [["kill", kill], ["cue", null]]);
  await leave({ connection, client });
  connection.emit("m", ["kill", kill]);
  assert.equal(received.length, 2);
});

test("a moved answer moves the connection and joins there with the reservation", async () => {
  const connection = new FakeConnection();
  const client = new GameClient(connection);
  const joining = client.join("abc234");
  const redirect = { url: "http://node-2:8002", reservation: "v1.opaque.sig", room: "room1" };
  connection.take("join").reply({ ok: false, code: "moved", message: "elsewhere", redirect });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(connection.moves, ["http://node-2:8002"]);
  const redeem = connection.take("join");
  assert.deepEqual(redeem.payload, { reservation: "v1.opaque.sig" });
  redeem.reply(welcome());
  assert.equal((await joining).id, "room1");
  assert.equal(client.playerId, ME);
  const announced = [];
  client.onAnnounce = (text) => announced.push(text);
  connection.emit("announce", { message: "maintenance at noon" });
  assert.deepEqual(announced, ["maintenance at noon"]);
  await leave({ connection, client });
});

test("a resume answered moved resumes on the named server with the same token", async () => {
  const seat = await seated();
  const { connection, client } = seat;
  connection.onDrop("transport close");
  const resuming = connection.onReconnect();
  connection.take("resume").reply({ ok: false, code: "moved", message: "", redirect: { url: "http://n3:1" } });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(connection.moves, ["http://n3:1"]);
  const again = connection.take("resume");
  assert.deepEqual(again.payload, { token: "room1.first" });
  again.reply(welcome({ token: "room1.second" }));
  await resuming;
  assert.equal(client.room.id, "room1");
  await leave(seat);
});

test("redirects stop after three in a row", async () => {
  const connection = new FakeConnection();
  const client = new GameClient(connection);
  const joining = client.join("abc234");
  const moved = { ok: false, code: "moved", message: "", redirect: { url: "http://x:1", reservation: "v1.a.b" } };
  for (let hop = 0; hop < 4; hop += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    connection.take("join").reply(moved);
  }
  await assert.rejects(joining, (error) => error.code === "moved");
  assert.equal(connection.moves.length, 3);
});
