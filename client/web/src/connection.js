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
    this.socket = io(url || undefined, {
      autoConnect: false,
      transports: ["websocket", "polling"],
      parser: msgpackParser,
      auth: name ? { v: VERSION, name } : { v: VERSION },
      reconnectionDelay: 300,
      reconnectionDelayMax: 2000,
    });
    this.socket.on("disconnect", (reason) => this.#dropped(reason));
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

  /** Listen to a server event. */
  on(event, handler) {
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
          reject(new TickwireError(answer?.code ?? "bad_answer", answer?.message));
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
