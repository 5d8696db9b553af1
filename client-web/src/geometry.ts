// Decoding of the wire geometry (tessera.v1.Polygon) and tile-grid arithmetic.
// Pure functions without imports, so that `npm test` can run them in Node.

/** A 64-bit integer as protobufjs may hand it over: a number, or a Long when long.js is loaded. */
export type WireInt = number | { toNumber(): number } | null | undefined;

/** Converts a protobufjs integer field to a JS number (0 when absent). */
export function toNum(v: WireInt): number {
  if (v == null) return 0;
  if (typeof v === 'number') return v;
  return v.toNumber();
}

/** The subset of tessera.v1.Polygon that decoding needs. */
export interface WirePolygon {
  ringSizes?: number[] | null;
  coords?: WireInt[] | null;
}

/** A ring of [x, y] coordinates in metres, closed (last point equals the first). */
export type Ring = [number, number][];

export class GeometryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GeometryError';
  }
}

/**
 * Decodes a wire polygon into closed rings in metres of the project CRS.
 *
 * `coords` holds zigzag-decoded deltas in centimetres (protobufjs undoes the zigzag for sint64):
 * x0 - origin_x, y0 - origin_y, x1 - x0, y1 - y0, ... and the running sum continues across
 * rings. `ring_sizes` counts points without the closing one, which is added here.
 * Working in integer centimetres until the final division keeps the result exact.
 */
export function decodePolygon(poly: WirePolygon, originXcm: WireInt, originYcm: WireInt): Ring[] {
  const sizes = poly.ringSizes ?? [];
  const coords = poly.coords ?? [];
  if (sizes.length === 0) throw new GeometryError('polygon has no ring');
  let total = 0;
  for (let i = 0; i < sizes.length; i++) {
    const n = sizes[i];
    if (!Number.isInteger(n) || n < 3) {
      throw new GeometryError(`ring ${i} has ${n} points; at least 3 are needed`);
    }
    total += n;
  }
  if (coords.length !== 2 * total) {
    throw new GeometryError(`ring sizes add up to ${total} points but ${coords.length} coordinates were sent`);
  }
  let x = toNum(originXcm);
  let y = toNum(originYcm);
  let k = 0;
  const rings: Ring[] = [];
  for (const n of sizes) {
    const ring: Ring = new Array(n + 1);
    for (let i = 0; i < n; i++) {
      x += toNum(coords[k++]);
      y += toNum(coords[k++]);
      ring[i] = [x / 100, y / 100];
    }
    ring[n] = [ring[0][0], ring[0][1]];
    rings.push(ring);
  }
  return rings;
}

/** Encodes closed rings in metres back to the wire form (for tests and future edits). */
export function encodePolygon(rings: Ring[], originXcm: number, originYcm: number): { ringSizes: number[]; coords: number[] } {
  const ringSizes: number[] = [];
  const coords: number[] = [];
  let px = originXcm;
  let py = originYcm;
  for (const ring of rings) {
    const n = ring.length - 1; // without the closing point
    ringSizes.push(n);
    for (let i = 0; i < n; i++) {
      const x = Math.round(ring[i][0] * 100);
      const y = Math.round(ring[i][1] * 100);
      coords.push(x - px, y - py);
      px = x;
      py = y;
    }
  }
  return { ringSizes, coords };
}

/** Signed area of a closed ring (positive when counter-clockwise), in square metres. */
export function ringArea(ring: Ring): number {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  }
  return a / 2;
}

/** Area of a polygon (exterior minus holes), in square metres. */
export function polygonArea(rings: Ring[]): number {
  if (rings.length === 0) return 0;
  let a = Math.abs(ringArea(rings[0]));
  for (let i = 1; i < rings.length; i++) a -= Math.abs(ringArea(rings[i]));
  return a;
}

/** The key of the tile holding the lower-left corner (x, y) in metres: "0867_6830" (km). */
export function tileKey(x: number, y: number): string {
  const pad = (v: number) => {
    const km = Math.round(v / 1000);
    return (km < 0 ? '-' : '') + String(Math.abs(km)).padStart(4, '0');
  };
  return `${pad(x)}_${pad(y)}`;
}

/** Lower-left corner in metres of the tile of `size` metres containing point (x, y). */
export function tileOrigin(x: number, y: number, size: number): [number, number] {
  return [Math.floor(x / size) * size, Math.floor(y / size) * size];
}

/** Parses a tile key into its lower-left corner in metres, or null when malformed. */
export function parseTileKey(key: string): [number, number] | null {
  const m = /^(-?\d+)_(-?\d+)$/.exec(key);
  if (!m) return null;
  return [Number(m[1]) * 1000, Number(m[2]) * 1000];
}
