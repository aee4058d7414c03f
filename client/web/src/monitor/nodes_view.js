/** Every node of the cluster as a card: its numbers now, five-minute sparklines, drain. */
import { el, fill } from "../dom.js";
import { bytes, num } from "./format.js";
import { drawSparkline } from "./sparkline.js";

/** [series, label, how the value reads] shown for each node. */
const SERIES = [
  ["cpu", "CPU", (v) => `${num(v * 100, 0)}%`],
  ["rss", "RSS", bytes],
  ["connections", "connections", (v) => num(v, 0)],
  ["rooms", "rooms", (v) => num(v, 0)],
  ["players", "players", (v) => num(v, 0)],
  ["bytes_in", "in/s", bytes],
  ["bytes_out", "out/s", bytes],
  ["tick_p50_ms", "tick p50", (v) => `${num(v, 2)} ms`],
  ["tick_p99_ms", "tick p99", (v) => `${num(v, 2)} ms`],
  ["late_ticks", "late ticks/s", (v) => num(v, 1)],
];

/** The node cards in `root`; `actions.drain(nodeId, draining)` is the drain button. */
export class NodesView {
  constructor(root, actions) {
    this.actions = actions;
    this.node = el("section", { className: "nodes", id: "nodes" });
    root.append(this.node);
  }

  /** Show `nodes` (reports from the feed). */
  show(nodes) {
    fill(this.node, ...nodes.map((node) => this.#card(node)));
    for (const canvas of this.node.querySelectorAll("canvas[data-series]")) {
      const node = nodes.find((n) => n.id === canvas.dataset.node);
      drawSparkline(canvas, node?.history?.[canvas.dataset.series] ?? [], canvas.dataset.color);
    }
  }

  #card(node) {
    const now = node.now ?? {};
    const draining = Boolean(node.draining);
    const late = (now.late_ticks ?? 0) > 0;
    return el("article", { className: `node-card${late ? " lagging" : ""}`, dataset: { node: node.id } },
      el("header", {},
        el("strong", { className: "node-id" }, node.id),
        draining ? el("span", { className: "tag warn" }, "draining") : null,
        node.healthy === false ? el("span", { className: "tag bad" }, "degraded") : null,
        el("button", {
          className: "small drain", onclick: () => this.actions.drain(node.id, !draining),
        }, draining ? "Undo drain" : "Drain")),
      el("div", { className: "series" }, ...SERIES.map(([key, label, read]) => el("div", { className: "metric" },
        el("span", { className: "label" }, label),
        el("span", { className: "value", dataset: { metric: key } }, now[key] === undefined ? "–" : read(now[key])),
        el("canvas", {
          className: "spark",
          dataset: { series: key, node: node.id, color: key.startsWith("tick") || key === "late_ticks" ? "#ffb347" : "#4fd1ff" },
        })))));
  }
}
