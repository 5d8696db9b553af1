// Geometry of the dashboard's small SVG charts: linear scales, round axis ticks, which days get
// a label, a stacked bar split into segments, stacked areas (the burn-down) and bars per day.
// Pure: numbers and SVG path strings, no DOM; svg.ts draws them.

export type Scale = (v: number) => number;

/** Maps [d0, d1] linearly onto [r0, r1]; a degenerate domain maps everything to r0. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const span = d1 - d0;
  if (!Number.isFinite(span) || span === 0) return () => r0;
  const k = (r1 - r0) / span;
  return (v) => r0 + (v - d0) * k;
}

/** The smallest 1, 2, 2.5 or 5 × 10^n at or above `v` (1 for nothing). */
export function niceMax(v: number): number {
  if (!Number.isFinite(v) || v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v - 1e-9 * p) return m * p;
  return 10 * p;
}

/**
 * Axis ticks from 0 to a round maximum at or above `max`, about `count` steps, whole numbers
 * only when `integer` (counts of tiles or events).
 */
export function ticks(max: number, count = 4, integer = true): number[] {
  const n = Math.max(1, Math.round(count));
  let step = niceMax((Number.isFinite(max) && max > 0 ? max : 1) / n);
  if (integer) step = Math.max(1, Math.ceil(step));
  const top = Math.max(step, Math.ceil((max > 0 ? max : 1) / step - 1e-9) * step);
  const out: number[] = [];
  for (let v = 0; v <= top + step / 1e6; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/**
 * Indices of the items (days) that get a label: at most `maxLabels`, evenly spaced, always the
 * first and the last.
 */
export function labelIndices(n: number, maxLabels: number): number[] {
  if (n <= 0) return [];
  const m = Math.max(1, Math.floor(maxLabels));
  if (n <= m) return [...Array(n).keys()];
  if (m === 1) return [n - 1];
  const step = Math.ceil((n - 1) / (m - 1));
  const out: number[] = [];
  for (let i = 0; i < n - 1; i += step) out.push(i);
  // The last one always; drop the one before if it would crowd it.
  if (out.length && n - 1 - out[out.length - 1] < step / 2) out.pop();
  out.push(n - 1);
  return out;
}

export interface Segment<K extends string = string> {
  key: K;
  value: number;
  x: number;
  w: number;
}

/**
 * A stacked bar of `width`: one segment per positive value, in order, widths proportional and
 * adding up to exactly `width` (rounded to 0.1 px, the rounding left on the last one).
 */
export function stackSegments<K extends string>(items: { key: K; value: number }[], width: number): Segment<K>[] {
  const pos = items.filter((i) => Number.isFinite(i.value) && i.value > 0);
  const total = pos.reduce((a, i) => a + i.value, 0);
  if (total <= 0 || width <= 0) return [];
  const out: Segment<K>[] = [];
  let x = 0;
  pos.forEach((i, n) => {
    const end = n === pos.length - 1 ? width : round1(x + (i.value / total) * width);
    out.push({ key: i.key, value: i.value, x: round1(x), w: round1(end - x) });
    x = end;
  });
  return out;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** x of n evenly spread points over [0, width]; a single point is drawn across the whole width. */
export function pointXs(n: number, width: number): number[] {
  if (n <= 0) return [];
  if (n === 1) return [0, width];
  return [...Array(n).keys()].map((i) => round1((i * width) / (n - 1)));
}

export interface Area {
  key: string;
  /** SVG path: the band's upper edge left to right, then its lower edge back, closed. */
  path: string;
  /** Upper edge y of each point (a single day gives two points). */
  top: number[];
}

/**
 * Stacked areas of `series` (one list of values per key, all of the same length, in stacking
 * order from the bottom) over a plot of `width` × `height`, the y axis from 0 at the bottom to
 * `max` at the top. Keys with only zeros are left out.
 */
export function stackedAreas(series: { key: string; values: number[] }[], width: number, height: number, max: number): Area[] {
  const n = Math.max(0, ...series.map((s) => s.values.length));
  if (n === 0) return [];
  const xs = pointXs(n, width);
  const y = linearScale(0, max > 0 ? max : 1, height, 0);
  const base = new Array<number>(n).fill(0);
  const out: Area[] = [];
  for (const s of series) {
    const vals = [...Array(n).keys()].map((i) => (Number.isFinite(s.values[i]) && s.values[i] > 0 ? s.values[i] : 0));
    const lower = base.slice();
    for (let i = 0; i < n; i++) base[i] += vals[i];
    if (vals.every((v) => v === 0)) continue;
    const expand = (a: number[]) => (n === 1 ? [a[0], a[0]] : a);
    const top = expand(base).map((v) => round1(y(v)));
    const bottom = expand(lower).map((v) => round1(y(v)));
    const pts = xs.map((x, i) => `${x},${top[i]}`);
    const back = xs.map((x, i) => `${x},${bottom[i]}`).reverse();
    out.push({ key: s.key, path: `M${pts.join('L')}L${back.join('L')}Z`, top });
  }
  return out;
}

/** An SVG polyline path through `values` spread over `width` (a single value: a flat line). */
export function linePath(values: number[], width: number, height: number, max: number): string {
  if (!values.length) return '';
  const xs = pointXs(values.length, width);
  const y = linearScale(0, max > 0 ? max : 1, height, 0);
  const vs = values.length === 1 ? [values[0], values[0]] : values;
  return `M${xs.map((x, i) => `${x},${round1(y(vs[i]))}`).join('L')}`;
}

export interface Bar {
  /** Index of the day (slot) and of the key in its group. */
  slot: number;
  key: string;
  value: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Grouped bars: `slots` columns over `width`, each holding one bar per key side by side and
 * centred (a fifth of a slot left as a gap; at least 1 px and at most `maxBarW` per bar),
 * heights over [0, max] on `height`. Zero values get no bar.
 */
export function groupedBars(rows: Record<string, number>[], keys: string[], width: number, height: number, max: number, maxBarW = 28): Bar[] {
  const slots = rows.length;
  if (!slots || !keys.length || width <= 0) return [];
  const slotW = width / slots;
  const barW = Math.min(maxBarW, Math.max(1, (slotW * 0.8) / keys.length));
  const gap = Math.max(0, slotW - barW * keys.length);
  const y = linearScale(0, max > 0 ? max : 1, height, 0);
  const out: Bar[] = [];
  rows.forEach((r, slot) => {
    keys.forEach((key, k) => {
      const v = Number.isFinite(r[key]) ? Math.max(0, r[key]) : 0;
      if (v === 0) return;
      const top = round1(y(v));
      out.push({ slot, key, value: v, x: round1(slot * slotW + gap / 2 + k * barW), y: top, w: round1(barW), h: round1(height - top) });
    });
  });
  return out;
}

/** The largest value of `keys` over the rows (0 for none). */
export function maxOf(rows: Record<string, number>[], keys: string[]): number {
  let m = 0;
  for (const r of rows) for (const k of keys) if (Number.isFinite(r[k]) && r[k] > m) m = r[k];
  return m;
}

/** The centre x of slot i of n over width (labels under bars). */
export function slotCenter(i: number, n: number, width: number): number {
  return n > 0 ? round1(((i + 0.5) * width) / n) : 0;
}
