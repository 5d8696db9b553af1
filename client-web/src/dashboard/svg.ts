// The dashboard's small SVG charts, drawn from the geometry of chart.ts: a stacked bar (tiles
// per state), stacked areas with a line (the burn-down), grouped bars per day (throughput), and
// inline bars for tables. Every chart carries data-* attributes saying what it drew.
import { groupedBars, labelIndices, linePath, maxOf, pointXs, slotCenter, stackedAreas, stackSegments, ticks } from './chart';
import { h } from '../ui/dom';

const NS = 'http://www.w3.org/2000/svg';

type SvgAttrs = Record<string, string | number | null | undefined>;

/** An SVG element with attributes and children (strings become text). */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: SvgAttrs = {}, ...children: (Node | string | null)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null) el.append(c);
  return el;
}

function title(text: string): SVGTitleElement {
  return s('title', {}, text);
}

export interface SeriesStyle {
  key: string;
  label: string;
  color: string;
}

/** A legend: a swatch and a label per series (a dashed line for `line` ones). */
export function legend(items: (SeriesStyle & { line?: boolean })[], extra: Record<string, string> = {}): HTMLElement {
  return h('ul', { class: 'chart-legend', ...extra }, ...items.map((i) => h('li', { 'data-key': i.key },
    i.line ? h('span', { class: 'legend-line', style: `border-top-color:${i.color}` }) : h('span', { class: 'swatch', style: `background:${i.color}` }),
    ` ${i.label}`)));
}

/** A horizontal stacked bar of `width` px (one segment per non-zero value, with a tooltip). */
export function stackedBar(items: (SeriesStyle & { value: number; text: string })[], width: number, height: number, attrs: SvgAttrs = {}): SVGSVGElement {
  const segs = stackSegments(items.map((i) => ({ key: i.key, value: i.value })), width);
  const byKey = new Map(items.map((i) => [i.key, i]));
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'stacked-bar', role: 'img', preserveAspectRatio: 'none', 'data-segments': segs.length, ...attrs });
  svg.append(s('rect', { x: 0, y: 0, width, height, fill: '#eef1f4' }));
  for (const g of segs) {
    const it = byKey.get(g.key)!;
    svg.append(s('rect', { class: 'seg', 'data-key': g.key, 'data-value': g.value, x: g.x, y: 0, width: Math.max(0.5, g.w), height, fill: it.color }, title(it.text)));
  }
  return svg;
}

export interface AreaChartOptions {
  /** The x labels (days), one per point. */
  labels: string[];
  /** Stacked bottom to top. */
  series: (SeriesStyle & { values: number[] })[];
  /** A line over the areas (e.g. tiles left), dashed. */
  line?: SeriesStyle & { values: number[] };
  width: number;
  height: number;
  /** A tooltip per point. */
  pointText?: (i: number) => string;
}

const M = { left: 40, right: 12, top: 10, bottom: 24 };

function frame(width: number, height: number, max: number, cls: string, attrs: SvgAttrs): { svg: SVGSVGElement; plot: SVGGElement; w: number; h: number; top: number } {
  const w = width - M.left - M.right;
  const ph = height - M.top - M.bottom;
  const tk = ticks(max, 4);
  const top = tk[tk.length - 1];
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: `chart ${cls}`, role: 'img', ...attrs });
  const axis = s('g', { class: 'axis', transform: `translate(${M.left},${M.top})` });
  for (const t of tk) {
    const y = Math.round((ph - (t / top) * ph) * 10) / 10;
    axis.append(s('line', { x1: 0, x2: w, y1: y, y2: y, class: t === 0 ? 'axis-base' : 'grid' }));
    axis.append(s('text', { x: -6, y: y + 4, 'text-anchor': 'end', class: 'tick' }, String(t)));
  }
  svg.append(axis);
  const plot = s('g', { class: 'plot', transform: `translate(${M.left},${M.top})` });
  svg.append(plot);
  return { svg, plot, w, h: ph, top };
}

function xLabels(plot: SVGGElement, labels: string[], xs: number[], ph: number, w: number): void {
  const maxLabels = Math.max(2, Math.floor(w / 56));
  for (const i of labelIndices(labels.length, maxLabels)) {
    const x = xs[i];
    const anchor = labels.length === 1 ? 'middle' : x < 20 ? 'start' : x > w - 20 ? 'end' : 'middle';
    plot.append(s('text', { x, y: ph + 16, 'text-anchor': anchor, class: 'tick' }, labels[i]));
  }
}

/** Stacked areas over days, with an optional dashed line; `data-points` says how many days. */
export function areaChart(o: AreaChartOptions, attrs: SvgAttrs = {}): SVGSVGElement {
  const n = o.labels.length;
  const totals = [...Array(n).keys()].map((i) => o.series.reduce((a, se) => a + (se.values[i] ?? 0), 0));
  const max = Math.max(0, ...totals, ...(o.line?.values ?? []));
  const { svg, plot, w, h: ph, top } = frame(o.width, o.height, max, 'area-chart', { 'data-points': n, ...attrs });
  const areas = stackedAreas(o.series.map((se) => ({ key: se.key, values: se.values })), w, ph, top);
  const byKey = new Map(o.series.map((se) => [se.key, se]));
  for (const a of areas) {
    const se = byKey.get(a.key)!;
    plot.append(s('path', { d: a.path, fill: se.color, 'fill-opacity': 0.85, stroke: se.color, 'stroke-width': 0.5, class: 'area', 'data-key': a.key }, title(se.label)));
  }
  if (o.line) {
    plot.append(s('path', { d: linePath(o.line.values, w, ph, top), fill: 'none', stroke: o.line.color, 'stroke-width': 2, 'stroke-dasharray': '5 3', class: 'line', 'data-key': o.line.key }, title(o.line.label)));
  }
  const xs = n === 1 ? [w / 2] : pointXs(n, w);
  // Hover targets: one transparent column per day with its figures.
  if (o.pointText) {
    const colW = n === 1 ? w : w / (n - 1);
    for (let i = 0; i < n; i++) {
      const x0 = n === 1 ? 0 : Math.max(0, xs[i] - colW / 2);
      const x1 = n === 1 ? w : Math.min(w, xs[i] + colW / 2);
      plot.append(s('rect', { x: x0, y: 0, width: Math.max(1, x1 - x0), height: ph, fill: 'transparent', class: 'hover' }, title(o.pointText(i))));
    }
  }
  xLabels(plot, o.labels, xs, ph, w);
  return svg;
}

export interface BarChartOptions {
  labels: string[];
  rows: Record<string, number>[];
  series: SeriesStyle[];
  width: number;
  height: number;
  slotText?: (i: number) => string;
}

/** Grouped bars per day; `data-bars` says how many bars were drawn. */
export function barChart(o: BarChartOptions, attrs: SvgAttrs = {}): SVGSVGElement {
  const keys = o.series.map((se) => se.key);
  const max = maxOf(o.rows, keys);
  const { svg, plot, w, h: ph, top } = frame(o.width, o.height, max, 'bar-chart', attrs);
  const bars = groupedBars(o.rows, keys, w, ph, top);
  const byKey = new Map(o.series.map((se) => [se.key, se]));
  for (const b of bars) {
    const se = byKey.get(b.key)!;
    plot.append(s('rect', { x: b.x, y: b.y, width: b.w, height: b.h, fill: se.color, class: 'bar', 'data-key': b.key, 'data-value': b.value, rx: b.w > 4 ? 1.5 : 0 },
      title(`${o.labels[b.slot]}: ${b.value} ${se.label.toLowerCase()}`)));
  }
  svg.setAttribute('data-bars', String(bars.length));
  svg.setAttribute('data-slots', String(o.rows.length));
  const n = o.rows.length;
  if (o.slotText) {
    for (let i = 0; i < n; i++) {
      plot.insertBefore(s('rect', { x: (i * w) / n, y: 0, width: w / n, height: ph, fill: 'transparent', class: 'hover' }, title(o.slotText(i))), plot.firstChild);
    }
  }
  xLabels(plot, o.labels, [...Array(n).keys()].map((i) => slotCenter(i, n, w)), ph, w);
  return svg;
}

/** A small inline bar for a table cell: `value` of `max`, `width` px. */
export function inlineBar(value: number, max: number, color: string, width = 90): SVGSVGElement {
  const w = max > 0 ? Math.max(value > 0 ? 2 : 0, Math.round((value / max) * width)) : 0;
  return s('svg', { width, height: 8, viewBox: `0 0 ${width} 8`, class: 'inline-bar', 'aria-hidden': 'true' },
    s('rect', { x: 0, y: 0, width, height: 8, rx: 2, fill: '#eef1f4' }),
    w ? s('rect', { x: 0, y: 0, width: w, height: 8, rx: 2, fill: color }) : null);
}
