/**
 * The seat a page leaves behind: written to the tab's own `sessionStorage` only as the page
 * goes away (`pagehide`) and taken (read and removed) by the next page, so a reload resumes the
 * same seat within the server's seat grace. A second tab never has it: a new tab starts with
 * empty storage, and a duplicated tab copies the storage of a page that is still there, which
 * has not written its seat.
 */

const SEAT_KEY = "tickwire.seat";

/** Keep `{code, token, name}` for the next page of this tab. */
export function keepSeat(seat) {
  try {
    sessionStorage.setItem(SEAT_KEY, JSON.stringify(seat));
  } catch {
    // storage disabled or full: a reload then asks for the name again
  }
}

/** Forget a kept seat (the page came back from the back/forward cache, still seated). */
export function dropSeat() {
  try {
    sessionStorage.removeItem(SEAT_KEY);
  } catch {
    // nothing kept
  }
}

/** The seat kept for room `code` by the previous page of this tab, or null; it is taken. */
export function takeSeat(code) {
  let seat = null;
  try {
    seat = JSON.parse(sessionStorage.getItem(SEAT_KEY) ?? "null");
  } catch {
    seat = null;
  }
  dropSeat();
  const valid = seat && typeof seat.token === "string" && typeof seat.name === "string" && seat.code === code;
  return valid ? { code, token: seat.token, name: seat.name } : null;
}
