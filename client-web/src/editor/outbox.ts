// The outbox: change sets sent (or to send) and not yet acknowledged, in order per tile. One
// change set per tile is in flight at a time, so that the next one can reference the versions
// the previous one produced. Kept in sessionStorage so that a reload resends them with the SAME
// ids (the server answers a repeated id with its first outcome). Pure apart from the storage
// handed in, so that `npm test` runs it in Node.
import { opRefs, type WireChangeSet } from './wire.js';

export type EntryKind = 'edit' | 'undo' | 'redo' | 'follow-up';

export interface OutboxEntry {
  cs: WireChangeSet;
  /** For people: "set class", "reshape"… */
  label: string;
  kind: EntryKind;
  createdAt: number;
  /** queued: to send; sent: waiting for its answer; conflict: waiting for the user's decision. */
  status: 'queued' | 'sent' | 'conflict';
  requestId: number;
  sentAt: number;
  attempts: number;
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The tab's sessionStorage (kept across a reload, not shared with other tabs), if usable. */
export function sessionStore(): StorageLike | null {
  try {
    return (globalThis as { sessionStorage?: StorageLike }).sessionStorage ?? null;
  } catch {
    return null;
  }
}

interface Stored {
  cs: WireChangeSet;
  label: string;
  kind: EntryKind;
  createdAt: number;
}

export class Outbox {
  private m_entries: OutboxEntry[] = [];

  constructor(private readonly m_storage: StorageLike | null, private readonly m_key: string) {
    this.load();
  }

  get size(): number {
    return this.m_entries.length;
  }

  entries(): OutboxEntry[] {
    return [...this.m_entries];
  }

  get(id: string): OutboxEntry | undefined {
    return this.m_entries.find((e) => e.cs.id === id);
  }

  byRequest(requestId: number): OutboxEntry | undefined {
    return requestId ? this.m_entries.find((e) => e.status === 'sent' && e.requestId === requestId) : undefined;
  }

  forTile(tile: string): OutboxEntry[] {
    return this.m_entries.filter((e) => e.cs.tileKey === tile);
  }

  tiles(): string[] {
    return [...new Set(this.m_entries.map((e) => e.cs.tileKey))];
  }

  add(cs: WireChangeSet, label: string, kind: EntryKind, now = Date.now()): OutboxEntry {
    const e: OutboxEntry = { cs, label, kind, createdAt: now, status: 'queued', requestId: 0, sentAt: 0, attempts: 0 };
    this.m_entries.push(e);
    this.save();
    return e;
  }

  remove(id: string): OutboxEntry | undefined {
    const i = this.m_entries.findIndex((e) => e.cs.id === id);
    if (i < 0) return undefined;
    const [e] = this.m_entries.splice(i, 1);
    this.save();
    return e;
  }

  /** The change set to send next for a tile: its oldest, when nothing of the tile is in flight or held. */
  next(tile: string): OutboxEntry | undefined {
    const head = this.m_entries.find((e) => e.cs.tileKey === tile);
    return head && head.status === 'queued' ? head : undefined;
  }

  markSent(e: OutboxEntry, requestId: number, now = Date.now()): void {
    e.status = 'sent';
    e.requestId = requestId;
    e.sentAt = now;
    e.attempts++;
  }

  /** After a drop or for a resend: everything in flight (of `tile`, or all) goes back to the queue. */
  requeue(tile?: string): void {
    for (const e of this.m_entries) {
      if (e.status === 'sent' && (tile === undefined || e.cs.tileKey === tile)) {
        e.status = 'queued';
        e.requestId = 0;
      }
    }
  }

  /** Sent entries that had no answer for `ms`: answers can be lost (e.g. a rate-limit error without a request id). */
  overdue(ms: number, now = Date.now()): OutboxEntry[] {
    return this.m_entries.filter((e) => e.status === 'sent' && now - e.sentAt > ms);
  }

  /** Replaces the ops of an entry and gives it a new id (a change set rebuilt after a conflict). */
  replace(e: OutboxEntry, cs: WireChangeSet): void {
    e.cs = cs;
    e.status = 'queued';
    e.requestId = 0;
    this.save();
  }

  /**
   * One of our change sets moved features from version `from` to `to`: the queued change sets of
   * the tile that started from `from` (built before the ack) now start from `to`.
   */
  remapVersions(tile: string, moved: Map<number, { from: number; to: number }>): void {
    let changed = false;
    for (const e of this.m_entries) {
      if (e.cs.tileKey !== tile || e.status === 'sent') continue;
      for (const op of e.cs.ops) {
        for (const r of opRefs(op)) {
          const m = moved.get(r.id);
          if (m && r.version === m.from) {
            r.version = m.to;
            changed = true;
          }
        }
      }
    }
    if (changed) this.save();
  }

  private load(): void {
    if (!this.m_storage) return;
    let raw: string | null = null;
    try {
      raw = this.m_storage.getItem(this.m_key);
    } catch {
      return;
    }
    if (!raw) return;
    try {
      const list = JSON.parse(raw) as Stored[];
      if (!Array.isArray(list)) return;
      for (const s of list) {
        if (!s?.cs?.id || !s.cs.tileKey || !Array.isArray(s.cs.ops)) continue;
        this.m_entries.push({ cs: s.cs, label: s.label ?? 'change', kind: s.kind ?? 'edit', createdAt: s.createdAt ?? 0, status: 'queued', requestId: 0, sentAt: 0, attempts: 0 });
      }
    } catch {
      /* a corrupt entry is not worth a crash; nothing can be resent from it */
    }
  }

  private save(): void {
    if (!this.m_storage) return;
    try {
      if (this.m_entries.length === 0) {
        this.m_storage.removeItem(this.m_key);
        return;
      }
      const list: Stored[] = this.m_entries.map((e) => ({ cs: e.cs, label: e.label, kind: e.kind, createdAt: e.createdAt }));
      this.m_storage.setItem(this.m_key, JSON.stringify(list));
    } catch {
      /* storage full or disabled: the outbox still works in memory */
    }
  }
}
