// The state of the open tiles as the server last said it: features with their versions and
// rings, each tile's origin and sequence number, and ids deleted since the snapshot. The map
// layer draws from it; undo and conflicts read the state before a change from it.
// Pure, without runtime dependencies beyond geometry.ts, so that `npm test` runs it in Node.
import { decodePolygon, polygonArea, toNum, type Ring, type WireInt, type WirePolygon } from '../geometry.js';

/** What the info panel shows about one polygon. */
export interface FeatureInfo {
  id: number;
  tile: string;
  codeCs: string;
  codeUs: string;
  version: number;
  reviewed: boolean;
  prediction: { codeCs: string; codeUs: string; confidence: number } | null;
  updatedAtMs: number;
  author: string;
  areaM2: number;
}

/** A feature as the model keeps it: its info and its rings in metres (closed). */
export interface ModelFeature extends FeatureInfo {
  rings: Ring[];
}

/** The subset of tessera.v1.Feature the model reads. */
export interface WireFeatureLike {
  id?: WireInt;
  version?: number | null;
  codeCs?: string | null;
  codeUs?: string | null;
  geometry?: WirePolygon | null;
  prediction?: { codeCs?: string | null; codeUs?: string | null; confidence?: number | null } | null;
  reviewed?: boolean | null;
  updatedAtMs?: WireInt;
  author?: string | null;
}

export interface SnapshotLike {
  tileKey?: string | null;
  seq?: WireInt;
  originXCm?: WireInt;
  originYCm?: WireInt;
  sizeM?: number | null;
  features?: WireFeatureLike[] | null;
}

export interface TileData {
  key: string;
  originXcm: number;
  originYcm: number;
  sizeM: number;
  /** The last tile event reflected here (snapshot, then contiguous changes). */
  seq: number;
  features: Map<number, ModelFeature>;
  /** Ids deleted since the snapshot: ids are never reused, so a late upsert must not revive them. */
  gone: Set<number>;
}

export interface Rejected {
  id: number;
  reason: string;
}

export interface ApplyResult {
  upserted: ModelFeature[];
  removed: number[];
  rejected: Rejected[];
}

/** Decodes a wire feature of tile `tile` whose origin is (ox, oy) cm. Throws on bad geometry. */
export function decodeFeature(tile: string, wf: WireFeatureLike, ox: number, oy: number): ModelFeature {
  if (!wf.geometry) throw new Error('feature has no geometry');
  const rings = decodePolygon(wf.geometry, ox, oy);
  const p = wf.prediction;
  return {
    id: toNum(wf.id),
    tile,
    codeCs: wf.codeCs ?? '',
    codeUs: wf.codeUs ?? '',
    version: wf.version ?? 0,
    reviewed: wf.reviewed ?? false,
    prediction: p ? { codeCs: p.codeCs ?? '', codeUs: p.codeUs ?? '', confidence: p.confidence ?? 0 } : null,
    updatedAtMs: toNum(wf.updatedAtMs),
    author: wf.author ?? '',
    areaM2: polygonArea(rings),
    rings,
  };
}

export class TileModel {
  private readonly m_tiles = new Map<string, TileData>();
  private readonly m_home = new Map<number, string>();

  tile(key: string): TileData | undefined {
    return this.m_tiles.get(key);
  }

  keys(): string[] {
    return [...this.m_tiles.keys()];
  }

  get(id: number): ModelFeature | undefined {
    const key = this.m_home.get(id);
    return key === undefined ? undefined : this.m_tiles.get(key)?.features.get(id);
  }

  features(key: string): ModelFeature[] {
    return [...(this.m_tiles.get(key)?.features.values() ?? [])];
  }

  /** Replaces a tile with its snapshot; undecodable features are left out and reported. */
  setSnapshot(s: SnapshotLike): { features: ModelFeature[]; rejected: Rejected[] } {
    const key = s.tileKey ?? '';
    this.removeTile(key);
    const t: TileData = {
      key,
      originXcm: toNum(s.originXCm),
      originYcm: toNum(s.originYCm),
      sizeM: s.sizeM ?? 0,
      seq: toNum(s.seq),
      features: new Map(),
      gone: new Set(),
    };
    const rejected: Rejected[] = [];
    for (const wf of s.features ?? []) {
      try {
        const f = decodeFeature(key, wf, t.originXcm, t.originYcm);
        t.features.set(f.id, f);
        this.m_home.set(f.id, key);
      } catch (e) {
        rejected.push({ id: toNum(wf.id), reason: e instanceof Error ? e.message : String(e) });
      }
    }
    this.m_tiles.set(key, t);
    return { features: [...t.features.values()], rejected };
  }

  removeTile(key: string): void {
    const t = this.m_tiles.get(key);
    if (!t) return;
    for (const id of t.features.keys()) this.m_home.delete(id);
    this.m_tiles.delete(key);
  }

  /**
   * Applies new feature states and deletions, whatever order they come in: a state older than
   * the one held (lower version) or of a deleted id is ignored, so acks, live changes and
   * resyncs converge on the same state.
   */
  apply(key: string, features: WireFeatureLike[], deleted: WireInt[]): ApplyResult {
    const out: ApplyResult = { upserted: [], removed: [], rejected: [] };
    const t = this.m_tiles.get(key);
    if (!t) return out;
    for (const d of deleted) {
      const id = toNum(d);
      t.gone.add(id);
      if (t.features.delete(id)) {
        this.m_home.delete(id);
        out.removed.push(id);
      }
    }
    for (const wf of features) {
      const id = toNum(wf.id);
      if (t.gone.has(id)) continue;
      const cur = t.features.get(id);
      if (cur && (wf.version ?? 0) <= cur.version) continue;
      try {
        const f = decodeFeature(key, wf, t.originXcm, t.originYcm);
        t.features.set(id, f);
        this.m_home.set(id, key);
        out.upserted.push(f);
      } catch (e) {
        out.rejected.push({ id, reason: e instanceof Error ? e.message : String(e) });
      }
    }
    return out;
  }
}
