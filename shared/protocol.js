/**
 * The Tickwire wire protocol for JavaScript, read from protocol.json (the one source of truth
 * the Python side reads too). This module only gives it names.
 */
import spec from "./protocol.json" with { type: "json" };

export const VERSION = spec.version;
export const EVENTS = Object.freeze({ ...spec.events });
export const STATE = Object.freeze({ ...spec.state });
export const KEYFRAME = Object.freeze({ ...spec.keyframe });
export const CELL_STATE = Object.freeze({ ...spec.cell_state });
export const LIMITS = Object.freeze({ ...spec.limits });
export const DEFAULTS = Object.freeze({ ...spec.defaults });
export const ERROR_MESSAGES = Object.freeze({ ...spec.errors });
export const ROOM_FEED_PATH = spec.http.room_feed;
export const HISTORY_FEED_PATH = spec.http.history_feed;

/** Canonical form of a user-typed join code: upper case, all whitespace removed. */
export function normalizeCode(raw) {
  return String(raw).replace(/\s+/g, "").toUpperCase();
}

/** The message to show for an error code, preferring the server's own wording. */
export function errorMessage(code, message) {
  return message || ERROR_MESSAGES[code] || "Something went wrong";
}
