/**
 * The lobby screen: display name, Quick play, Create private room, Join with code (as player
 * or spectator), the live list of public rooms, and the live leaderboard and last matches; and
 * the name prompt a /r/CODE link opens with. It only gathers what the person wants; `actions`
 * (from the app) does it and reports errors back through `showError`.
 */
import { LIMITS, normalizeCode } from "../../../shared/protocol.js";
import { el, fill } from "./dom.js";
import { HistoryPanel } from "./history_panel.js";
import { HINTS } from "./input.js";
import { watchPublicRooms } from "./room_feed.js";
import { coarsePointer } from "./touch.js";

const NAME_KEY = "tickwire.name";

/**
 * Builds the lobby inside `root`. `actions`: `quickPlay(name)`, `quickPlayLarge(name)` (the
 * large arena), `create(name)`, `join(name, code, spectate)`, each returning a promise, and
 * `back()` (the name prompt was dismissed).
 */
export class Lobby {
  constructor(root, actions) {
    this.actions = actions;
    this.name = el("input", {
      id: "name", type: "text", maxLength: LIMITS.name_max_length, autocomplete: "nickname",
      placeholder: "Pilot name", value: localStorage.getItem(NAME_KEY) ?? "",
    });
    this.code = el("input", {
      id: "join-code", type: "text", placeholder: "Room code", autocomplete: "off",
      spellcheck: false, maxLength: 32,
    });
    this.error = el("p", { id: "lobby-error", className: "error", hidden: true, attrs: { role: "alert" } });
    this.rooms = el("ul", { id: "room-list", className: "room-list" });
    this.empty = el("p", { className: "empty" }, "No public rooms right now — Quick play opens one.");
    this.live = el("span", { className: "live", title: "Live" });
    this.history = new HistoryPanel();
    this.buttons = [
      el("button", { id: "quick-play", className: "primary big", type: "button", onclick: () => this.#run((n) => actions.quickPlay(n)) }, "Quick play"),
      el("button", { id: "create-room", className: "secondary big", type: "button", onclick: () => this.#run((n) => actions.create(n)) }, "Create private room"),
      el("button", { id: "quick-play-large", className: "secondary big", type: "button", title: "A 4,000-unit world for up to 64 pilots", onclick: () => this.#run((n) => actions.quickPlayLarge(n)) }, "Large arena"),
    ];
    const join = el("button", { id: "join", className: "secondary", type: "submit" }, "Join");
    const watch = el("button", { id: "watch", className: "ghost", type: "button", onclick: () => this.#joinCode(true) }, "Watch");
    this.buttons.push(join, watch);
    const form = el("form", { className: "join-form", onsubmit: (event) => {
      event.preventDefault();
      this.#joinCode(false);
    } }, this.code, join, watch);
    this.node = el("main", { className: "lobby" },
      el("header", { className: "brand" },
        el("h1", {}, "TICKWIRE"),
        el("p", { className: "tagline" }, "Fast arena dogfights with your friends, right in the browser")),
      el("section", { className: "card play" },
        el("label", { className: "field" }, el("span", {}, "Display name"), this.name),
        el("div", { className: "actions" }, ...this.buttons.slice(0, 3)),
        el("div", { className: "divider" }, el("span", {}, "or join a friend")),
        form,
        this.error),
      el("section", { className: "card rooms" },
        el("h2", {}, "Public rooms ", this.live),
        this.rooms, this.empty),
      this.history.node,
      el("footer", { className: "controls-help" }, HINTS[coarsePointer() ? "touch" : "keyboard"]));
    this.prompt = this.#namePrompt();
    this.node.append(this.prompt.node);
    root.append(this.node);
  }

  /** The dialog a /r/CODE link opens with: who you will be in that room, then Join or Watch. */
  #namePrompt() {
    const code = el("span", { className: "room-code", id: "link-code" });
    const note = el("p", { className: "prompt-note", id: "link-note", hidden: true });
    const name = el("input", {
      id: "link-name", type: "text", maxLength: LIMITS.name_max_length, autocomplete: "nickname",
      placeholder: "Pilot name",
    });
    const go = (spectate) => {
      this.name.value = name.value;
      this.closePrompt();
      this.#run((n) => this.actions.join(n, code.textContent, spectate));
    };
    const node = el("div", { className: "prompt-backdrop", hidden: true },
      el("form", { className: "card prompt", id: "link-join", attrs: { role: "dialog", "aria-labelledby": "link-title" },
        onsubmit: (event) => {
          event.preventDefault();
          go(false);
        } },
      el("h2", { id: "link-title" }, "You're invited to room ", code),
      note,
      el("label", { className: "field" }, el("span", {}, "Your name in the room"), name),
      el("div", { className: "actions" },
        el("button", { id: "link-join-button", className: "primary big", type: "submit" }, "Join"),
        el("button", { id: "link-watch", className: "secondary big", type: "button", onclick: () => go(true) }, "Watch")),
      el("button", { id: "link-back", className: "ghost small prompt-back", type: "button", onclick: () => {
        this.closePrompt();
        this.actions.back();
      } }, "Back to the lobby")));
    return { node, code, note, name };
  }

  /** Ask for a name before joining room `code` (a /r/CODE link); `note` says why, if anything. */
  askName(code, note = "") {
    const prompt = this.prompt;
    prompt.code.textContent = code;
    prompt.note.textContent = note;
    prompt.note.hidden = !note;
    prompt.name.value = this.name.value;
    prompt.node.hidden = false;
    prompt.name.focus();
    prompt.name.select();
  }

  /** Hide the name prompt. */
  closePrompt() {
    this.prompt.node.hidden = true;
  }

  #stopFeed = null;

  /** Show the lobby and start following the public rooms. */
  show() {
    this.node.hidden = false;
    this.closePrompt();
    this.#setBusy(false);
    this.#stopFeed ??= watchPublicRooms((rooms) => this.#showRooms(rooms), (live) => {
      this.live.classList.toggle("on", live);
    });
    this.history.show();
  }

  /** Hide the lobby and stop the feed. */
  hide() {
    this.node.hidden = true;
    this.#stopFeed?.();
    this.#stopFeed = null;
    this.history.hide();
  }

  /** Show a problem in the page (empty text hides it). */
  showError(text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  }

  /** The display name typed in, remembered for next time. */
  get displayName() {
    const name = this.name.value.trim();
    localStorage.setItem(NAME_KEY, name);
    return name;
  }

  #joinCode(spectate) {
    const code = normalizeCode(this.code.value);
    if (!code) {
      this.showError("Type the room code a friend gave you.");
      this.code.focus();
      return;
    }
    this.#run((name) => this.actions.join(name, code, spectate));
  }

  async #run(action) {
    this.showError("");
    this.#setBusy(true);
    try {
      await action(this.displayName);
    } finally {
      this.#setBusy(false);
    }
  }

  #setBusy(busy) {
    for (const button of this.buttons) button.disabled = busy;
    for (const button of this.rooms.querySelectorAll("button")) {
      button.disabled = busy || button.dataset.full === "yes";
    }
  }

  #showRooms(rooms) {
    this.empty.hidden = rooms.length > 0;
    fill(this.rooms, ...rooms.map((room) => {
      const full = room.players >= room.max_players;
      return el("li", { className: "room", dataset: { code: room.code } },
        el("span", { className: "room-code" }, room.code),
        el("span", { className: "room-game" }, room.game),
        el("span", { className: "room-players" }, `${room.players}/${room.max_players} players`),
        el("span", { className: `room-state ${room.started ? "on" : ""}` }, room.started ? "In game" : "Warm-up"),
        el("button", { className: "secondary small", type: "button", disabled: full,
          dataset: { full: full ? "yes" : "no" },
          onclick: () => this.#run((name) => this.actions.join(name, room.code, false)) }, full ? "Full" : "Join"),
        el("button", { className: "ghost small", type: "button",
          onclick: () => this.#run((name) => this.actions.join(name, room.code, true)) }, "Watch"));
    }));
  }
}
