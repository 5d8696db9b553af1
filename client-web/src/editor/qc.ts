// The quality-control issues of the open tiles (SPEC §5) as the server last said them: the full
// list from a snapshot or a QcReport, kept current by the introduced / fixed issues of every
// ack and live change, what this user's last change set introduced and fixed, the grouping the
// panel shows, and why a tile cannot be submitted.
// Pure, without runtime dependencies beyond geometry.ts, so that `npm test` runs it in Node.
import { toNum, type WireInt } from '../geometry.js';

export type Severity = 'blocking' | 'warning';

/** One issue, located in metres of the project CRS. */
export interface Issue {
  key: string;
  code: string;
  severity: Severity;
  features: number[];
  x: number;
  y: number;
  message: string;
  areaM2: number;
}

/** The subset of tessera.v1.QcIssue read here (severity: 1 blocking, 2 warning). */
export interface WireIssueLike {
  key?: string | null;
  code?: string | null;
  severity?: number | null;
  features?: WireInt[] | null;
  xCm?: WireInt;
  yCm?: WireInt;
  message?: string | null;
  areaM2?: number | null;
}

/** tessera.v1.QcReport: a tile's whole list. */
export interface WireReportLike {
  tileKey?: string | null;
  seq?: WireInt;
  issues?: WireIssueLike[] | null;
  wholeTileSeq?: WireInt;
  blocking?: number | null;
  warnings?: number | null;
}

/** What a ChangeAck or a TileChange says about the issues. */
export interface WireDeltaLike {
  tileKey?: string | null;
  seq?: WireInt;
  introduced?: WireIssueLike[] | null;
  fixed?: WireIssueLike[] | null;
  blocking?: number | null;
  warnings?: number | null;
}

export const SEVERITY_BLOCKING = 1;

export function toIssue(w: WireIssueLike): Issue {
  return {
    key: w.key ?? '',
    code: w.code ?? '',
    severity: w.severity === SEVERITY_BLOCKING ? 'blocking' : 'warning',
    features: (w.features ?? []).map(toNum),
    x: toNum(w.xCm) / 100,
    y: toNum(w.yCm) / 100,
    message: w.message ?? '',
    areaM2: w.areaM2 ?? 0,
  };
}

/** This user's last change set on a tile and what it did to the issues. */
export interface MyChange {
  changeSetId: string;
  seq: number;
  /** Keys of the issues it introduced. */
  introduced: string[];
  /** The issues it fixed (gone from the list, so kept here to be shown). */
  fixed: Issue[];
  atMs: number;
}

/**
 * One tile's issues. Deltas may come out of order (an ack ahead of a change not received yet) and
 * twice (an ack and the push of the same change): every key remembers the sequence number of
 * the last delta that touched it, and only a later one changes it again. A full report at
 * sequence S replaces the list, then the deltas after S held so far are applied on top.
 */
export class QcTile {
  readonly issues = new Map<string, Issue>();
  /** Whether a full list was received (a snapshot without `qc` leaves the list unknown). */
  known = false;
  /** The sequence number of the last full list, and of the last whole-tile check. */
  reportSeq = 0;
  wholeTileSeq = 0;
  /** The highest sequence number reflected (report or delta). */
  seq = 0;
  /** The tile's counts as the server last said them. */
  blocking = 0;
  warnings = 0;
  mine: MyChange | null = null;
  /** Bumped on every change, so that views redraw only when something changed. */
  version = 0;
  private m_countsSeq = -1;
  private readonly m_touched = new Map<string, { seq: number; issue: Issue | null }>();

  constructor(readonly key: string) {}

  /** A full list (a snapshot's or a QcReport). Returns false when older than the list held. */
  report(r: WireReportLike, fallbackSeq = 0): boolean {
    const seq = toNum(r.seq) || fallbackSeq;
    if (this.known && seq < this.reportSeq) return false;
    this.known = true;
    this.reportSeq = seq;
    this.wholeTileSeq = toNum(r.wholeTileSeq);
    this.issues.clear();
    for (const w of r.issues ?? []) {
      const i = toIssue(w);
      this.issues.set(i.key, i);
    }
    for (const [k, t] of this.m_touched) {
      if (t.seq <= seq) this.m_touched.delete(k);
      else if (t.issue) this.issues.set(k, t.issue);
      else this.issues.delete(k);
    }
    if (seq >= this.m_countsSeq) {
      this.blocking = r.blocking ?? 0;
      this.warnings = r.warnings ?? 0;
      this.m_countsSeq = seq;
    }
    this.seq = Math.max(this.seq, seq);
    this.version++;
    return true;
  }

  /**
   * The issues a change introduced and fixed. `countsValid`: the counts it carries are the
   * tile's (always in an ack; a pushed change without issues carries none). Returns false when
   * the list already reflects it.
   */
  delta(d: WireDeltaLike, countsValid: boolean): boolean {
    const seq = toNum(d.seq);
    if (this.known && seq <= this.reportSeq) return false;
    const newer = (k: string) => (this.m_touched.get(k)?.seq ?? -1) > seq;
    // Fixed first: a key both fixed and introduced by one change is replaced.
    for (const w of d.fixed ?? []) {
      const k = w.key ?? '';
      if (newer(k)) continue;
      this.m_touched.set(k, { seq, issue: null });
      this.issues.delete(k);
    }
    for (const w of d.introduced ?? []) {
      const i = toIssue(w);
      if (newer(i.key)) continue;
      this.m_touched.set(i.key, { seq, issue: i });
      this.issues.set(i.key, i);
    }
    const hasIssues = (d.introduced?.length ?? 0) + (d.fixed?.length ?? 0) > 0;
    if ((countsValid || hasIssues) && seq >= this.m_countsSeq) {
      this.blocking = d.blocking ?? 0;
      this.warnings = d.warnings ?? 0;
      this.m_countsSeq = seq;
    }
    this.seq = Math.max(this.seq, seq);
    this.version++;
    return true;
  }

  /** Records this user's change set (its ack), after `delta` applied it. */
  recordMine(changeSetId: string, d: WireDeltaLike, atMs: number): void {
    this.mine = {
      changeSetId,
      seq: toNum(d.seq),
      introduced: (d.introduced ?? []).map((w) => w.key ?? ''),
      fixed: (d.fixed ?? []).map(toIssue),
      atMs,
    };
    this.version++;
  }

  /** Whether an issue is one this user's last change set introduced (and still there). */
  isMine(key: string): boolean {
    return !!this.mine && this.mine.introduced.includes(key) && this.issues.has(key);
  }

  /** Counts of the issues listed (the server's counts are `blocking` and `warnings`). */
  listedCounts(): { blocking: number; warnings: number } {
    let blocking = 0;
    for (const i of this.issues.values()) if (i.severity === 'blocking') blocking++;
    return { blocking, warnings: this.issues.size - blocking };
  }
}

/** The issues of every open tile. */
export class QcStore {
  private readonly m_tiles = new Map<string, QcTile>();

  tile(key: string): QcTile | undefined {
    return this.m_tiles.get(key);
  }

  keys(): string[] {
    return [...this.m_tiles.keys()];
  }

  /** A snapshot (a fresh subscription): its `qc` is the tile's whole list. */
  snapshot(s: { tileKey?: string | null; seq?: WireInt; qc?: WireReportLike | null }): QcTile {
    const key = s.tileKey ?? '';
    const t = new QcTile(key);
    const old = this.m_tiles.get(key);
    if (old) t.mine = old.mine; // a resubscription keeps what this user's last change did
    this.m_tiles.set(key, t);
    if (s.qc) t.report(s.qc, toNum(s.seq));
    else t.seq = toNum(s.seq);
    return t;
  }

  /** A QcReport (answer or push) of an open tile; null when the tile is not open or it is stale. */
  report(r: WireReportLike): QcTile | null {
    const t = this.m_tiles.get(r.tileKey ?? '');
    return t && t.report(r) ? t : null;
  }

  /** An ack or a live change; `mine` (an ack of ours) records it as this user's last change. */
  delta(d: WireDeltaLike, opts: { countsValid: boolean; mine?: { changeSetId: string; atMs: number } }): QcTile | null {
    const t = this.m_tiles.get(d.tileKey ?? '');
    if (!t) return null;
    const applied = t.delta(d, opts.countsValid);
    if (opts.mine) t.recordMine(opts.mine.changeSetId, d, opts.mine.atMs);
    return applied || opts.mine ? t : null;
  }

  drop(key: string): void {
    this.m_tiles.delete(key);
  }
}

// ------------------------------------------------------------ what the panel shows

/** Short names of the controls (SPEC §5). */
export const CODE_LABELS: Record<string, string> = {
  invalid_geometry: 'Invalid geometry',
  multipart: 'Several parts',
  overlap: 'Overlaps',
  gap: 'Gaps',
  below_mmu: 'Below the minimum mapping unit',
  sliver: 'Slivers',
  unknown_code: 'Unknown code',
  non_leaf_code: 'Not a leaf class',
  legacy_code: 'Legacy code',
  incoherent_cs_us: 'Incoherent CS × US',
  same_class_neighbours: 'Neighbours with the same classes',
  edge_mismatch: 'Mismatch along a tile edge',
  unreviewed_low_confidence: 'Low confidence, not reviewed',
};

export function codeLabel(code: string): string {
  return CODE_LABELS[code] ?? code.replace(/_/g, ' ');
}

export interface CodeGroup {
  code: string;
  label: string;
  issues: Issue[];
}

export interface SeverityGroup {
  severity: Severity;
  count: number;
  codes: CodeGroup[];
}

/** Blocking first, then warnings; within each, by code; within a code, by message then key. */
export function groupIssues(issues: Iterable<Issue>): SeverityGroup[] {
  const by = new Map<Severity, Map<string, Issue[]>>([['blocking', new Map()], ['warning', new Map()]]);
  for (const i of issues) {
    const codes = by.get(i.severity)!;
    const list = codes.get(i.code);
    if (list) list.push(i);
    else codes.set(i.code, [i]);
  }
  const out: SeverityGroup[] = [];
  for (const [severity, codes] of by) {
    if (codes.size === 0) continue;
    const groups = [...codes.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, list]) => ({
        code,
        label: codeLabel(code),
        issues: list.sort((a, b) => a.message.localeCompare(b.message, 'en', { numeric: true }) || a.key.localeCompare(b.key)),
      }));
    out.push({ severity, count: groups.reduce((n, g) => n + g.issues.length, 0), codes: groups });
  }
  return out;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Your last change: +1 introduced, −2 fixed". */
export function mineText(m: MyChange): string {
  return `Your last change: +${m.introduced.length} introduced, \u2212${m.fixed.length} fixed`;
}

/** Tile states in which a tile is no longer open for editing, as the reason says them. */
const CLOSED_STATES: Record<string, string> = {
  submitted: 'submitted for review',
  in_review: 'in review',
  approved: 'approved',
  published: 'published',
};

export const OPEN_STATES = ['todo', 'in_progress', 'rejected'];

export interface SubmitContext {
  /** The tile's state name (todo, in_progress, submitted…). */
  state: string;
  /** The tile's blocking issues (the server's count). */
  blocking: number;
  /** Whether the issue list is known (a report came). */
  known: boolean;
  /** This user's change sets of the tile not acknowledged yet. */
  pending: number;
  connected: boolean;
  /** A submission of the tile is waiting for its answer. */
  submitting: boolean;
  /** Someone else holding the tile's lease (their name), or null. */
  heldBy: string | null;
  role: string;
}

/** Why the tile cannot be submitted now, or null when it can. */
export function submitBlockReason(c: SubmitContext): string | null {
  if (c.state && !OPEN_STATES.includes(c.state)) {
    return `Tile ${CLOSED_STATES[c.state] ?? c.state.replace(/_/g, ' ')}: no longer open for editing`;
  }
  if (c.role === 'admin') return 'Administrators manage accounts; tiles are submitted by their editors';
  if (c.heldBy) return `${c.heldBy} is working on this tile`;
  if (c.blocking > 0) return `${plural(c.blocking, 'blocking issue')} to fix before submitting`;
  if (!c.connected) return 'Offline: submit when the connection is back';
  if (c.submitting) return 'Submitting…';
  if (c.pending > 0) return 'Wait until your changes to this tile are saved';
  if (!c.known) return 'The quality report of this tile has not arrived yet';
  return null;
}
