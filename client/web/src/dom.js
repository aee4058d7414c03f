/**
 * A tiny helper to build DOM nodes. Strings always become text nodes, so player-chosen text
 * can never turn into markup.
 */

/**
 * `el("button", {className: "primary", onclick: f, dataset: {x: 1}}, "Play")`: an element
 * with properties (plain values set as properties, `dataset`/`attrs` merged) and children
 * (nodes, or strings added as text).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "attrs") for (const [name, v] of Object.entries(value)) node.setAttribute(name, v);
    else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
  }
  return node;
}

/** Replace all children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
}
