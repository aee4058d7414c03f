// Colyseus 0.18 reference server for the side-by-side benchmark (ported from the anchors'
// servers/colyseus_server.js): an "arena" room with a Schema state (MapSchema of entities),
// setSimulationInterval(50), patchRate 50, WebSocket transport (permessage-deflate off, its default).
//   node bench/colyseus/server.js [--port 2567] [--npcs 16] [--room-size 8]
// GET /metrics answers Prometheus text with the same tick counters the harness reads from
// Tickwire: colyseus_ticks_total, colyseus_tick_duration_seconds (simulation step + the patch
// that follows it), colyseus_rooms, colyseus_connections.
'use strict';
const { parseArgs } = require('node:util');
const { Server, Room, createRouter, createEndpoint } = require('@colyseus/core');
const { WebSocketTransport } = require('@colyseus/ws-transport');
const { schema, t, MapSchema } = require('@colyseus/schema');
const sim = require('./arena_sim');

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '2567' },
    npcs: { type: 'string', default: '16' },
    'room-size': { type: 'string', default: '8' },
  },
});
const NPCS = +opts.npcs;
const ROOM_SIZE = +opts['room-size'];

const Entity = schema({ id: t.uint32(), x: t.number(), y: t.number(), hp: t.uint8(),
                        score: t.uint32(), name: t.string(), seq: t.uint32() }, 'Entity');
const ArenaState = schema({ tick: t.uint32(), entities: t.map(Entity) }, 'ArenaState');

// Same buckets as Tickwire's tickwire_tick_duration_seconds, so both read alike.
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];
const bucketCounts = new Array(BUCKETS.length + 1).fill(0); // last one is +Inf
let nextId = 1, roomCount = 0, clientCount = 0, totalTicks = 0, tickCount = 0, tickSum = 0;

function observeTick(seconds) {
  let i = 0;
  while (i < BUCKETS.length && seconds > BUCKETS[i]) i++;
  bucketCounts[i]++;
  tickCount++;
  tickSum += seconds;
}

function exposition() { // Prometheus text format, cumulative buckets
  const lines = [`colyseus_ticks_total ${totalTicks}`];
  let cumulative = 0;
  BUCKETS.forEach((bound, i) => {
    cumulative += bucketCounts[i];
    lines.push(`colyseus_tick_duration_seconds_bucket{le="${bound}"} ${cumulative}`);
  });
  lines.push(`colyseus_tick_duration_seconds_bucket{le="+Inf"} ${tickCount}`,
             `colyseus_tick_duration_seconds_count ${tickCount}`,
             `colyseus_tick_duration_seconds_sum ${tickSum}`,
             `colyseus_rooms ${roomCount}`, `colyseus_connections ${clientCount}`);
  return lines.join('\n') + '\n';
}

function copyTo(s, e) { // sim object -> schema (only assigns; schema tracks changed fields)
  s.x = e.x; s.y = e.y;
  if (s.hp !== e.hp) s.hp = e.hp;
  if (s.score !== e.score) s.score = e.score;
  if (e.player && s.seq !== e.seq) s.seq = e.seq;
}

class ArenaRoom extends Room {
  onCreate() {
    roomCount++;
    this.maxClients = ROOM_SIZE;
    this.patchRate = 50;
    this.stepSeconds = 0;
    const st = new ArenaState();
    st.tick = 0;
    if (!st.entities) st.entities = new MapSchema();
    this.setState(st);
    this.sims = new Map(); // key -> plain sim entity
    for (let i = 0; i < NPCS; i++) this.addEntity('n' + i, sim.makeNpc(nextId++));
    this.onMessage('input', (client, msg) => sim.applyInput(this.sims.get(client.sessionId), msg));
    this.setSimulationInterval(() => this.step(), 50);
  }
  addEntity(key, e) {
    const s = new Entity();
    s.id = e.id; s.name = e.name; s.hp = e.hp; s.score = e.score;
    if (e.player) s.seq = e.seq;
    copyTo(s, e);
    this.sims.set(key, e);
    this.state.entities.set(key, s);
  }
  step() {
    const started = performance.now();
    totalTicks++;
    this.state.tick++;
    const ents = this.state.entities;
    for (const [key, e] of this.sims) { sim.stepEntity(e); copyTo(ents.get(key), e); }
    this.stepSeconds = (performance.now() - started) / 1000;
  }
  broadcastPatch() { // a tick is the simulation step plus the patch that ships it
    const started = performance.now();
    const changed = super.broadcastPatch();
    observeTick(this.stepSeconds + (performance.now() - started) / 1000);
    return changed;
  }
  onJoin(client, options) {
    clientCount++;
    this.addEntity(client.sessionId, sim.makePlayer(nextId++, options && options.name));
  }
  onLeave(client) {
    clientCount--;
    this.sims.delete(client.sessionId);
    this.state.entities.delete(client.sessionId);
  }
  onDispose() { roomCount--; }
}

const metrics = createEndpoint('/metrics', { method: 'GET' }, async () => new Response(
  exposition(), { headers: { 'Content-Type': 'text/plain; version=0.0.4' } }));

const gameServer = new Server({ transport: new WebSocketTransport(), greet: false });
gameServer.router = createRouter({ metrics });
gameServer.define('arena', ArenaRoom);
gameServer.listen(+opts.port, '127.0.0.1').then(() => console.log('LISTENING ' + opts.port));
process.on('SIGTERM', () => process.exit(0));
