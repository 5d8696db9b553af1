// The undo and redo stacks of this user's change sets, and the bookkeeping of undo/redo change
// sets in flight (which history entry each one inverts).
import type { ModelFeature, TileData } from './model';
import { buildInverse, largestFormerOwner, recordEntry, remapAfterRestore, type FeatureState, type HistoryEntry } from './undo';
import type { WireOp } from './wire';

export type Direction = 'undo' | 'redo';

const MAX_DEPTH = 100;

export class History {
  private m_undo: HistoryEntry[] = [];
  private m_redo: HistoryEntry[] = [];
  private readonly m_inFlight = new Map<string, { entry: HistoryEntry; direction: Direction }>();

  get undoDepth(): number {
    return this.m_undo.length;
  }

  get redoDepth(): number {
    return this.m_redo.length;
  }

  peek(direction: Direction): HistoryEntry | undefined {
    const s = direction === 'undo' ? this.m_undo : this.m_redo;
    return s[s.length - 1];
  }

  /** Takes the top entry and the ops that invert it (empty: nothing left to restore). */
  take(direction: Direction, tile: TileData): { entry: HistoryEntry; ops: WireOp[] } | null {
    const s = direction === 'undo' ? this.m_undo : this.m_redo;
    const entry = s.pop();
    if (!entry) return null;
    return { entry, ops: buildInverse(entry, tile.originXcm, tile.originYcm) };
  }

  /** The change set `csId` carries the inverse of `entry`. */
  sent(csId: string, entry: HistoryEntry, direction: Direction): void {
    this.m_inFlight.set(csId, { entry, direction });
  }

  /** An undo or redo that failed (conflict, refused): that step is dropped. */
  failed(csId: string): HistoryEntry | undefined {
    const f = this.m_inFlight.get(csId);
    this.m_inFlight.delete(csId);
    return f?.entry;
  }

  isInverse(csId: string): boolean {
    return this.m_inFlight.has(csId);
  }

  /**
   * Records an acknowledged change set of ours. Returns the features an undo created that are
   * still there and the old feature to merge each into (the "follow-up").
   */
  acked(
    csId: string,
    tile: string,
    label: string,
    before: (id: number) => FeatureState | undefined,
    after: ModelFeature[],
    created: number[],
    deleted: number[],
    stillThere: (id: number) => ModelFeature | undefined,
  ): { leftovers: { created: ModelFeature; owner: FeatureState }[] } {
    const entry = recordEntry(tile, label, before, after, created, deleted);
    const inv = this.m_inFlight.get(csId);
    this.m_inFlight.delete(csId);
    const leftovers: { created: ModelFeature; owner: FeatureState }[] = [];
    if (!inv) {
      if (entry) {
        this.m_undo.push(entry);
        if (this.m_undo.length > MAX_DEPTH) this.m_undo.shift();
      }
      this.m_redo = [];
      return { leftovers };
    }
    remapAfterRestore([...this.m_undo, ...this.m_redo], inv.entry, after, created);
    // A feature the undone change set created is normally covered again by what was restored.
    for (const id of inv.entry.created) {
      const f = stillThere(id);
      const owner = f ? largestFormerOwner(inv.entry, f.rings) : null;
      if (f && owner) leftovers.push({ created: f, owner });
    }
    if (entry) (inv.direction === 'undo' ? this.m_redo : this.m_undo).push(entry);
    return { leftovers };
  }

  /** A follow-up merge changed what the last undo produced: its redo no longer applies. */
  dropRedo(): void {
    this.m_redo = [];
  }

  clear(): void {
    this.m_undo = [];
    this.m_redo = [];
    this.m_inFlight.clear();
  }
}
