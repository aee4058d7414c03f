/**
 * Builds the browser client into dist/: the JavaScript bundle (esbuild), the stylesheet, and
 * the page linking both with content hashes. `node build.mjs` (what `make build` runs).
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import * as esbuild from "esbuild";

const here = new URL(".", import.meta.url).pathname;
const dist = `${here}dist`;

await mkdir(dist, { recursive: true });
await esbuild.build({
  entryPoints: [`${here}src/main.js`],
  outfile: `${dist}/app.js`,
  bundle: true,
  format: "esm",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
});
await copyFile(`${here}style.css`, `${dist}/style.css`);

/** `/static/name?v=<content hash>`, so browsers never run a stale cached copy. */
async function versioned(name) {
  const hash = createHash("sha256").update(await readFile(`${dist}/${name}`)).digest("hex");
  return `/static/${name}?v=${hash.slice(0, 12)}`;
}

const page = (await readFile(`${here}index.html`, "utf8"))
  .replace("/static/app.js", await versioned("app.js"))
  .replace("/static/style.css", await versioned("style.css"));
await writeFile(`${dist}/index.html`, page);
console.log(`built ${dist}`);
