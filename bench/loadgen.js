// Load generator for `make bench`: many simulated players in one Node process.
//   node bench/loadgen.js --system tickwire|colyseus --port P[,P2...] --clients N --players 8
//        --npcs 16 [--game bench] [--warmup 4] [--duration 15] [--max-time 120] [--probes 0] [--deflate 1]
//        [--by-room 0]
// With several ports (a cluster's nodes), client k connects to the k-th port round-robin;
// a Tickwire client sent to another node (`moved`) follows the redirect. With --by-room 1
// (separate servers), room k's clients (k*players and on) connect to the k-th port instead,
// so each server fills whole rooms.
// Each client sends one input every 50 ms (sends spread over 10 slots of 5 ms) and follows
// its acknowledged input. --probes K > 0 is the light mode for capacity runs: only K clients,
// spread over the rooms, decode states; the others count frames without decoding them.
// Prints "CONNECTED n/N", then "WINDOW_START" and "WINDOW_END" around the measured window,
// then "RESULT {json}", and disconnects once a line arrives on stdin (or after 10 s).
// Bounded in clients (5000) and time (--max-time, a hard exit).
'use strict';
const { parseArgs } = require('node:util');
const { meter, percentile } = require('./clients/meter');
const { connectTickwire } = require('./clients/tickwire');
const { connectColyseus } = require('./clients/colyseus');

const MAX_CLIENTS = 5000;
const CONNECT_CONCURRENCY = 20;
const INPUT_SLOTS = 10; // 10 slots of 5 ms = one input per client every 50 ms
const KEYFRAME_SAMPLES = 5; // probes that fetch a keyframe to measure its size
const RELEASE_TIMEOUT_MS = 10000;

const { values: args } = parseArgs({
  options: {
    system: { type: 'string', default: 'tickwire' },
    port: { type: 'string', default: '8000' },
    clients: { type: 'string', default: '16' },
    players: { type: 'string', default: '8' },
    npcs: { type: 'string', default: '16' },
    game: { type: 'string', default: 'bench' },
    warmup: { type: 'string', default: '4' },
    duration: { type: 'string', default: '15' },
    'max-time': { type: 'string', default: '120' },
    probes: { type: 'string', default: '0' },
    deflate: { type: 'string', default: '1' },
    'by-room': { type: 'string', default: '0' },
  },
});
const CLIENTS = Math.min(+args.clients, MAX_CLIENTS);
const PROBES = +args.probes > 0 ? Math.min(+args.probes, CLIENTS) : CLIENTS;
const PROBE_STRIDE = Math.floor(CLIENTS / PROBES); // rooms fill in order: spread the probes
const PORTS = args.port.split(',');
const portOf = (index) => (args['by-room'] === '1' ? Math.floor(index / +args.players) : index);

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const connectors = { tickwire: connectTickwire, colyseus: connectColyseus };

async function connectAll(connect) {
  const options = (index) => ({
    url: `http://127.0.0.1:${PORTS[portOf(index) % PORTS.length]}`, deflate: args.deflate === '1',
    players: +args.players, npcs: +args.npcs, game: args.game, probe: index % PROBE_STRIDE === 0,
    timeoutMs: 20000,
  });
  const clients = [];
  let next = 0, errors = 0;
  async function worker() {
    while (next < CLIENTS) {
      const index = next++;
      try {
        clients.push(await connect(index, options(index)));
      } catch (error) {
        if (++errors <= 5) console.error('connect error:', error && error.message);
      }
    }
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  return { clients, errors };
}

function sendInputs(clients) {
  let slot = 0;
  return setInterval(() => {
    for (let k = slot; k < clients.length; k += INPUT_SLOTS) clients[k].send();
    slot = (slot + 1) % INPUT_SLOTS;
  }, 5);
}

async function measureKeyframes(clients) {
  const samplers = clients.filter((c) => c.probe && c.measureKeyframe).slice(0, KEYFRAME_SAMPLES);
  await Promise.all(samplers.map((c) => c.measureKeyframe().catch(() => null)));
  const sizes = samplers.map((c) => c.keyframeBytes).filter((size) => size !== null);
  return sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : null;
}

function summarize(clients, errors, connectSeconds, windowSeconds, cpuMicros, keyframeBytes) {
  const n = clients.length;
  const states = clients.map((c) => c.states);
  const totalStates = states.reduce((a, b) => a + b, 0);
  const probes = clients.filter((c) => c.probe);
  const probeStates = probes.reduce((a, c) => a + c.states, 0);
  const probeStateBytes = probes.reduce((a, c) => a + c.stateBytes, 0);
  const stateBytes = probeStateBytes && probeStates ? probeStateBytes / probeStates : null;
  const round = (value, digits = 0) => (value === null ? null : +value.toFixed(digits));
  return {
    system: args.system, clients: n, wanted: CLIENTS, connect_errors: errors,
    disconnects: meter.disconnects, redirects: meter.redirects, probes: probes.length,
    connect_s: round(connectSeconds, 1), window_s: round(windowSeconds, 2),
    bytes_per_client_s: n ? Math.round(meter.tcpBytes / n / windowSeconds) : null,
    bytes_per_msg: totalStates ? Math.round(meter.tcpBytes / totalStates) : null,
    msgs_per_client_s: n ? round(totalStates / n / windowSeconds, 2) : null,
    msgs_per_client_s_min: n ? round(Math.min(...states) / windowSeconds, 2) : null,
    state_bytes: round(stateBytes, 1), keyframe_bytes: round(keyframeBytes, 1),
    delta_to_keyframe: stateBytes && keyframeBytes ? round(stateBytes / keyframeBytes, 3) : null,
    lat_p50_ms: percentile(meter.latencies, 0.5), lat_p95_ms: percentile(meter.latencies, 0.95),
    lat_p99_ms: percentile(meter.latencies, 0.99), lat_samples: meter.latencies.length,
    state_gaps: clients.reduce((a, c) => a + c.gaps, 0),
    inputs_sent: clients.reduce((a, c) => a + c.tracker.seq, 0),
    loadgen_cpu_pct: round(cpuMicros / 1e4 / windowSeconds, 1),
  };
}

// Clients stay connected until the harness, which reads the server at WINDOW_END, writes a
// line to our stdin (rooms that close when empty would otherwise be gone before it looks).
function released() {
  if (process.stdin.isTTY) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, RELEASE_TIMEOUT_MS);
    const release = () => { clearTimeout(timer); resolve(); };
    process.stdin.once('data', release).once('end', release);
  });
}

async function main() {
  const hardStop = setTimeout(() => {
    console.error('loadgen: --max-time reached');
    process.exit(2);
  }, +args['max-time'] * 1000);
  const connect = connectors[args.system];
  if (!connect) throw new Error(`unknown --system ${args.system}`);
  const connectStart = performance.now();
  const { clients, errors } = await connectAll(connect);
  const connectSeconds = (performance.now() - connectStart) / 1000;
  console.log(`CONNECTED ${clients.length}/${CLIENTS} in ${connectSeconds.toFixed(1)}s`);
  const inputs = sendInputs(clients);
  await sleep(+args.warmup);

  const cpuStart = process.cpuUsage();
  const windowStart = performance.now();
  meter.counting = true;
  console.log('WINDOW_START');
  await sleep(+args.duration / 2);
  const keyframeBytes = await measureKeyframes(clients);
  await sleep(Math.max(0, +args.duration - (performance.now() - windowStart) / 1000));
  meter.counting = false;
  console.log('WINDOW_END');
  const windowSeconds = (performance.now() - windowStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  clearInterval(inputs);

  const result = summarize(clients, errors, connectSeconds, windowSeconds, cpu.user + cpu.system,
                           keyframeBytes);
  console.log('RESULT ' + JSON.stringify(result));
  await released();
  for (const client of clients) {
    try { client.close(); } catch { /* already gone */ }
  }
  clearTimeout(hardStop);
  setTimeout(() => process.exit(0), 300);
}

main().catch((error) => { console.error(error); process.exit(1); });
