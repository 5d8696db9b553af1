// Keeps the tile model in step with the server: snapshots, acks and live changes applied in
// tile-sequence order, duplicates ignored, a gap answered by a resync. The map layer is
// updated from the model here, so everything drawn is a state the server sent.
import { toNum, type WireInt } from '../geometry.js';
import { TileModel, type ApplyResult, type ModelFeature, type Rejected, type SnapshotLike, type WireFeatureLike } from './model.js';

/** What the sync draws on (the map's FeatureLayer; a stub in tests). */
export interface LayerLike {
  setTile(key: string, features: ModelFeature[]): void;
  removeTile(key: string): void;
  upsert(f: ModelFeature): void;
  remove(id: number): void;
}

export interface ChangeLike {
  tileKey?: string | null;
  seq?: WireInt;
  features?: WireFeatureLike[] | null;
  deleted?: WireInt[] | null;
}

export interface SyncHandlers {
  /** Asks the server for what a tile missed; returns the request id (0: not connected). */
  resync(tile: string, afterSeq: number): number;
}

export class TileSync {
  readonly model = new TileModel();
  /** Tiles with a resync in flight, and its request id. */
  private readonly m_resyncing = new Map<string, number>();
  /** Per tile, sequence numbers already applied beyond a gap. */
  private readonly m_ahead = new Map<string, Set<number>>();

  constructor(private readonly m_layer: LayerLike, private readonly m_handlers: SyncHandlers) {}

  lastSeq(tile: string): number {
    return this.model.tile(tile)?.seq ?? 0;
  }

  resyncing(tile: string): boolean {
    return this.m_resyncing.has(tile);
  }

  snapshot(s: SnapshotLike): { drawn: number; rejected: Rejected[] } {
    const key = s.tileKey ?? '';
    const res = this.model.setSnapshot(s);
    this.m_layer.setTile(key, res.features);
    const seq = toNum(s.seq);
    const ahead = this.m_ahead.get(key);
    if (ahead) for (const n of [...ahead]) if (n <= seq) ahead.delete(n);
    this.advance(key);
    return { drawn: res.features.length, rejected: res.rejected };
  }

  dropTile(tile: string): void {
    this.model.removeTile(tile);
    this.m_layer.removeTile(tile);
    this.m_ahead.delete(tile);
    this.m_resyncing.delete(tile);
  }

  /** The connection dropped: resyncs in flight are lost (the tiles are subscribed again anyway). */
  reset(): void {
    this.m_resyncing.clear();
  }

  /**
   * A TileChange, live or answering a resync. Returns what changed, or null for a duplicate or a
   * tile not open.
   */
  change(c: ChangeLike): ApplyResult | null {
    const key = c.tileKey ?? '';
    const t = this.model.tile(key);
    if (!t) return null;
    const seq = toNum(c.seq);
    const ahead = this.ahead(key);
    if (seq <= t.seq || ahead.has(seq)) return null;
    const res = this.applyStates(key, c.features ?? [], c.deleted ?? []);
    ahead.add(seq);
    this.advance(key);
    if (t.seq < seq && !this.m_resyncing.has(key)) {
      const id = this.m_handlers.resync(key, t.seq);
      if (id) this.m_resyncing.set(key, id);
    }
    return res;
  }

  /** The states an ack of ours carries (its change may still come as a push: then a duplicate). */
  ack(key: string, seq: number, features: WireFeatureLike[], deleted: WireInt[]): ApplyResult {
    const t = this.model.tile(key);
    const res = this.applyStates(key, features, deleted);
    if (t && seq > t.seq) {
      this.ahead(key).add(seq);
      this.advance(key);
    }
    return res;
  }

  /** States that do not move the sequence (a conflict's current features). */
  applyStates(key: string, features: WireFeatureLike[], deleted: WireInt[]): ApplyResult {
    const res = this.model.apply(key, features, deleted);
    for (const id of res.removed) this.m_layer.remove(id);
    for (const f of res.upserted) this.m_layer.upsert(f);
    return res;
  }

  resyncDone(key: string, seq: number): void {
    this.m_resyncing.delete(key);
    const t = this.model.tile(key);
    if (!t) return;
    if (seq > t.seq) t.seq = seq;
    this.advance(key);
  }

  private ahead(key: string): Set<number> {
    let s = this.m_ahead.get(key);
    if (!s) this.m_ahead.set(key, (s = new Set()));
    return s;
  }

  /** Moves the tile's sequence over the numbers applied out of order that are now contiguous. */
  private advance(key: string): void {
    const t = this.model.tile(key);
    const ahead = this.m_ahead.get(key);
    if (!t || !ahead) return;
    for (const n of [...ahead]) if (n <= t.seq) ahead.delete(n);
    while (ahead.has(t.seq + 1)) {
      ahead.delete(t.seq + 1);
      t.seq++;
    }
  }
}
