// The list of changes a reviewer checks: the model's prediction of a tile (as imported) against its
// current features. A feature keeps its id through class changes and reshapes, the largest part
// of a split keeps it, a merge keeps the first one's: so a prediction id still there was
// reclassified, reshaped, both or only confirmed; one gone was deleted (merged or cut away); a
// current id the prediction lacks was created (a split part or a drawing).
// Pure, without runtime dependencies beyond geometry.ts, so that `npm test` runs it in Node.
import { polygonArea, type Ring } from '../geometry.js';

/** A predicted feature as GET /api/v1/prediction lists it (rings in metres). */
export interface PredictedLike {
  id: number;
  code_cs: string;
  code_us: string;
  /** The server's word: the current feature differs (or was confirmed) or is gone. */
  changed: boolean;
  rings: number[][][];
}

/** A current feature as the tile model holds it. */
export interface CurrentLike {
  id: number;
  codeCs: string;
  codeUs: string;
  rings: number[][][];
  reviewed?: boolean;
}

export type ChangeKind = 'reclassified_reshaped' | 'reclassified' | 'reshaped' | 'created' | 'deleted' | 'confirmed';

/** In the order the list shows them. */
export const CHANGE_KINDS: readonly ChangeKind[] = ['reclassified_reshaped', 'reclassified', 'reshaped', 'created', 'deleted', 'confirmed'];

const LABELS: Record<ChangeKind, string> = {
  reclassified_reshaped: 'Reclassified and reshaped',
  reclassified: 'Reclassified',
  reshaped: 'Reshaped',
  created: 'Created',
  deleted: 'Deleted (merged or cut away)',
  confirmed: 'Confirmed as predicted',
};

export function changeLabel(kind: ChangeKind): string {
  return LABELS[kind];
}

export interface Classes {
  cs: string;
  us: string;
}

export interface Change {
  id: number;
  kind: ChangeKind;
  before: Classes | null;
  after: Classes | null;
  /** Square metres (null: none on that side). */
  areaBefore: number | null;
  areaAfter: number | null;
}

export interface ChangeList {
  changes: Change[];
  counts: Record<ChangeKind, number>;
  /** Prediction ids to highlight (what was changed or deleted), and current ids (changed or created). */
  highlightPrediction: Set<number>;
  highlightCurrent: Set<number>;
  /** Predicted features left exactly as they were. */
  unchanged: number;
}

/** Whether a change alters the map (a confirmation does not). */
export function isMapChange(kind: ChangeKind): boolean {
  return kind !== 'confirmed';
}

// ------------------------------------------------------------------ geometry comparison

/** A ring on the centimetre grid without its closing point, starting at its smallest point, counter-clockwise. */
function canonicalRing(ring: number[][]): string {
  let pts = ring.map((p) => [Math.round(p[0] * 100), Math.round(p[1] * 100)]);
  if (pts.length > 1) {
    const a = pts[0], b = pts[pts.length - 1];
    if (a[0] === b[0] && a[1] === b[1]) pts = pts.slice(0, -1);
  }
  // Consecutive duplicates say nothing about the shape.
  pts = pts.filter((p, i) => i === 0 || p[0] !== pts[i - 1][0] || p[1] !== pts[i - 1][1]);
  let area = 0;
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i], q = pts[(i + 1) % pts.length];
    area += p[0] * q[1] - q[0] * p[1];
  }
  if (area < 0) pts.reverse();
  let start = 0;
  for (let i = 1; i < pts.length; i++) {
    if (pts[i][0] < pts[start][0] || (pts[i][0] === pts[start][0] && pts[i][1] < pts[start][1])) start = i;
  }
  return [...pts.slice(start), ...pts.slice(0, start)].map((p) => `${p[0]},${p[1]}`).join(' ');
}

/** Whether two polygons are the same on the centimetre grid, whatever their rings' start and direction. */
export function samePolygon(a: number[][][], b: number[][][]): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  if (canonicalRing(a[0]) !== canonicalRing(b[0])) return false;
  const ha = a.slice(1).map(canonicalRing).sort();
  const hb = b.slice(1).map(canonicalRing).sort();
  return ha.every((h, i) => h === hb[i]);
}

function area(rings: number[][][]): number {
  return polygonArea(rings as Ring[]);
}

// ------------------------------------------------------------------ the list

export function diffPrediction(prediction: readonly PredictedLike[], current: readonly CurrentLike[]): ChangeList {
  const counts = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  const out: ChangeList = { changes: [], counts, highlightPrediction: new Set(), highlightCurrent: new Set(), unchanged: 0 };
  const now = new Map(current.map((f) => [f.id, f]));
  const predicted = new Set<number>();
  const add = (c: Change) => {
    out.changes.push(c);
    counts[c.kind]++;
  };
  for (const p of prediction) {
    predicted.add(p.id);
    const before: Classes = { cs: p.code_cs, us: p.code_us };
    const f = now.get(p.id);
    if (!f) {
      add({ id: p.id, kind: 'deleted', before, after: null, areaBefore: area(p.rings), areaAfter: null });
      out.highlightPrediction.add(p.id);
      continue;
    }
    const classes = p.code_cs !== f.codeCs || p.code_us !== f.codeUs;
    // Version 1 is the prediction itself: what the server says is unchanged needs no comparison.
    const shape = (p.changed || classes) && !samePolygon(p.rings, f.rings);
    if (!classes && !shape) {
      if (p.changed) add({ id: p.id, kind: 'confirmed', before, after: before, areaBefore: area(p.rings), areaAfter: area(f.rings) });
      else out.unchanged++;
      continue;
    }
    const kind: ChangeKind = classes && shape ? 'reclassified_reshaped' : classes ? 'reclassified' : 'reshaped';
    add({ id: p.id, kind, before, after: { cs: f.codeCs, us: f.codeUs }, areaBefore: area(p.rings), areaAfter: area(f.rings) });
    out.highlightPrediction.add(p.id);
    out.highlightCurrent.add(p.id);
  }
  for (const f of current) {
    if (predicted.has(f.id)) continue;
    add({ id: f.id, kind: 'created', before: null, after: { cs: f.codeCs, us: f.codeUs }, areaBefore: null, areaAfter: area(f.rings) });
    out.highlightCurrent.add(f.id);
  }
  const order = new Map(CHANGE_KINDS.map((k, i) => [k, i]));
  out.changes.sort((a, b) => order.get(a.kind)! - order.get(b.kind)! || a.id - b.id);
  return out;
}

/** "3 reclassified, 1 created, 2 deleted" (map changes only), or "no change". */
export function changeSummary(list: ChangeList): string {
  const parts: string[] = [];
  const n = (k: ChangeKind) => list.counts[k];
  const reclassified = n('reclassified') + n('reclassified_reshaped');
  const reshaped = n('reshaped') + n('reclassified_reshaped');
  if (reclassified) parts.push(`${reclassified} reclassified`);
  if (reshaped) parts.push(`${reshaped} reshaped`);
  if (n('created')) parts.push(`${n('created')} created`);
  if (n('deleted')) parts.push(`${n('deleted')} deleted`);
  return parts.length ? parts.join(', ') : 'no change to the prediction';
}
