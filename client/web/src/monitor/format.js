/** How the monitor writes numbers. */

/** `1536` -> "1.5 KB". */
export function bytes(n) {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KB", "MB", "GB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 && unit ? 1 : 0)} ${units[unit]}`;
}

/** Seconds as "3m 12s". */
export function age(seconds) {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A number with at most `digits` decimals, or a dash. */
export function num(n, digits = 1) {
  return n === null || n === undefined ? "–" : String(Math.round(n * 10 ** digits) / 10 ** digits);
}
