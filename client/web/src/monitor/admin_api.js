/**
 * The admin API from the monitor page: requests with the token in a header, and the live
 * feed (server-sent events), which an EventSource cannot send a header with: it opens with a
 * short-lived ticket from `POST /api/admin/tickets`, and takes a fresh one whenever the stream
 * drops (a ticket is only checked when a stream opens).
 */

const TOKEN_KEY = "tickwire.admin-token";
const RETRY_MS = 1500;

/** An admin API error: `status`, `code` and a message. */
export class AdminError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

/** The token kept for this tab only (sessionStorage), or null. */
export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keep (or, with null, forget) the token for this tab. */
export function saveToken(token) {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** Requests to the admin API with one token. */
export class AdminApi {
  constructor(token) {
    this.token = token;
  }

  /** `GET path`; resolves with the JSON answer, rejects with an AdminError. */
  get(path) {
    return this.#call("GET", path);
  }

  /** `POST path` with a JSON `body`. */
  post(path, body = {}) {
    return this.#call("POST", path, body);
  }

  async #call(method, path, body) {
    const answer = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new AdminError(answer.status, data.code ?? "error", data.message ?? answer.statusText);
    return data;
  }

  /**
   * Follow the live feed (of `room` too, when given): `handlers.nodes(list)`,
   * `handlers.rooms(list)`, `handlers.room(detail)`, `handlers.live(bool)`,
   * `handlers.failed(error)` when no ticket can be had. Returns a function that stops it.
   */
  follow(handlers, room = "") {
    let source = null;
    let stopped = false;
    let timer = 0;
    const open = async () => {
      let ticket;
      try {
        ticket = (await this.post("/api/admin/tickets")).ticket;
      } catch (error) {
        handlers.failed?.(error);
        if (!stopped && error.status !== 401) timer = setTimeout(open, RETRY_MS);
        return;
      }
      if (stopped) return;
      const query = new URLSearchParams({ ticket, ...(room ? { room } : {}) });
      source = new EventSource(`/api/admin/feed?${query}`);
      for (const event of ["nodes", "rooms", "room"]) {
        source.addEventListener(event, (message) => handlers[event]?.(JSON.parse(message.data)));
      }
      source.addEventListener("open", () => handlers.live?.(true));
      source.addEventListener("error", () => {
        handlers.live?.(false);
        source.close();
        if (!stopped) timer = setTimeout(open, RETRY_MS);
      });
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }
}
