/** Entry point of the browser bundle. With `?probe=1` the feel probe (probe.js) comes first. */
import { App, debugHandle } from "./app.js";

/* global PROBE_URL: the probe bundle's versioned address, defined by build.mjs */
const probing = new URLSearchParams(location.search).get("probe") === "1";
const probe = probing ? (await import(PROBE_URL)).install() : null;
const app = new App(document.getElementById("app"), probe);
window.__tickwire = debugHandle(app);
app.start();
