/** The error the client raises for anything the server (or the network) refused. */
import { errorMessage } from "../../../shared/protocol.js";

/**
 * The server refused a connection or a request: `code` and `message` say why; `redirect` is a
 * `moved` answer's `{url, reservation?, room?}` (the game client follows it by itself).
 */
export class TickwireError extends Error {
  constructor(code, message, redirect = null) {
    super(errorMessage(code, message));
    this.code = code;
    this.redirect = redirect;
  }
}
