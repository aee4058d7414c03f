// One simulated Tickwire player, speaking the real protocol as the browser does: the official
// socket.io-client with socket.io-msgpack-parser, websocket transport, names from shared/.
'use strict';
const { io } = require('socket.io-client');
const msgpackParser = require('socket.io-msgpack-parser');
const protocol = require('../../shared/protocol.json');
const { meter, InputTracker } = require('./meter');

const EVENTS = protocol.events;
const STATE = protocol.state;
const KEYFRAME = protocol.keyframe;
const { EVENT, ACK } = msgpackParser.PacketType;

// Connect, quick-join a room of the bench game (bench/game.py) and follow its states.
// o: {url, deflate, players, npcs, probe, timeoutMs}. A probe decodes every state (for
// latency, message sizes and counts); other clients only count frames, undecoded.
async function connectTickwire(index, o) {
  const sock = io(o.url, {
    transports: ['websocket'], forceNew: true, reconnection: false, timeout: o.timeoutMs,
    perMessageDeflate: o.deflate ? { threshold: 1024 } : false, // a browser offers it
    auth: { v: protocol.version, name: 'bot' + index }, parser: msgpackParser,
  });
  const client = {
    probe: o.probe, tracker: new InputTracker(), states: 0, stateBytes: 0, gaps: 0,
    keyframeBytes: null,
    send: () => sock.emit(EVENTS.input, [client.tracker.next(), client.tracker.dx,
                                         client.tracker.dy, 0, false]),
    close: () => sock.close(),
    measureKeyframe: async () => {
      await sock.timeout(o.timeoutMs).emitWithAck(EVENTS.sync, {});
      client.keyframeBytes = lastAckBytes;
    },
  };
  let lastAckBytes = null;
  if (o.probe) { // remember each packet's size on the wire, before it is decoded
    const decoder = sock.io.decoder;
    const add = decoder.add.bind(decoder);
    let size = 0;
    decoder.add = (data) => { size = data.byteLength; add(data); };
    decoder.on('decoded', (packet) => {
      if (packet.type === ACK) lastAckBytes = size;
      else if (meter.counting && packet.type === EVENT && packet.data[0] === EVENTS.state) {
        client.stateBytes += size;
      }
    });
  }
  const follower = new AckFollower(client);
  sock.on(EVENTS.state, (message) => follower.state(message));
  sock.on('disconnect', (reason) => { if (reason !== 'io client disconnect') meter.disconnects++; });
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('connect_error', reject);
  });
  const answer = await sock.timeout(o.timeoutMs).emitWithAck(EVENTS.quick_join, {
    game: 'bench', settings: { npcs: o.npcs }, max_players: o.players,
  });
  if (!answer.ok) throw new Error(`${answer.code}: ${answer.message}`);
  follower.joined(answer.player_id, answer.keyframe);
  if (!o.probe) sock.io.decoder.add = () => { if (meter.counting) client.states++; };
  return client;
}

// Follows this player's acknowledged input: the keyframe's absolute ack, then the delta-coded
// increases of each state. States that arrive before the join answer wait for its keyframe.
class AckFollower {
  constructor(client) {
    this.client = client;
    this.playerId = null;
    this.tick = 0;
    this.ack = 0;
    this.early = [];
  }

  joined(playerId, keyframe) {
    this.playerId = playerId;
    this.tick = keyframe[KEYFRAME.tick];
    const acks = keyframe[KEYFRAME.acks] || [];
    for (let k = 0; k < acks.length; k += 2) if (acks[k] === playerId) this.ack = acks[k + 1];
    const early = this.early;
    this.early = null;
    for (const message of early) if (message[STATE.tick] > this.tick) this.state(message);
  }

  state(message) {
    if (this.early) { this.early.push(message); return; }
    const client = this.client;
    const tick = message[STATE.tick];
    if (tick !== this.tick + 1) client.gaps++;
    this.tick = tick;
    if (meter.counting) client.states++;
    const acks = message[STATE.acks];
    if (!acks) return;
    for (let k = 0; k < acks.length; k += 2) {
      if (acks[k] === this.playerId) {
        this.ack += acks[k + 1];
        client.tracker.ack(this.ack);
        return;
      }
    }
  }
}

module.exports = { connectTickwire };
