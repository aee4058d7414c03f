/**
 * Builds the browser client into dist/: the JavaScript bundles (esbuild) of the game, of the
 * monitor and of the feel probe (loaded by the game only with ?probe=1), their stylesheets,
 * and the pages linking them with content hashes. `node build.mjs` (what `make build` runs).
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import * as esbuild from "esbuild";

const here = new URL(".", import.meta.url).pathname;
const dist = `${here}dist`;

const bundling = {
  outdir: dist,
  bundle: true,
  format: "esm",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
};

await mkdir(dist, { recursive: true });
// the feel probe first, so the game knows its versioned address (PROBE_URL)
await esbuild.build({ ...bundling, entryPoints: { probe: `${here}src/probe.js` } });
// the game (app.js) and the operators' monitor (monitor.js), which reuses the game's
// connection, client, interpolation and renderer modules
await esbuild.build({
  ...bundling,
  entryPoints: { app: `${here}src/main.js`, monitor: `${here}src/monitor/main.js` },
  define: { PROBE_URL: JSON.stringify(await versioned("probe.js")) },
  external: ["/static/*"], // the probe: loaded from the server, not bundled in
});
await copyFile(`${here}style.css`, `${dist}/style.css`);
await copyFile(`${here}monitor.css`, `${dist}/monitor.css`);

/** `/static/name?v=<content hash>`, so browsers never run a stale cached copy. */
async function versioned(name) {
  const hash = createHash("sha256").update(await readFile(`${dist}/${name}`)).digest("hex");
  return `/static/${name}?v=${hash.slice(0, 12)}`;
}

/** Write page `name` with its static links versioned. */
async function page(name, assets) {
  let html = await readFile(`${here}${name}`, "utf8");
  for (const asset of assets) html = html.replace(`/static/${asset}`, await versioned(asset));
  await writeFile(`${dist}/${name}`, html);
}

await page("index.html", ["app.js", "style.css"]);
await page("monitor.html", ["monitor.js", "style.css", "monitor.css"]);
console.log(`built ${dist}`);
