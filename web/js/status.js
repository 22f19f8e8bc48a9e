// The status panel: what the node runs (device, model, weight type, threads, memory), how full it is (queue,
// slots, image-cache hit rate) and two small charts of the last minutes (tokens/s and time to first token), from
// /api/v1/status and /api/v1/status/history, polled every 3 s while the page is visible.
import { getStatus, getStatusHistory } from "./api.js";
import { formatBytes, formatMs, formatPercent, formatRate } from "./format.js";
import { plural, t } from "./i18n.js";

const POLL_MS = 3000;
const SVG = "http://www.w3.org/2000/svg";
const W = 300;
const H = 60;

const $ = (id) => document.getElementById(id);

/** The server's family names (C# enum names) as people write them. */
const FAMILY_NAMES = { Qwen3Vl: "Qwen3-VL", Qwen25Vl: "Qwen2.5-VL", Qwen2Vl: "Qwen2-VL" };

export class StatusPanel {
  #status = null;
  #history = null;
  #offline = false;

  start() {
    const tick = async () => {
      if (!document.hidden) await this.refresh();
      setTimeout(tick, POLL_MS);
    };
    tick();
  }

  async refresh() {
    try {
      [this.#status, this.#history] = await Promise.all([getStatus(), getStatusHistory()]);
      this.#offline = false;
    } catch {
      this.#offline = true;
    }
    this.render();
  }

  render() {
    const s = this.#status;
    $("status-state").textContent = this.#offline ? t("status.offline") : s && !s.ready ? (s.load_error ?? t("status.loading")) : "";
    if (!s) return;
    this.#demoBanner(s.demo);
    const none = t("status.none");
    $("status-device").textContent = s.device.decoder === s.device.vision ? s.device.decoder.toUpperCase()
      : `${s.device.decoder.toUpperCase()} + ${s.device.vision.toUpperCase()}`;
    $("status-model").textContent = s.model
      ? `${FAMILY_NAMES[s.model.family] ?? s.model.family}${s.demo ? ` (${t("status.demo")})` : ""} · ${s.model.served_name}` : none;
    $("status-dtype").textContent = s.model?.variant ?? none;
    $("status-threads").textContent = t("status.threadsValue", {
      decoder: s.device.decoder_threads || "auto", vision: s.device.vision_threads || "auto", cpus: s.device.processor_count,
    });
    $("status-memory").textContent = formatBytes(s.memory.working_set_bytes);
    $("status-queue").textContent = s.queue && s.slots
      ? t("status.queueValue", { waiting: s.queue.waiting, active: s.slots.active, slots: s.slots.total }) : none;
    const cache = s.vision_cache;
    const lookups = cache ? cache.hits + cache.misses : 0;
    $("status-cache").textContent = cache && lookups > 0
      ? t("status.cacheValue", { rate: formatPercent(cache.hits / lookups), hits: plural("status.hits", cache.hits), misses: plural("status.misses", cache.misses) }) : none;
    $("status-rate").textContent = s.queue ? t("status.rateValue", { rate: formatRate(s.queue.tokens_per_second) }) : none;
    this.#cluster(s.cluster);
    this.#charts();
  }

  /** The cluster line (shown only for a node of a cluster): this node's role and how many model nodes are ready; each
   * model node (address, model, slots, queue, sessions) in its tooltip. Its row is added after the speed row once. */
  #cluster(cluster) {
    let value = $("status-cluster");
    const shown = cluster && (cluster.role !== "all" || cluster.nodes.length > 1);
    if (!shown) {
      if (value) value.hidden = value.previousElementSibling.hidden = true;
      return;
    }
    if (!value) {
      const rate = $("status-rate");
      const label = document.createElement("dt");
      value = document.createElement("dd");
      value.id = "status-cluster";
      rate.after(label, value);
    }
    value.hidden = value.previousElementSibling.hidden = false;
    value.previousElementSibling.textContent = t("status.cluster");
    const ready = cluster.nodes.filter((n) => n.ready).length;
    value.textContent = t("status.clusterValue", { role: cluster.role, ready, total: cluster.nodes.length });
    value.title = cluster.nodes.map((n) => n.error ? `${n.address}: ${n.error}`
      : `${n.address}: ${n.model ?? "—"}, ${n.slots_active}/${n.slots_total} slots, ${n.waiting} waiting, ${n.sessions_active} sessions`).join("\n");
  }

  /** The demo banner above the chat: shown while the server says it runs the random-weight demo model. */
  #demoBanner(demo) {
    $("demo-banner").hidden = !demo;
    if (!demo) return;
    $("demo-text").textContent = t("demo.text");
    $("demo-command").textContent = demo.real_model_command;
  }

  #charts() {
    const points = this.#history?.points ?? [];
    // The x axis spans the data there is (at least a minute, at most the ring's 300 points = 10 minutes), so a
    // server that started a minute ago does not squeeze its points into the right edge.
    const ringMs = (this.#history?.interval_seconds ?? 2) * 300 * 1000;
    const now = Date.now();
    const span = Math.min(ringMs, Math.max(60_000, now - (points[0]?.t ?? now)));
    const minutes = Math.max(1, Math.round(span / 60_000));
    $("chart-rate-title").textContent = t("status.chart.rate", { minutes });
    $("chart-ttft-title").textContent = t("status.chart.ttft", { minutes });
    const rate = points.map((p) => [p.t, p.tokens_per_second]);
    const ttft = points.filter((p) => p.ttft_ms != null).map((p) => [p.t, p.ttft_ms]);
    draw($("chart-rate"), $("chart-rate-desc"), rate, now, span, "line", (v) => `${formatRate(v)} tok/s`, t("status.chart.emptyRate"));
    draw($("chart-ttft"), $("chart-ttft-desc"), ttft, now, span, "dots", formatMs, t("status.chart.emptyTtft"));
  }
}

function line(g, cls, x1, y1, x2, y2) {
  const el = document.createElementNS(SVG, "line");
  el.setAttribute("class", cls);
  for (const [name, value] of Object.entries({ x1, y1, x2, y2 })) el.setAttribute(name, String(value));
  g.append(el);
}

/** Draws [time, value] pairs into a 300×60 SVG: a polyline, or dots for sparse series (TTFT exists only where answers
 * finished). The axes (time along the bottom, value up the left, a dashed half-way line) are drawn whether or not
 * there is data, so an idle server's charts read as charts; an empty one says why it is empty. */
function draw(svg, desc, series, now, span, kind, format, emptyNote) {
  for (const old of svg.querySelectorAll("g")) old.remove();
  const g = document.createElementNS(SVG, "g");
  line(g, "grid", 0, H / 2, W, H / 2);
  line(g, "axis", 0, H - 1, W, H - 1);
  line(g, "axis", 1, 0, 1, H);
  const peak = Math.max(0, ...series.map(([, v]) => v));
  svg.dataset.points = String(series.length);
  const figure = svg.closest("figure");
  if (series.length === 0 || peak === 0) {
    desc.textContent = t("status.chart.empty");
    if (figure) figure.dataset.empty = emptyNote;
    svg.append(g);
    return;
  }
  if (figure) delete figure.dataset.empty;
  const PAD = 4; // keeps the newest point and the peak inside the box
  const xy = ([time, value]) => [PAD + Math.max(0, 1 - (now - time) / span) * (W - 2 * PAD), H - PAD - (value / peak) * (H - 2 * PAD)];
  if (kind === "line") {
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("class", "line");
    line.setAttribute("points", series.map((p) => xy(p).map((n) => n.toFixed(1)).join(",")).join(" "));
    g.append(line);
  } else {
    for (const p of series) {
      const [x, y] = xy(p);
      const dot = document.createElementNS(SVG, "rect");
      dot.setAttribute("class", "ttft");
      dot.setAttribute("x", (x - 2).toFixed(1));
      dot.setAttribute("y", (y - 2).toFixed(1));
      dot.setAttribute("width", "4");
      dot.setAttribute("height", "4");
      g.append(dot);
    }
  }
  desc.textContent = t("status.chart.latest", { value: format(series[series.length - 1][1]), peak: format(peak) });
  svg.append(g);
}
