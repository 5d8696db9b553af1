// Edits on the wire: polygons and lines in metres → integer centimetre deltas from the tile
// origin (tessera.v1.Polygon / LineString), and the plain op objects the outbox stores.
// Pure, without runtime imports, so that `npm test` runs it in Node.
import type { Ring } from '../geometry.js';

export interface WireRef {
  id: number;
  version: number;
}

export interface WirePoly {
  ringSizes: number[];
  coords: number[];
}

export interface WireClassPair {
  codeCs: string;
  codeUs: string;
}

/** One op, shaped like tessera.v1.Op.$Properties (exactly one member set). JSON-safe. */
export interface WireOp {
  setClass?: { feature: WireRef; codeCs: string; codeUs: string };
  confirm?: { feature: WireRef };
  reshape?: { feature: WireRef; geometry: WirePoly };
  split?: { feature: WireRef; line: { coords: number[] }; parts: WireClassPair[] };
  merge?: { features: WireRef[]; codeCs: string; codeUs: string };
  draw?: { geometry: WirePoly; codeCs: string; codeUs: string };
}

export interface WireChangeSet {
  id: string;
  tileKey: string;
  ops: WireOp[];
}

export class EditGeometryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditGeometryError';
  }
}

/** Integer centimetres of a coordinate in metres (the 1 cm grid of the project). */
export function toCm(v: number): number {
  return Math.round(v * 100);
}

/**
 * Rounds rings (metres, closed or not) to centimetres: drops the closing point and points that
 * repeat the previous one after rounding. A ring left with fewer than 3 points is an error for
 * the exterior and dropped for a hole.
 */
export function ringsToCm(rings: Ring[]): [number, number][][] {
  const out: [number, number][][] = [];
  rings.forEach((ring, i) => {
    const pts: [number, number][] = [];
    for (const p of ring) {
      const q: [number, number] = [toCm(p[0]), toCm(p[1])];
      const last = pts[pts.length - 1];
      if (!last || last[0] !== q[0] || last[1] !== q[1]) pts.push(q);
    }
    while (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) pts.pop();
    if (pts.length < 3) {
      if (i === 0) throw new EditGeometryError('the polygon collapses on the 1 cm grid');
      return;
    }
    out.push(pts);
  });
  if (out.length === 0) throw new EditGeometryError('the polygon is empty');
  return out;
}

/** A polygon in metres as a wire Polygon: zigzag-able deltas in cm from the tile origin (cm). */
export function encodeRings(rings: Ring[], originXcm: number, originYcm: number): WirePoly {
  const ringSizes: number[] = [];
  const coords: number[] = [];
  let px = originXcm;
  let py = originYcm;
  for (const ring of ringsToCm(rings)) {
    ringSizes.push(ring.length);
    for (const [x, y] of ring) {
      coords.push(x - px, y - py);
      px = x;
      py = y;
    }
  }
  return { ringSizes, coords };
}

/** A line in metres as wire LineString coordinates; repeated points are dropped. */
export function encodeLine(points: number[][], originXcm: number, originYcm: number): { coords: number[] } {
  const coords: number[] = [];
  let px = originXcm;
  let py = originYcm;
  let n = 0;
  for (const p of points) {
    const x = toCm(p[0]);
    const y = toCm(p[1]);
    if (n > 0 && x === px && y === py) continue;
    coords.push(x - px, y - py);
    px = x;
    py = y;
    n++;
  }
  if (n < 2) throw new EditGeometryError('a line needs two distinct points');
  return { coords };
}

/** Decodes wire line coordinates back to metres (for tests and the conflict view). */
export function decodeLine(coords: number[], originXcm: number, originYcm: number): [number, number][] {
  const out: [number, number][] = [];
  let x = originXcm;
  let y = originYcm;
  for (let i = 0; i + 1 < coords.length; i += 2) {
    x += coords[i];
    y += coords[i + 1];
    out.push([x / 100, y / 100]);
  }
  return out;
}

/** Whether two polygons are the same on the 1 cm grid (same rings, same start points). */
export function sameGeometry(a: Ring[], b: Ring[]): boolean {
  let ca: [number, number][][];
  let cb: [number, number][][];
  try {
    ca = ringsToCm(a);
    cb = ringsToCm(b);
  } catch {
    return false;
  }
  if (ca.length !== cb.length) return false;
  for (let i = 0; i < ca.length; i++) {
    if (ca[i].length !== cb[i].length) return false;
    for (let k = 0; k < ca[i].length; k++) {
      if (ca[i][k][0] !== cb[i][k][0] || ca[i][k][1] !== cb[i][k][1]) return false;
    }
  }
  return true;
}

/** Every FeatureRef of an op, for version rewriting. */
export function opRefs(op: WireOp): WireRef[] {
  if (op.setClass) return [op.setClass.feature];
  if (op.confirm) return [op.confirm.feature];
  if (op.reshape) return [op.reshape.feature];
  if (op.split) return [op.split.feature];
  if (op.merge) return op.merge.features;
  return [];
}

/** The kind of an op, for labels. */
export function opKind(op: WireOp): string {
  return (Object.keys(op).find((k) => (op as Record<string, unknown>)[k] != null) ?? 'op').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A change-set id: a random UUID (crypto.randomUUID needs a secure context; fall back on getRandomValues). */
export function newChangeSetId(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
