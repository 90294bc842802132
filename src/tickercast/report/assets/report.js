// What a report page does: inflate the inline Plotly, draw every chart from the embedded specs, sort tables.
// Nothing here reaches the network; the page's Content-Security-Policy forbids it anyway.
"use strict";

const spec = JSON.parse(document.getElementById("report-data").textContent);

// A column reference {"$col": name, "from": i, "plus": other}: see tickercast/report/figures.py.
function column(ref) {
  const values = spec.columns[ref.$col].slice(ref.from || 0);
  if (!ref.plus) return values;
  const other = column({ $col: ref.plus, from: ref.from });
  return values.map((value, i) => (value === null || other[i] === null ? null : value + other[i]));
}

function resolve(node) {
  if (Array.isArray(node)) return node.map(resolve);
  if (node === null || typeof node !== "object") return node;
  if ("$col" in node) return column(node);
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolve(value)]));
}

async function loadPlotly() {
  const packed = document.getElementById("plotly-gz").textContent.trim();
  const bytes = Uint8Array.from(atob(packed), (char) => char.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  const script = document.createElement("script");
  script.textContent = await new Response(stream).text();
  document.head.appendChild(script);
}

// Plotly keeps the y range of the whole series when the x range narrows; fit it to the days in view.
function fitY(chart) {
  const range = chart.layout.xaxis.range;
  if (!range) return;
  const low = String(range[0]).slice(0, 10);
  const high = String(range[1]);
  const update = {};
  for (const [axis, name] of [["y", "yaxis"], ["y2", "yaxis2"]]) {
    let min = Infinity;
    let max = -Infinity;
    for (const trace of chart.data) {
      if ((trace.yaxis || "y") !== axis || trace.visible === "legendonly" || trace.visible === false) continue;
      trace.x.forEach((x, i) => {
        const y = trace.y[i];
        if (y === null || x < low || x > high) return;
        min = Math.min(min, y);
        max = Math.max(max, y);
      });
    }
    if (min < max) {
      const pad = (max - min) * 0.05;
      update[`${name}.range`] = [min - pad, max + pad];
    }
  }
  Plotly.relayout(chart, update);
}

async function drawCharts() {
  await loadPlotly();
  for (const [id, figure] of Object.entries(spec.figures)) {
    const chart = document.getElementById(id);
    const { data, layout } = resolve(figure);
    // no "Share chart" button: it would upload the data to a chart server
    await Plotly.newPlot(chart, data, layout, { responsive: true, displaylogo: false, showSendToCloud: false,
                                                modeBarButtonsToRemove: ["select2d", "lasso2d"] });
    if (figure.fitY) {
      fitY(chart);
      chart.on("plotly_relayout", (event) => {
        if (Object.keys(event).some((key) => key.startsWith("xaxis"))) fitY(chart);
      });
      chart.on("plotly_restyle", () => fitY(chart));
    }
  }
}

function sortKey(cell, numeric) {
  if (!numeric) return cell.textContent.trim().toLowerCase();
  const value = cell.dataset.value;
  return value === undefined || value === "" ? NaN : Number(value);
}

function compareKeys(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function makeSortable(table) {
  table.querySelectorAll("th[data-sort]").forEach((header, index) => {
    const sort = () => {
      const ascending = header.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach((other) => other.removeAttribute("aria-sort"));
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const numeric = header.dataset.sort === "number";
      const body = table.tBodies[0];
      const rows = [...body.rows];
      rows.sort((a, b) => {
        const [x, y] = [sortKey(a.cells[index], numeric), sortKey(b.cells[index], numeric)];
        const missing = numeric ? Number.isNaN(x) - Number.isNaN(y) : 0;
        return missing || compareKeys(x, y) * (ascending ? 1 : -1);  // missing values stay last
      });
      body.append(...rows);
    };
    header.tabIndex = 0;
    header.addEventListener("click", sort);
    header.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        sort();
      }
    });
  });
}

document.querySelectorAll("table.sortable").forEach(makeSortable);
const status = document.getElementById("status");
drawCharts().then(
  () => {
    status.remove();
    document.body.dataset.ready = "true";
  },
  (error) => {
    status.textContent = `The charts could not be drawn: ${error}`;
    document.body.dataset.ready = "error";
    console.error(error);
  },
);
