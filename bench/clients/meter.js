// What the load generator measures, shared by every simulated client of one process:
// TCP bytes received (all frames with their headers, after any compression), input->ack
// latencies, disconnects, redirects followed, and the window flag that says whether anything
// counts right now.
'use strict';
const net = require('node:net');

const RING = 256; // inputs a client remembers the send time of (12.8 s at 20 Hz)

const meter = { counting: false, tcpBytes: 0, latencies: [], disconnects: 0, redirects: 0 };

// Every socket in this process is a client socket to the server under test.
const originalEmit = net.Socket.prototype.emit;
net.Socket.prototype.emit = function countData(event, chunk) {
  if (meter.counting && event === 'data') meter.tcpBytes += chunk.length;
  return originalEmit.apply(this, arguments);
};

// One client's inputs: sequence numbers, a direction that wanders like the anchors' bots,
// and the latency from sending an input to the first state that acknowledges it.
class InputTracker {
  constructor() {
    this.seq = 0;
    this.acked = 0;
    this.sentAt = new Float64Array(RING);
    this.dx = Math.random() * 2 - 1;
    this.dy = Math.random() * 2 - 1;
  }

  next() {
    if (Math.random() < 0.05) { this.dx = Math.random() * 2 - 1; this.dy = Math.random() * 2 - 1; }
    this.seq++;
    this.sentAt[this.seq % RING] = performance.now();
    return this.seq;
  }

  // The server has applied every input up to `seq`: each newly acknowledged one is a sample.
  ack(seq) {
    if (seq <= this.acked) return;
    if (meter.counting) {
      const now = performance.now();
      const first = Math.max(this.acked + 1, this.seq - RING + 1);
      const last = Math.min(seq, this.seq);
      for (let s = first; s <= last; s++) meter.latencies.push(now - this.sentAt[s % RING]);
    }
    this.acked = seq;
  }
}

function percentile(values, p) {
  if (!values.length) return null;
  const sorted = Float64Array.from(values).sort();
  return +sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(2);
}

module.exports = { meter, InputTracker, percentile };
