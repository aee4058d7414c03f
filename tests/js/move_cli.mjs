// Reads [[x, y, dx, dy, dt, world], ...] as JSON on stdin; prints [[x, y], ...] from the JS `move`.
import { readFileSync } from "node:fs";
import { move } from "../../shared/games/arena.js";

const cases = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map((args) => move(...args))));
