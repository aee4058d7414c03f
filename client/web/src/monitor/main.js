/** Entry point of the monitor bundle (`/monitor`). */
import { MonitorApp } from "./monitor_app.js";

const app = new MonitorApp(document.getElementById("monitor"));
/** Read-only views of the monitor for end-to-end tests and the console. */
window.__monitor = {
  get view() {
    return app.view;
  },
  get nodes() {
    return app.nodes;
  },
  get rooms() {
    return app.rooms;
  },
  get room() {
    return app.room;
  },
  /** The spectator view's game client (room, mirror), or null. */
  get watcher() {
    return app.roomView?.client ?? null;
  },
};
app.start();
