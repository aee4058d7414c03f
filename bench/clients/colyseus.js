// One simulated player of the Colyseus reference server (bench/colyseus/server.js), with the
// official @colyseus/sdk. Its websocket offers permessage-deflate (ws' default), like a browser.
'use strict';
const { Client } = require('@colyseus/sdk');
const { meter, InputTracker } = require('./meter');

// o: {url, probe}. A probe decodes every patch (for latency and counts); other clients only
// count frames, undecoded.
async function connectColyseus(index, o) {
  const room = await new Client(o.url).joinOrCreate('arena', { name: 'p' + index });
  const client = {
    probe: o.probe, tracker: new InputTracker(), states: 0, stateBytes: 0, gaps: 0,
    keyframeBytes: null,
    send: () => room.send('input', { seq: client.tracker.next(), dx: client.tracker.dx,
                                     dy: client.tracker.dy }),
    close: () => room.leave(true),
    measureKeyframe: null,
  };
  room.onLeave((code) => { if (code !== 4000) meter.disconnects++; }); // 4000: we left
  if (o.probe) {
    room.onStateChange((state) => {
      if (meter.counting) client.states++;
      const me = state.entities && state.entities.get(room.sessionId);
      if (me && me.seq) client.tracker.ack(me.seq);
    });
  } else {
    room.connection.events.onmessage = () => { if (meter.counting) client.states++; };
  }
  return client;
}

module.exports = { connectColyseus };
