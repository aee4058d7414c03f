/** Entry point of the browser bundle. */
import { App, debugHandle } from "./app.js";

const app = new App(document.getElementById("app"));
window.__tickwire = debugHandle(app);
app.start();
