/**
 * The Socket.IO connection to a Tickwire server: connect with the protocol version and a
 * display name, send requests and get their answers, listen to server events, and report
 * drops and reconnections. It knows the wire, not the game.
 */
import { io } from "socket.io-client";
import * as msgpackParser from "socket.io-msgpack-parser";
import { VERSION } from "../../../shared/protocol.js";
import { TickwireError } from "./errors.js";

const REQUEST_TIMEOUT_MS = 10000;

/**
 * One connection. `onDrop()` runs when the connection is lost unexpectedly and `onReconnect()`
 * once it is back (socket.io-client reconnects by itself, with the same name).
 */
export class Connection {
  /** `url`: server address (empty for the page's own server); `name`: display name. */
  constructor(url, name) {
    this.name = name;
    this.onDrop = () => {};
    this.onReconnect = () => {};
    this.socket = this.#socketFor(url);
  }

  #handlers = []; // [event, handler] of every listener, for the sockets moved to

  #socketFor(url) {
    const socket = io(url || undefined, {
      autoConnect: false,
      transports: ["websocket", "polling"],
      parser: msgpackParser,
      auth: this.name ? { v: VERSION, name: this.name } : { v: VERSION },
      reconnectionDelay: 300,
      reconnectionDelayMax: 2000,
    });
    socket.on("disconnect", (reason) => this.#dropped(reason));
    for (const [event, handler] of this.#handlers) socket.on(event, handler);
    return socket;
  }

  /**
   * Close this socket and connect to another server of the cluster (`url`, from a `moved`
   * answer) with the same name and listeners; resolves once connected there.
   */
  moveTo(url) {
    this.socket.disconnect();
    this.socket = this.#socketFor(url);
    return this.open();
  }

  /** Connect; resolves once connected, rejects with a TickwireError when refused. */
  open() {
    const socket = this.socket;
    return new Promise((resolve, reject) => {
      const settle = (error) => {
        socket.off("connect", onConnect);
        socket.off("connect_error", onError);
        if (error) {
          socket.disconnect();
          reject(error);
        } else {
          socket.on("connect", () => this.onReconnect());
          resolve(this);
        }
      };
      const onConnect = () => settle(null);
      const onError = (error) => settle(refusal(error));
      socket.on("connect", onConnect);
      socket.on("connect_error", onError);
      socket.connect();
    });
  }

  /** True while the connection is up. */
  get connected() {
    return this.socket.connected;
  }

  /** Close for good (no reconnection). */
  close() {
    this.socket.disconnect();
  }

  /** Drop the transport as a network failure would (used by tests and the debug handle). */
  simulateDrop() {
    this.socket.io.engine.close();
  }

  /** Listen to a server event (on this socket and any the connection moves to). */
  on(event, handler) {
    this.#handlers.push([event, handler]);
    this.socket.on(event, handler);
  }

  /** Send an event that has no answer (inputs); dropped while disconnected. */
  send(event, payload) {
    if (this.socket.connected) this.socket.emit(event, payload);
  }

  /**
   * Send a request and resolve with its answer, or reject with a TickwireError. `onAnswer`
   * runs inside the acknowledgement, before any later event is handled (load keyframes there).
   */
  request(event, payload = {}, onAnswer = () => {}) {
    return new Promise((resolve, reject) => {
      this.socket.timeout(REQUEST_TIMEOUT_MS).emit(event, payload, (timedOut, answer) => {
        if (timedOut) {
          reject(new TickwireError("timeout", "The server did not answer in time"));
        } else if (!answer || answer.ok !== true) {
          reject(new TickwireError(answer?.code ?? "bad_answer", answer?.message, answer?.redirect ?? null));
        } else {
          onAnswer(answer);
          resolve(answer);
        }
      });
    });
  }

  #dropped(reason) {
    if (reason === "io client disconnect") return;
    if (reason === "io server disconnect") this.socket.connect(); // not retried on its own
    this.onDrop(reason);
  }
}

/** The TickwireError for a failed connection attempt. */
function refusal(error) {
  const data = error?.data;
  if (data && typeof data === "object" && data.code) return new TickwireError(data.code, data.message);
  return new TickwireError("unreachable", "Cannot reach the game server; check your connection");
}
