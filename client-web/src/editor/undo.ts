// Undo and redo of one's own change sets. A history entry keeps the state before and after a
// change set (before: from the tile model when the ack came; after: the ack). Its inverse
// restores the "before" state with ordinary ops, so undo and redo are change sets like any other
// and the server keeps the tile a partition. Pure, so that `npm test` runs it in Node.
import type { Ring } from '../geometry.js';
import { encodeRings, sameGeometry, type WireOp } from './wire.js';

export interface FeatureState {
  id: number;
  version: number;
  codeCs: string;
  codeUs: string;
  rings: Ring[];
  areaM2: number;
}

export interface HistoryEntry {
  tile: string;
  label: string;
  /** State before the change set of every feature it changed or deleted. */
  before: FeatureState[];
  /** State after it (from the ack) of every feature it changed or created. */
  after: FeatureState[];
  created: number[];
  deleted: number[];
}

function copy(f: FeatureState): FeatureState {
  return { id: f.id, version: f.version, codeCs: f.codeCs, codeUs: f.codeUs, rings: f.rings, areaM2: f.areaM2 };
}

/**
 * The history entry of an acknowledged change set, or null when it cannot be undone: the state
 * before of a feature it deleted is unknown, or the model already held the result (an ack
 * replayed after a reload, whose "before" is gone).
 */
export function recordEntry(
  tile: string,
  label: string,
  before: (id: number) => FeatureState | undefined,
  after: FeatureState[],
  created: number[],
  deleted: number[],
): HistoryEntry | null {
  const made = new Set(created);
  const b: FeatureState[] = [];
  const newIds: number[] = [...created];
  for (const f of after) {
    const prev = before(f.id);
    if (made.has(f.id)) {
      if (prev) return null;
      continue;
    }
    if (!prev) {
      newIds.push(f.id); // not in the model: created (a server that does not list `created`)
      continue;
    }
    if (prev.version >= f.version) return null;
    b.push(copy(prev));
  }
  for (const id of deleted) {
    const prev = before(id);
    if (!prev) return null;
    b.push(copy(prev));
  }
  if (b.length === 0 && newIds.length === 0) return null;
  return { tile, label, before: b, after: after.map(copy), created: [...new Set(newIds)], deleted: [...deleted] };
}

/**
 * The ops that bring every feature of `e` back to its state before: deleted features drawn
 * again first (carved out of whoever holds their area now), then reshapes of the features
 * that lost area (they take it back), then of those that gained, then the classes. Each op
 * references the version of the ack, so a change by someone else since makes it a conflict.
 */
export function buildInverse(e: HistoryEntry, originXcm: number, originYcm: number): WireOp[] {
  const after = new Map(e.after.map((f) => [f.id, f]));
  const deleted = new Set(e.deleted);
  const draws: WireOp[] = [];
  const reshapes: { loss: number; op: WireOp }[] = [];
  const classes: WireOp[] = [];
  for (const b of e.before) {
    if (deleted.has(b.id)) {
      draws.push({ draw: { geometry: encodeRings(b.rings, originXcm, originYcm), codeCs: b.codeCs, codeUs: b.codeUs } });
      continue;
    }
    const a = after.get(b.id);
    if (!a) continue;
    const feature = { id: a.id, version: a.version };
    if (!sameGeometry(a.rings, b.rings)) {
      reshapes.push({ loss: b.areaM2 - a.areaM2, op: { reshape: { feature, geometry: encodeRings(b.rings, originXcm, originYcm) } } });
    }
    if (a.codeCs !== b.codeCs || a.codeUs !== b.codeUs) {
      classes.push({ setClass: { feature: { ...feature }, codeCs: b.codeCs, codeUs: b.codeUs } });
    }
  }
  reshapes.sort((x, y) => y.loss - x.loss);
  return [...draws, ...reshapes.map((r) => r.op), ...classes];
}

/** Point in polygon (even-odd over every ring), for points strictly inside. */
export function insidePolygon(p: [number, number], rings: Ring[]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Points inside a polygon, to tell which old feature covered it: centroid and chord midpoints. */
function samplePoints(rings: Ring[]): [number, number][] {
  const ring = rings[0];
  const n = ring.length - 1;
  const pts: [number, number][] = [];
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    cx += ring[i][0] / n;
    cy += ring[i][1] / n;
  }
  pts.push([cx, cy]);
  for (let i = 0; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 2) % n];
    pts.push([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]);
  }
  return pts.filter((p) => insidePolygon(p, rings));
}

/** The feature of `e.before` that covered most of `rings` (a feature `e` created), or null. */
export function largestFormerOwner(e: HistoryEntry, rings: Ring[]): FeatureState | null {
  const pts = samplePoints(rings);
  let best: { f: FeatureState; n: number } | null = null;
  for (const f of e.before) {
    if (e.deleted.includes(f.id)) continue;
    const n = pts.filter((p) => insidePolygon(p, f.rings)).length;
    if (!best || n > best.n || (n === best.n && f.areaM2 > best.f.areaM2)) best = { f, n };
  }
  return best?.f ?? null;
}

/**
 * After the inverse of `restored` is acknowledged, the features it restored carry new versions
 * (and deleted features drawn again carry new ids) for the same content. Other entries whose
 * "after" expected that content are rewritten, so that undoing further back still works.
 */
export function remapAfterRestore(entries: HistoryEntry[], restored: HistoryEntry, ackFeatures: FeatureState[], ackCreated: number[]): void {
  const byId = new Map(ackFeatures.map((f) => [f.id, f]));
  const createdStates = ackCreated.map((id) => byId.get(id)).filter((f): f is FeatureState => !!f);
  for (const b of restored.before) {
    let now = restored.deleted.includes(b.id) ? createdStates.find((c) => sameGeometry(c.rings, b.rings)) : byId.get(b.id);
    if (!now) continue;
    now = copy(now);
    for (const t of entries) {
      if (t === restored) continue;
      for (const f of t.after) {
        if (f.id === b.id && f.version === b.version) {
          f.version = now.version;
          f.id = now.id;
        }
      }
      if (now.id !== b.id) {
        for (const f of t.before) if (f.id === b.id) f.id = now.id;
        t.created = t.created.map((id) => (id === b.id ? now!.id : id));
        t.deleted = t.deleted.map((id) => (id === b.id ? now!.id : id));
      }
    }
  }
}
