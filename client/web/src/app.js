/**
 * The page: switches between the lobby and a room, opens the connection when it is needed
 * (with the display name), follows /r/CODE links (asking for a name first), takes its seat
 * back after a reload (`seat_store.js`), and turns every failure into a message in the page.
 * `window.__tickwire` exposes the live state for tests and debugging.
 */
import { normalizeCode } from "../../../shared/protocol.js";
import { Connection } from "./connection.js";
import { GameClient } from "./game_client.js";
import { GameScreen } from "./game_screen.js";
import { Lobby } from "./lobby.js";
import { dropSeat, keepSeat, takeSeat } from "./seat_store.js";

const ROOM_PATH = /^\/r\/([^/]+)\/?$/;

/** The room code the address names (`/r/CODE`), or null. */
function linkedCode() {
  const linked = ROOM_PATH.exec(location.pathname);
  return linked ? normalizeCode(decodeURIComponent(linked[1])) : null;
}

/** The whole browser client, mounted in `root`; `probe`: the feel probe with ?probe=1. */
export class App {
  constructor(root, probe = null) {
    this.root = root;
    this.probe = probe;
    this.client = null;
    this.screen = null;
    this.lobby = new Lobby(root, {
      quickPlay: (name) => this.#play(name, (client) => client.quickPlay()),
      quickPlayLarge: (name) => this.#play(name, (client) => client.quickPlay("arena-large", 64)),
      create: (name) => this.#play(name, (client) => client.create({ public: false })),
      join: (name, code, spectate) => this.#play(name, (client) => client.join(code, spectate)),
      back: () => this.#toLobby(""),
    });
    window.addEventListener("popstate", () => this.#followAddress());
    window.addEventListener("pagehide", () => this.#keepSeat());
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) dropSeat(); // back from the cache, still seated
    });
  }

  #resuming = null; // the seat a reload is taking back, until it is in

  /**
   * Open the lobby; on a /r/CODE link, take back the seat this tab left there (a reload), or
   * ask for a name before joining.
   */
  start() {
    this.lobby.show();
    const code = linkedCode();
    const seat = takeSeat(code); // a seat left for another address is dropped
    if (code === null) return;
    if (seat === null) {
      this.lobby.askName(code);
      return;
    }
    this.#resuming = seat;
    this.#play(seat.name, (client) => client.resume(seat.token), () => {
      this.lobby.askName(code, "Your seat there was released — join again.");
    }).finally(() => {
      this.#resuming = null;
    });
  }

  /** Leave the room and go back to the lobby. */
  async leave() {
    const client = this.client;
    this.#toLobby("");
    await client?.leave();
  }

  /**
   * Connect (if needed), run `enter(client)`, and show the room; errors go to the lobby, or
   * to `failed(error)`.
   */
  async #play(name, enter, failed = (error) => this.#toLobby(error.message)) {
    try {
      const client = await this.#clientFor(name);
      await enter(client);
      this.#showRoom();
    } catch (error) {
      failed(error);
    }
  }

  /** Back or Forward moved the address: leave the room, or offer the room it names. */
  #followAddress() {
    const code = linkedCode();
    if (this.screen) {
      if (code === null) this.leave();
    } else if (code !== null) {
      this.lobby.askName(code);
    } else {
      this.lobby.closePrompt();
    }
  }

  /** The page goes away: keep the seat for this tab's next page (a reload). */
  #keepSeat() {
    const client = this.client;
    if (client?.room && client.seatToken) {
      keepSeat({ code: client.room.code, token: client.seatToken, name: client.connection.name });
    } else if (this.#resuming) {
      keepSeat(this.#resuming);
    }
  }

  /** A GameClient on an open connection made with `name`. */
  async #clientFor(name) {
    const current = this.client;
    if (current && current.connection.connected && current.connection.name === name) return current;
    current?.connection.close();
    this.client = null;
    const client = new GameClient(await new Connection("", name).open());
    client.probe = this.probe;
    client.onRoom = () => this.screen?.showRoom();
    client.onLink = (state) => this.screen?.hud.showLink(state);
    client.onClosed = (error) => this.#toLobby(error.message);
    client.onNotice = (error) => this.screen?.hud.notify(error.message);
    client.onMessage = (kind, payload) => this.screen?.message(kind, payload);
    client.onAnnounce = (text) => this.screen?.hud.notify(text);
    this.client = client;
    return client;
  }

  #showRoom() {
    const room = this.client.room;
    this.lobby.hide();
    this.screen?.dispose();
    this.screen = new GameScreen(this.root, this.client, {
      leave: () => this.leave(),
      start: () => this.client.start().catch((error) => this.screen?.hud.notify(error.message)),
    });
    const path = `/r/${room.code}`;
    if (location.pathname !== path) history.pushState(null, "", path);
    document.title = `Tickwire · ${room.code}`;
  }

  #toLobby(message) {
    this.screen?.dispose();
    this.screen = null;
    if (location.pathname !== "/") history.pushState(null, "", "/");
    document.title = "Tickwire";
    this.lobby.show();
    this.lobby.showError(message);
  }
}

/** Read-only views of the running client, for end-to-end tests and the console. */
export function debugHandle(app) {
  return {
    get client() {
      return app.client;
    },
    get screen() {
      return app.screen ? "room" : "lobby";
    },
    get fps() {
      return app.screen?.fps ?? 0;
    },
    /** True when the room screen takes keyboard and mouse input (players, not spectators). */
    get controls() {
      return Boolean(app.screen?.input);
    },
    /**
     * The last frame: your ship's health as drawn (`myHp`, null when spectating) and the ids
     * of the ships drawn, of the bodies labelled (name, health bar) and of those flashing.
     */
    get drawn() {
      return app.screen?.renderer.drawn ?? null;
    },
    /** The room screen's camera: its centre `x`, `y` (world units), `scale` (CSS pixels per
     * unit) and the canvas's `width` and `height` (CSS pixels); null in the lobby. */
    get view() {
      const renderer = app.screen?.renderer;
      return renderer ? { ...renderer.camera, width: renderer.width, height: renderer.height } : null;
    },
    /** One entity's server values as mirrored here, or null. */
    entity(id) {
      return app.client?.mirror?.entity(id) ?? null;
    },
    /** Drop the transport the way a network failure would. */
    dropConnection() {
      app.client?.connection.simulateDrop();
    },
  };
}
