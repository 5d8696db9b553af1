// The collaborative editor: selection, the user's actions turned into change sets, the outbox
// and what the server answers (ack, conflict, error), live changes, presence and leases, the
// quality-control issues of the open tiles, checks and submission.
// The map tools, palette, dialogs and panels are its parts; the app feeds it the socket traffic.
import { toNum } from '../geometry';
import type { MapView } from '../map';
import type { Nomenclature } from '../nomenclature';
import { TILE_STATE_NAMES, type ConnState, type PendingRequest, type TesseraSocket, type WireError } from '../socket';
import { stateChangeText } from '../review/state';
import { stateStyle } from '../styles';
import { toast } from '../ui/toast';
import type { tessera } from '../generated/tessera';
import { changeSet, confirmOps, drawnFeature, groupByTile, drawOp, mergeOp, rebase, reshapeOp, setClassOps, splitOp } from './changesets';
import { ConflictDialog, conflictView } from './conflict';
import { History, type Direction } from './history';
import { decodeFeature, type ModelFeature } from './model';
import { Outbox, sessionStore, type EntryKind, type OutboxEntry } from './outbox';
import type { ClassChoice } from './palette';
import { QcStore, type WireIssueLike } from './qc';
import { TileSync } from './sync';
import { EditGeometryError, opRefs, sameGeometry, type WireOp } from './wire';
import { EditorUi, type EditorUiHost } from './ui';

export interface EditorHost extends EditorUiHost {
  socket: TesseraSocket;
  view: MapView;
  nomen: Nomenclature;
  storageKey: string;
  /** Whether a tile is subscribed and its snapshot in (change sets may be sent for it). */
  isReady(tile: string): boolean;
  tileStateChanged(tile: string, state: number): void;
  /** A TileStateChanged (an answer or a push), after the state was applied: reviews follow it. */
  stateMessage(s: tessera.v1.TileStateChanged.$Properties, requestId: number, request: PendingRequest | undefined): void;
  /** Polygons changed: counts and legend. */
  changed(): void;
}

export interface AckSummary {
  changeSetId: string;
  tile: string;
  seq: number;
  features: { id: number; version: number; codeCs: string; codeUs: string; areaM2: number }[];
  deleted: number[];
  created: number[];
  duplicate: boolean;
  merged: boolean;
  /** Quality issues the change set introduced and fixed, and the tile's counts after it. */
  introduced: IssueSummary[];
  fixed: IssueSummary[];
  blocking: number;
  warnings: number;
}

export interface IssueSummary {
  key: string;
  code: string;
  severity: string;
  features: number[];
}

function issueSummary(w: WireIssueLike): IssueSummary {
  return { key: w.key ?? '', code: w.code ?? '', severity: w.severity === 1 ? 'blocking' : 'warning', features: (w.features ?? []).map(toNum) };
}

const ANSWER_TIMEOUT_MS = 30_000;

export class Editor {
  readonly sync: TileSync;
  readonly outbox: Outbox;
  readonly history = new History();
  readonly qc = new QcStore();
  readonly ui: EditorUi;
  /** Check and submit requests waiting for their answer, by tile. */
  private readonly m_checking = new Map<string, number>();
  private readonly m_submitting = new Map<string, number>();
  private readonly m_conflicts: { entry: OutboxEntry; c: tessera.v1.Conflict.$Properties }[] = [];
  private readonly m_conflict: ConflictDialog;
  private m_lastAck: AckSummary | null = null;
  private m_me = 0;
  private m_username = '';
  private m_role = '';
  private m_timer: number;

  constructor(private readonly m_host: EditorHost) {
    const layer = m_host.view.features;
    this.sync = new TileSync(layer, { resync: (tile, after) => m_host.socket.resync(tile, after) });
    this.outbox = new Outbox(sessionStore(), m_host.storageKey);
    this.m_conflict = new ConflictDialog(m_host.view.map, m_host.nomen);
    this.ui = new EditorUi(m_host, this, this.m_conflict);
    this.m_timer = window.setInterval(() => this.resendOverdue(), 5_000);
    this.refreshPending();
  }

  get me(): number {
    return this.m_me;
  }

  get lastAck(): AckSummary | null {
    return this.m_lastAck;
  }

  get role(): string {
    return this.m_role;
  }

  checking(tile: string): boolean {
    return this.m_checking.has(tile);
  }

  submitting(tile: string): boolean {
    return this.m_submitting.has(tile);
  }

  stop(): void {
    window.clearInterval(this.m_timer);
    this.ui.stop();
  }

  // ------------------------------------------------------------ socket traffic

  authenticated(userId: number, username = '', role = ''): void {
    this.m_me = userId;
    this.m_username = username;
    this.m_role = role;
    this.ui.presence.me = userId;
    this.ui.refreshQc();
  }

  connection(state: ConnState): void {
    if (state !== 'connected') {
      this.outbox.requeue();
      this.sync.reset();
      // Requests in flight are lost with the connection.
      this.m_checking.clear();
      this.m_submitting.clear();
    }
    this.ui.refreshSaveState();
  }

  snapshot(s: tessera.v1.TileSnapshot.$Properties): ReturnType<TileSync['snapshot']> {
    const res = this.sync.snapshot(s);
    const key = s.tileKey ?? '';
    this.qc.snapshot(s);
    this.ui.qcChanged(key);
    this.outbox.requeue(key); // a fresh subscription: whatever was in flight is resent (same ids)
    this.ui.forgetSentSelection(key);
    this.refreshPending();
    this.ui.afterModelChange();
    this.flush(key);
    return res;
  }

  dropTile(tile: string): void {
    this.sync.dropTile(tile);
    this.qc.drop(tile);
    this.m_checking.delete(tile);
    this.m_submitting.delete(tile);
    this.ui.qcDropped(tile);
    this.ui.presence.drop(tile);
    this.ui.forgetSentSelection(tile);
    this.ui.afterModelChange();
  }

  /** Whether a tile may be closed: not while change sets of it wait for the server. */
  canClose(tile: string): boolean {
    return this.outbox.forTile(tile).length === 0;
  }

  message(msg: tessera.v1.ServerMessage, requestId: number, request?: PendingRequest): void {
    switch (msg.body) {
      case 'ack':
        this.onAck(msg.ack!);
        break;
      case 'conflict':
        this.onConflict(msg.conflict!);
        break;
      case 'change': {
        const c = msg.change!;
        // The state even from a duplicate: the push of our own change is the one that carries it.
        const key = c.tileKey ?? '';
        if (c.state && TILE_STATE_NAMES[c.state] !== this.m_host.tileState(key)) {
          this.m_host.tileStateChanged(key, c.state);
          this.ui.presence.render();
          this.ui.refreshQc();
        }
        // The issues even from a duplicate (the push of our own change says what the ack said).
        if (this.qc.delta(c, { countsValid: false })) this.ui.qcChanged(key);
        const res = this.sync.change(c);
        if (!res) break;
        const mine = toNum(c.authorId) === this.m_me && this.m_me !== 0;
        if (!mine) this.m_host.view.features.flash(res.upserted.map((f) => f.id));
        this.ui.afterModelChange();
        break;
      }
      case 'resyncDone':
        this.sync.resyncDone(msg.resyncDone!.tileKey ?? '', toNum(msg.resyncDone!.seq));
        break;
      case 'presence':
        this.ui.onPresence(msg.presence!, requestId !== 0);
        break;
      case 'leaseNotice':
        this.ui.onLeaseNotice(msg.leaseNotice!.tileKey ?? '', msg.leaseNotice!.reason ?? '');
        break;
      case 'qcReport':
        this.onQcReport(msg.qcReport!, requestId, request);
        break;
      case 'tileState':
        this.onTileState(msg.tileState!, requestId);
        this.m_host.stateMessage(msg.tileState!, requestId, request);
        break;
      default:
        break;
    }
  }

  /** An error answering one of our editing requests. Returns whether it was handled here. */
  error(err: WireError, kind: string, changeSetId: string | undefined, keys: string[]): boolean {
    if (kind === 'claim_lease' || kind === 'release_lease') {
      toast(err.message || `The lease could not be ${kind === 'claim_lease' ? 'claimed' : 'released'}.`, 'warning');
      return true;
    }
    if (kind === 'resync') {
      this.sync.reset();
      return false;
    }
    if (kind === 'check_tile' || kind === 'submit_tile') {
      const tile = keys[0] ?? '';
      (kind === 'check_tile' ? this.m_checking : this.m_submitting).delete(tile);
      this.ui.refreshQc();
      // A refused submission: its report follows and the panel lists what blocks it.
      toast(kind === 'submit_tile' ? `Tile ${tile} was not submitted: ${err.message}` : `The tile could not be checked: ${err.message}`,
        err.code === 'invalid_operation' ? 'warning' : 'error', 10_000);
      return true;
    }
    if (kind !== 'change_set' || !changeSetId) return false;
    const entry = this.outbox.get(changeSetId);
    if (!entry) return true;
    if (err.code === 'unavailable' || /^subscribe to tile/.test(err.message)) {
      entry.status = 'queued'; // the database is away, or the tile is being subscribed again: retry
      window.setTimeout(() => this.flush(keys[0] ?? entry.cs.tileKey), 3_000);
      this.ui.refreshSaveState();
      return true;
    }
    this.outbox.remove(changeSetId);
    this.restoreVisuals(entry);
    const step = this.history.failed(changeSetId);
    const what = step ? `${entry.kind === 'redo' ? 'Redo' : 'Undo'} is not possible` : `Your ${entry.label} was not saved`;
    toast(`${what}: ${err.message}${err.field ? ` (${err.field})` : ''}`, 'error', 12_000);
    this.afterOutboxChange(entry.cs.tileKey);
    return true;
  }

  // ------------------------------------------------------------ actions

  /** Queues a change set and sends it when its turn comes. */
  submit(tile: string, ops: WireOp[], label: string, kind: EntryKind = 'edit'): OutboxEntry | null {
    if (ops.length === 0) return null;
    const lock = this.m_host.lockReason(tile);
    if (lock) {
      toast(`${lock}.`, 'info', 3000);
      return null;
    }
    if (ops.length > 500) {
      toast(`Too many changes at once (${ops.length}); at most 500.`, 'warning');
      return null;
    }
    const entry = this.outbox.add(changeSet(tile, ops), label, kind);
    this.afterOutboxChange(tile);
    return entry;
  }

  setClasses(features: ModelFeature[], c: ClassChoice): void {
    for (const [tile, list] of groupByTile(features)) {
      this.submit(tile, setClassOps(list, c.codeCs, c.codeUs), 'class change');
    }
  }

  confirm(features: ModelFeature[]): void {
    if (features.every((f) => f.reviewed)) return void toast('Already reviewed: nothing to confirm.', 'info', 2500);
    for (const [tile, list] of groupByTile(features)) this.submit(tile, confirmOps(list), 'confirmation');
  }

  merge(features: ModelFeature[]): void {
    const tiles = groupByTile(features);
    if (features.length < 2) return void toast('Select two or more adjacent polygons (Shift+click) to merge them.', 'info');
    if (tiles.size > 1) return void toast('Polygons of different tiles cannot be merged here: they join at publication.', 'warning');
    this.submit(features[0].tile, [mergeOp(features)], 'merge');
  }

  reshape(id: number, rings: [number, number][][]): void {
    const f = this.sync.model.get(id);
    const t = f && this.sync.model.tile(f.tile);
    if (!f || !t) return;
    if (sameGeometry(f.rings, rings)) return;
    this.guard(() => this.submit(f.tile, [reshapeOp(t, f, rings)], 'reshape'), () => this.m_host.view.features.restore(f, id));
  }

  split(f: ModelFeature, line: number[][]): void {
    const t = this.sync.model.tile(f.tile);
    if (!t) return;
    this.guard(() => this.submit(f.tile, [splitOp(t, f, line)], 'split'));
  }

  draw(tile: string, rings: [number, number][][], c: ClassChoice): void {
    const t = this.sync.model.tile(tile);
    if (!t) return;
    this.guard(() => this.submit(tile, [drawOp(t, rings, c.codeCs, c.codeUs)], 'drawing'));
  }

  /** Undo (or redo) this user's last change set, as a change set of its own. */
  undoRedo(direction: Direction): void {
    const top = this.history.peek(direction);
    if (!top) return void toast(direction === 'undo' ? 'Nothing to undo.' : 'Nothing to redo.', 'info', 2500);
    const t = this.sync.model.tile(top.tile);
    if (!t || !this.m_host.isReady(top.tile)) return void toast(`Open tile ${top.tile} to ${direction} its last change.`, 'warning');
    if (this.outbox.forTile(top.tile).length) return void toast(`Wait until your changes to tile ${top.tile} are saved.`, 'info', 3000);
    const lock = this.m_host.lockReason(top.tile);
    if (lock) return void toast(`${lock}.`, 'info', 3000);
    let taken: ReturnType<History['take']> = null;
    try {
      taken = this.history.take(direction, t);
    } catch (e) {
      return void toast(`Cannot ${direction}: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
    if (!taken) return;
    if (taken.ops.length === 0) return void toast(`Nothing to ${direction} in “${taken.entry.label}”.`, 'info');
    const entry = this.submit(top.tile, taken.ops, `${direction} of ${taken.entry.label}`, direction);
    if (entry) this.history.sent(entry.cs.id, taken.entry, direction);
  }

  private guard(fn: () => void, onError?: () => void): void {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof EditGeometryError)) throw e;
      toast(`This edit cannot be sent: ${e.message}.`, 'warning');
      onError?.();
    }
  }

  // ------------------------------------------------------------ quality controls

  /** Runs the tile's whole quality controls now (answered by a QcReport). */
  checkTile(tile: string): void {
    if (this.m_checking.has(tile)) return;
    const id = this.m_host.socket.checkTile(tile);
    if (!id) return void toast('Not connected: check the tile when the connection is back.', 'warning');
    this.m_checking.set(tile, id);
    this.ui.refreshQc();
  }

  /** Submits the tile for review; the server checks the whole tile first. */
  submitTile(tile: string): void {
    if (this.m_submitting.has(tile)) return;
    if (this.outbox.forTile(tile).length) return void toast(`Wait until your changes to tile ${tile} are saved.`, 'info', 3000);
    const id = this.m_host.socket.submitTile(tile);
    if (!id) return void toast('Not connected: submit the tile when the connection is back.', 'warning');
    this.m_submitting.set(tile, id);
    this.ui.refreshQc();
  }

  private onQcReport(r: tessera.v1.QcReport.$Properties, requestId: number, request?: PendingRequest): void {
    const tile = r.tileKey ?? request?.keys[0] ?? '';
    if (requestId && this.m_checking.get(tile) === requestId) this.m_checking.delete(tile);
    if (this.qc.report(r)) this.ui.qcChanged(tile);
    else this.ui.refreshQc();
  }

  private onTileState(s: tessera.v1.TileStateChanged.$Properties, requestId: number): void {
    const tile = s.tileKey ?? '';
    const mine = requestId !== 0 && this.m_submitting.get(tile) === requestId;
    if (mine) this.m_submitting.delete(tile);
    const name = s.state ? TILE_STATE_NAMES[s.state] : undefined;
    if (s.state && name !== this.m_host.tileState(tile)) this.m_host.tileStateChanged(tile, s.state);
    this.ui.presence.render();
    this.ui.refreshQc();
    const label = stateStyle(name ?? '').label.toLowerCase();
    if (mine) toast(name === 'submitted' ? `Tile ${tile} submitted for review.` : `Tile ${tile} is now ${label}.`, 'success');
    else if (requestId === 0 && s.by !== this.m_username) {
      // Someone else's transition (or a review lapsing): said to every viewer of the tile.
      const said = stateChangeText({
        tile, state: name ?? '', from: TILE_STATE_NAMES[s.from ?? 0] ?? '', by: s.by ?? '', reasons: s.reasons ?? [],
        comment: s.comment ?? '', comments: s.comments?.length ?? 0,
      }, this.m_username);
      toast(said.text, said.kind, said.kind === 'warning' ? 15_000 : undefined);
    }
  }

  // ------------------------------------------------------------ outbox

  /** Sends the next change set of a tile when nothing of it is in flight. */
  flush(tile: string): void {
    if (this.m_host.socket.state !== 'connected' || !this.m_host.isReady(tile)) return;
    const next = this.outbox.next(tile);
    if (!next) return;
    const id = this.m_host.socket.changeSet(next.cs);
    if (id) this.outbox.markSent(next, id);
    this.ui.refreshSaveState();
  }

  private resendOverdue(): void {
    for (const e of this.outbox.overdue(ANSWER_TIMEOUT_MS)) {
      e.status = 'queued';
      this.flush(e.cs.tileKey);
    }
  }

  private afterOutboxChange(tile: string): void {
    this.refreshPending();
    this.flush(tile);
    this.ui.refreshSaveState();
    this.ui.refreshSelection();
  }

  private refreshPending(): void {
    this.ui.showPending(this.outbox.entries(), this.sync.model);
  }

  private restoreVisuals(entry: OutboxEntry): void {
    for (const op of entry.cs.ops) for (const r of opRefs(op)) this.m_host.view.features.restore(this.sync.model.get(r.id), r.id);
  }

  // ------------------------------------------------------------ answers

  private onAck(a: tessera.v1.ChangeAck.$Properties): void {
    const id = a.changeSetId ?? '';
    const tile = a.tileKey ?? '';
    const t = this.sync.model.tile(tile);
    const entry = this.outbox.get(id);
    const wire = a.features ?? [];
    const deleted = (a.deleted ?? []).map(toNum);
    const created = (a.created ?? []).map(toNum);
    const after: ModelFeature[] = [];
    if (t) for (const wf of wire) {
      try {
        after.push(decodeFeature(tile, wf, t.originXcm, t.originYcm));
      } catch {
        /* the model reports undrawable features */
      }
    }
    const model = this.sync.model;
    const moved = new Map<number, { from: number; to: number }>();
    const before = new Map<number, ModelFeature>(); // read before the ack is applied
    for (const f of after) {
      const b = model.get(f.id);
      if (!b) continue;
      before.set(f.id, b);
      if (b.version < f.version) moved.set(f.id, { from: b.version, to: f.version });
    }
    for (const d of deleted) {
      const b = model.get(d);
      if (b) before.set(d, b);
    }
    this.sync.ack(tile, toNum(a.seq), wire, deleted);
    // An ack answers a change set of this user's outbox: it becomes "my last change".
    if (this.qc.delta(a, { countsValid: true, mine: entry ? { changeSetId: id, atMs: Date.now() } : undefined })) {
      this.ui.qcChanged(tile, entry && !a.duplicate ? (a.introduced ?? []).map((i) => i.key ?? '') : []);
    }
    let leftovers: ReturnType<History['acked']>['leftovers'] = [];
    if (entry?.kind === 'follow-up') this.history.dropRedo();
    else if (entry) leftovers = this.history.acked(id, tile, entry.label, (fid) => before.get(fid), after, created, deleted, (fid) => model.get(fid)).leftovers;
    this.outbox.remove(id);
    this.outbox.remapVersions(tile, moved);
    this.m_lastAck = {
      changeSetId: id, tile, seq: toNum(a.seq),
      features: after.map((f) => ({ id: f.id, version: f.version, codeCs: f.codeCs, codeUs: f.codeUs, areaM2: f.areaM2 })),
      deleted, created, duplicate: !!a.duplicate, merged: !!a.merged,
      introduced: (a.introduced ?? []).map(issueSummary), fixed: (a.fixed ?? []).map(issueSummary),
      blocking: a.blocking ?? 0, warnings: a.warnings ?? 0,
    };
    if (entry) this.restoreVisuals(entry); // the optimistic classes and dragged outlines give way to the server's
    if (a.merged) toast(`Saved. Someone changed the same polygons meanwhile; both changes were kept.`, 'info');
    for (const l of leftovers) {
      const owner = model.get(l.owner.id);
      if (owner) this.submit(tile, [mergeOp([owner, l.created])], 'undo clean-up', 'follow-up');
    }
    const drawn = entry?.kind === 'edit' ? drawnFeature(entry.cs.ops, after, created) : null;
    if (drawn !== null) this.ui.select([drawn]);
    this.afterOutboxChange(tile);
    this.ui.afterModelChange();
  }

  private onConflict(c: tessera.v1.Conflict.$Properties): void {
    const entry = this.outbox.get(c.changeSetId ?? '');
    const tile = c.tileKey ?? '';
    this.sync.applyStates(tile, c.current ?? [], c.gone ?? []);
    this.ui.afterModelChange();
    if (!entry) return;
    if (entry.kind !== 'edit') {
      this.outbox.remove(entry.cs.id);
      this.history.failed(entry.cs.id);
      this.restoreVisuals(entry);
      toast(entry.kind === 'follow-up' ? 'The undo left a piece that could not be merged back.'
        : `${entry.kind === 'undo' ? 'Undo' : 'Redo'} is not possible: someone changed these polygons since (${c.message}).`, 'warning', 10_000);
      this.afterOutboxChange(tile);
      return;
    }
    entry.status = 'conflict';
    this.m_conflicts.push({ entry, c });
    this.ui.refreshSaveState();
    this.nextConflict();
  }

  private nextConflict(): void {
    if (this.m_conflict.isOpen) return;
    const next = this.m_conflicts.shift();
    if (!next) return;
    const { entry, c } = next;
    const tile = entry.cs.tileKey;
    this.m_conflict.show(conflictView(entry, c, this.sync.model), () => {
      this.outbox.remove(entry.cs.id);
      this.restoreVisuals(entry);
      toast(`Kept theirs: your ${entry.label} was dropped.`, 'info');
      this.afterOutboxChange(tile);
      this.nextConflict();
    }, () => {
      const r = rebase(entry.cs, (id) => this.sync.model.get(id));
      if (r.cs.ops.length === 0) {
        this.outbox.remove(entry.cs.id);
        this.restoreVisuals(entry);
        toast(`Nothing of your ${entry.label} is left to apply: its polygons were deleted.`, 'warning');
      } else {
        this.outbox.replace(entry, r.cs);
        if (r.dropped) toast(`${r.dropped} of your changes concerned deleted polygons and were dropped.`, 'warning');
      }
      this.afterOutboxChange(tile);
      this.nextConflict();
    });
  }
}
