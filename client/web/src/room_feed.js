/**
 * The live list of public rooms, from the server's server-sent-events feed (see
 * server/http_api.py). The browser's EventSource reconnects by itself.
 */

import { ROOM_FEED_PATH } from "../../../shared/protocol.js";

/**
 * Call `onRooms(rooms)` with every new list and `onLive(bool)` when the feed connects or
 * drops. Returns a function that stops watching.
 */
export function watchPublicRooms(onRooms, onLive) {
  const source = new EventSource(ROOM_FEED_PATH);
  source.addEventListener("rooms", (event) => onRooms(JSON.parse(event.data).rooms));
  source.addEventListener("open", () => onLive(true));
  source.addEventListener("error", () => onLive(false));
  return () => source.close();
}
