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
const CELL_STATE = protocol.cell_state;
const { EVENT, ACK } = msgpackParser.PacketType;

const MAX_REDIRECTS = 3; // `moved` answers followed for one join, as the Tickwire clients do

// Connect, quick-join a room of a bench game (bench/game.py) and follow its states.
// o: {url, deflate, players, npcs, game, probe, timeoutMs}. A probe decodes every state (for
// latency, message sizes and counts); other clients only count frames, undecoded.
// In a cluster the answer may be `moved` (shared/PROTOCOL.md "Clusters and redirects"): the
// room lives on another node, which holds a seat for us; the client connects there with the
// same auth, closes the first socket and joins with the reservation.
async function connectTickwire(index, o) {
  const auth = { v: protocol.version, name: 'bot' + index };
  let sock = null;
  let lastAckBytes = null;
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
  const follower = new AckFollower(client);

  async function open(url) {
    const socket = io(url, {
      transports: ['websocket'], forceNew: true, reconnection: false, timeout: o.timeoutMs,
      perMessageDeflate: o.deflate ? { threshold: 1024 } : false, // a browser offers it
      auth, parser: msgpackParser,
    });
    if (o.probe) { // remember each packet's size on the wire, before it is decoded
      const decoder = socket.io.decoder;
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
    socket.on(EVENTS.state, (message) => follower.state(message));
    socket.on('disconnect', (reason) => {
      if (reason !== 'io client disconnect') meter.disconnects++;
    });
    try {
      await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
    } catch (error) {
      socket.close();
      throw error;
    }
    return socket;
  }

  const request = (event, payload) => sock.timeout(o.timeoutMs).emitWithAck(event, payload);

  async function follow(redirect) {
    const { url, reservation } = redirect || {};
    if (typeof url !== 'string' || typeof reservation !== 'string') {
      throw new Error('moved without a redirect url and reservation');
    }
    sock.close();
    sock = await open(url);
    meter.redirects++;
    return request(EVENTS.join, { reservation });
  }

  sock = await open(o.url);
  try {
    let answer = await request(EVENTS.quick_join, {
      game: o.game, settings: { npcs: o.npcs }, max_players: o.players,
    });
    for (let hops = 0; !answer.ok && answer.code === 'moved' && hops < MAX_REDIRECTS; hops++) {
      answer = await follow(answer.redirect);
    }
    if (!answer.ok) throw new Error(`${answer.code}: ${answer.message}`);
    follower.joined(answer.player_id, answer.keyframe, answer.interest !== undefined);
  } catch (error) {
    sock.close();
    throw error;
  }
  if (!o.probe) sock.io.decoder.add = () => { if (meter.counting) client.states++; };
  return client;
}

// Follows this player's acknowledged input: the keyframe's absolute ack, then the delta-coded
// increases of each state (with interest management, each state's own absolute ack). States
// that arrive before the join answer wait for its keyframe.
class AckFollower {
  constructor(client) {
    this.client = client;
    this.playerId = null;
    this.interest = false;
    this.tick = 0;
    this.ack = 0;
    this.early = [];
  }

  joined(playerId, keyframe, interest) {
    this.playerId = playerId;
    this.interest = interest;
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
    if (this.interest) {
      this.ack = message[CELL_STATE.ack];
      client.tracker.ack(this.ack);
      return;
    }
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
