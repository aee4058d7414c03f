/** Small line charts of a node's last five minutes, drawn on a canvas. */

/** Draw `values` (oldest first) on `canvas` in `color`, scaled to their own maximum. */
export function drawSparkline(canvas, values, color = "#4fd1ff") {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 120;
  const height = canvas.clientHeight || 28;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  if (values.length < 2) return;
  const top = Math.max(...values) || 1;
  const step = width / (values.length - 1);
  const y = (v) => height - 2 - (v / top) * (height - 4);
  g.beginPath();
  values.forEach((v, i) => (i === 0 ? g.moveTo(0, y(v)) : g.lineTo(i * step, y(v))));
  g.strokeStyle = color;
  g.lineWidth = 1.5;
  g.stroke();
  g.lineTo(width, height);
  g.lineTo(0, height);
  g.closePath();
  g.globalAlpha = 0.15;
  g.fillStyle = color;
  g.fill();
  g.globalAlpha = 1;
}
