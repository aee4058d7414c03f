// The seat a page leaves for the next page of its tab (a reload): taken once, only for the
// room the address names.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

class MemoryStorage {
  constructor() {
    this.items = new Map();
  }

  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }

  setItem(key, value) {
    this.items.set(key, String(value));
  }

  removeItem(key) {
    this.items.delete(key);
  }
}

globalThis.sessionStorage = new MemoryStorage();
const { keepSeat, takeSeat } = await import("../../client/web/src/seat_store.js");

beforeEach(() => {
  globalThis.sessionStorage = new MemoryStorage();
});

test("a kept seat is taken once, by the page of the same room", () => {
  keepSeat({ code: "ABC234", token: "room1.secret", name: "Rex" });
  assert.deepEqual(takeSeat("ABC234"), { code: "ABC234", token: "room1.secret", name: "Rex" });
  assert.equal(takeSeat("ABC234"), null);
});

test("a seat kept for another room, or garbled, is dropped", () => {
  keepSeat({ code: "ABC234", token: "room1.secret", name: "Rex" });
  assert.equal(takeSeat("XYZ789"), null);
  assert.equal(takeSeat("ABC234"), null);
  sessionStorage.setItem("tickwire.seat", "{not json");
  assert.equal(takeSeat("ABC234"), null);
  sessionStorage.setItem("tickwire.seat", JSON.stringify({ code: "ABC234", token: 5, name: "Rex" }));
  assert.equal(takeSeat("ABC234"), null);
});
