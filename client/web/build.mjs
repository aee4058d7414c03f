/**
 * Builds the browser client into dist/: the JavaScript bundle (esbuild), the page and the
 * stylesheet. `node build.mjs` (what `make build` runs).
 */
import { copyFile, mkdir } from "node:fs/promises";
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
await Promise.all(["index.html", "style.css"].map((file) => copyFile(`${here}${file}`, `${dist}/${file}`)));
console.log(`built ${dist}`);
