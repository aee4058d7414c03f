/** The error the client raises for anything the server (or the network) refused. */
import { errorMessage } from "../../../shared/protocol.js";

/** The server refused a connection or a request: `code` and `message` say why. */
export class TickwireError extends Error {
  constructor(code, message) {
    super(errorMessage(code, message));
    this.code = code;
  }
}
