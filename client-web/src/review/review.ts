// Reviews in the main view (SPEC §2–3): per open tile, its reviews (GET /api/v1/reviews) and the
// pinned comments of its last rejection on the map; for controllers and leads, claiming a
// submitted tile, and while holding its review, the prediction (GET /api/v1/prediction) compared
// with the correction (swipe or side by side, changes outlined and listed), approving, rejecting
// with reasons and pinned comments (a click on the map, on a polygon or not), releasing; for
// leads, reopening. Every request is answered by a TileStateChanged (also pushed to the tile's
// viewers) or an Error.
import type { Coordinate } from 'ol/coordinate';
import * as api from '../api';
import type { Editor } from '../editor/editor';
import { parseTileKey, toNum } from '../geometry';
import type { tessera } from '../generated/tessera';
import type { MapView } from '../map';
import type { Nomenclature } from '../nomenclature';
import { REVIEW_REQUEST_KINDS, TILE_STATE_NAMES, type PendingRequest, type TesseraSocket, type WireError } from '../socket';
import { toast } from '../ui/toast';
import { CompareView } from './compare';
import { diffPrediction, type Change, type ChangeList } from './diff';
import { PinLayer } from './pins';
import { ReviewPanel, type ReviewPanelView } from './panel';
import { reasonName } from './reasons';
import {
  currentReviewer, defaultPinReason, editLockReason, emptyDraft, lastDecision, mayReview, pinsToShow, rejectMessage, rejectProblem,
  reviewActions, stateChangeText, type Box, type RejectDraft,
} from './state';

export interface ReviewHost {
  socket: TesseraSocket;
  view: MapView;
  nomen: Nomenclature;
  project: api.Project;
  editor: Editor;
  user: api.User;
  mapWrap: HTMLElement;
  tileState(tile: string): string;
  /** Tiles subscribed with their snapshot in. */
  openTiles(): string[];
}

interface TileReview {
  reviews: api.ReviewJson[];
  loaded: boolean;
  loading: boolean;
  /** Who claimed it, as the last TileStateChanged said (until the next one). */
  claimedBy: string | null;
  prediction: api.PredictedFeature[] | null;
  predictionLoading: boolean;
  predictionError: string | null;
  changes: ChangeList | null;
  /** Bumped on every change of the tile's features: the changes are recomputed when it moved. */
  changesAt: number;
  draft: RejectDraft;
}

const ANSWER_TIMEOUT_MS = 30_000;

export class ReviewController {
  readonly panel: ReviewPanel;
  readonly compare: CompareView;
  readonly pins: PinLayer;
  private readonly m_tiles = new Map<string, TileReview>();
  /** Review requests waiting for their answer, by tile. */
  private readonly m_busy = new Map<string, { kind: string; id: number; at: number }>();
  private m_pinMode = false;
  private m_nextPin = 1;
  private m_modelVersion = 0;
  private m_shown: string | null = null;
  private m_stopped = false;

  constructor(private readonly m_host: ReviewHost, rightbar: HTMLElement) {
    const view = m_host.view;
    this.pins = new PinLayer(view.map);
    this.compare = new CompareView(view.map, m_host.project, m_host.nomen, view.features.layer, m_host.mapWrap, view.features.settings);
    this.panel = new ReviewPanel(m_host.nomen, {
      claim: (t) => this.send(t, 'claim_review', () => m_host.socket.claimReview(t)),
      release: (t) => this.send(t, 'release_review', () => m_host.socket.releaseReview(t)),
      approve: (t, comment) => this.send(t, 'approve_tile', () => m_host.socket.approveTile(t, comment)),
      reject: (t) => this.reject(t),
      reopen: (t, reason) => this.send(t, 'reopen_tile', () => m_host.socket.reopenTile(t, reason)),
      draftChanged: () => this.draftChanged(),
      togglePinMode: () => this.setPinMode(!this.m_pinMode),
      removePin: (id) => this.removePin(id),
      focusPin: (n, draft) => this.focusPin(n, draft),
      focusChange: (c) => this.focusChange(c),
    });
    // After the tile panel, before the quality panel.
    const tilePanel = rightbar.querySelector('#tile-panel');
    if (tilePanel) tilePanel.after(this.panel.el);
    else rightbar.prepend(this.panel.el);
    view.map.on('singleclick', (ev) => {
      if (this.m_pinMode) this.pinAt(ev.coordinate, ev.pixel);
    });
    document.addEventListener('keydown', this.m_onKey, true);
  }

  private readonly m_onKey = (ev: KeyboardEvent) => {
    if (ev.key === 'Escape' && this.m_pinMode) {
      this.setPinMode(false);
      ev.stopPropagation();
      ev.preventDefault();
    }
  };

  get me(): string {
    return this.m_host.user.username;
  }

  get role(): string {
    return this.m_host.editor.role || this.m_host.user.role;
  }

  /** While on, a click on the map pins a comment instead of selecting. */
  get pinMode(): boolean {
    return this.m_pinMode;
  }

  stop(): void {
    this.m_stopped = true;
    document.removeEventListener('keydown', this.m_onKey, true);
    this.compare.stop();
  }

  // ------------------------------------------------------------------ tiles

  private entry(tile: string): TileReview {
    let t = this.m_tiles.get(tile);
    if (!t) {
      t = {
        reviews: [], loaded: false, loading: false, claimedBy: null, prediction: null, predictionLoading: false, predictionError: null,
        changes: null, changesAt: -1, draft: emptyDraft(),
      };
      this.m_tiles.set(tile, t);
    }
    return t;
  }

  /** A tile's snapshot came in (opened, or subscribed again): its reviews are (re)read. */
  opened(tile: string): void {
    const t = this.entry(tile);
    const state = this.m_host.tileState(tile);
    if (state !== 'todo' || t.loaded) void this.loadReviews(tile);
    this.refresh();
  }

  dropped(tile: string): void {
    this.m_tiles.delete(tile);
    this.m_busy.delete(tile);
    this.pins.removeTile(tile);
    if (this.compare.tile === tile) this.compare.hide();
    this.refresh();
  }

  /** Polygons changed (acks, live changes, snapshots): the changes against the prediction follow. */
  modelChanged(): void {
    this.m_modelVersion++;
    this.refresh();
  }

  reviewer(tile: string): string | null {
    const t = this.m_tiles.get(tile);
    const lease = this.m_host.editor.ui.presence.get(tile)?.lease?.username ?? null;
    return currentReviewer(this.m_host.tileState(tile), t?.claimedBy ?? null, t?.reviews ?? [], lease);
  }

  private async loadReviews(tile: string): Promise<void> {
    const t = this.entry(tile);
    if (t.loading) return;
    t.loading = true;
    try {
      const list = await api.reviews(tile);
      if (this.m_tiles.get(tile) !== t || this.m_stopped) return;
      t.reviews = list;
      t.loaded = true;
    } catch (e) {
      if (this.m_tiles.get(tile) === t) console.warn(`tessera: the reviews of tile ${tile} could not be read`, e);
    } finally {
      t.loading = false;
    }
    this.changed();
  }

  /** Who reviews may have changed: the tool bar (its lock names them) and then the panel. */
  private changed(): void {
    this.m_host.editor.ui.refreshSelection();
  }

  private async loadPrediction(tile: string): Promise<void> {
    const t = this.entry(tile);
    if (t.predictionLoading || t.prediction) return;
    t.predictionLoading = true;
    t.predictionError = null;
    try {
      const list = await api.prediction(tile);
      if (this.m_tiles.get(tile) !== t || this.m_stopped) return;
      t.prediction = list;
      t.changesAt = -1;
    } catch (e) {
      t.predictionError = `The prediction could not be read: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      t.predictionLoading = false;
    }
    this.refresh();
  }

  // ------------------------------------------------------------------ state changes and answers

  /** A TileStateChanged: an answer to one of our requests, or a push. */
  stateChanged(s: tessera.v1.TileStateChanged.$Properties, requestId: number, request?: PendingRequest): void {
    const tile = s.tileKey ?? '';
    const state = TILE_STATE_NAMES[s.state ?? 0] ?? '';
    const from = TILE_STATE_NAMES[s.from ?? 0] ?? '';
    const t = this.m_tiles.get(tile);
    const busy = this.m_busy.get(tile);
    const answer = requestId !== 0 && !!request && REVIEW_REQUEST_KINDS.includes(request.kind);
    if (answer && busy?.id === requestId) this.m_busy.delete(tile);
    if (t) {
      t.claimedBy = state === 'in_review' ? s.by ?? null : null;
      if (state === 'rejected' && (s.comments?.length || s.reasons?.length)) {
        // Shown at once from the push; the reviews read again replace it.
        t.reviews = [{
          id: -toNum(s.seq), reviewer: s.by ?? '', outcome: 'rejected', reasons: (s.reasons ?? []).map((r) => reasonName(r) || String(r)),
          comment: s.comment ?? '', claimed_at: '', ended_at: new Date().toISOString(),
          comments: (s.comments ?? []).map((c) => ({
            feature: toNum(c.featureId) || null, x: toNum(c.xCm) / 100, y: toNum(c.yCm) / 100, reason: reasonName(c.reason) || '',
            text: c.text ?? '', author: c.author ?? s.by ?? '', at: new Date(toNum(c.atMs) || Date.now()).toISOString(),
          })),
        }, ...t.reviews.filter((r) => r.id > 0)];
      }
      if (from === 'in_review' && state !== 'in_review') {
        // The review ended: what was being written goes with it.
        t.draft = emptyDraft();
        t.prediction = null;
        t.changes = null;
        if (this.m_shown === tile) this.setPinMode(false);
      }
      void this.loadReviews(tile);
    }
    if (answer) {
      const said = stateChangeText({
        tile, state, from, by: s.by ?? '', reasons: (s.reasons ?? []).map((r) => r), comment: s.comment ?? '', comments: s.comments?.length ?? 0,
      }, this.me);
      toast(said.text, said.kind === 'warning' ? 'info' : said.kind);
    }
    this.changed();
  }

  /** An error answering a review request. Returns whether it was one. */
  error(err: WireError, request: PendingRequest): boolean {
    if (!REVIEW_REQUEST_KINDS.includes(request.kind)) return false;
    const tile = request.keys[0] ?? '';
    this.m_busy.delete(tile);
    const pin = /comments\[(\d+)\]/.exec(err.field);
    const what: Record<string, string> = {
      claim_review: 'The review could not be claimed', release_review: 'The review could not be released',
      approve_tile: `Tile ${tile} was not approved`, reject_tile: `Tile ${tile} was not rejected`, reopen_tile: `Tile ${tile} was not reopened`,
    };
    toast(`${what[request.kind] ?? 'Refused'}: ${pin ? `pinned comment ${Number(pin[1]) + 1}: ` : ''}${err.message}`,
      err.code === 'forbidden' || err.code === 'invalid_operation' || err.code === 'invalid_argument' ? 'warning' : 'error', 10_000);
    // A refusal may mean we were wrong about the state (e.g. the review lapsed): read it again.
    if (this.m_tiles.has(tile)) void this.loadReviews(tile);
    this.refresh();
    return true;
  }

  private send(tile: string, kind: string, fn: () => number): void {
    const b = this.m_busy.get(tile);
    if (b && Date.now() - b.at < ANSWER_TIMEOUT_MS) return;
    const id = fn();
    if (!id) return void toast('Not connected: try again when the connection is back.', 'warning');
    this.m_busy.set(tile, { kind, id, at: Date.now() });
    this.refresh();
  }

  private reject(tile: string): void {
    const t = this.entry(tile);
    const problem = rejectProblem(t.draft, this.box(tile));
    if (problem) return void toast(problem, 'warning');
    this.setPinMode(false);
    this.send(tile, 'reject_tile', () => this.m_host.socket.rejectTile(rejectMessage(tile, t.draft)));
  }

  /** A connection drop loses the requests in flight. */
  connection(connected: boolean): void {
    if (!connected) this.m_busy.clear();
    this.refresh();
  }

  // ------------------------------------------------------------------ the rejection being written

  private box(tile: string): Box | undefined {
    const o = parseTileKey(tile);
    const s = this.m_host.project.tile_size_m || 1000;
    return o ? [o[0], o[1], o[0] + s, o[1] + s] : undefined;
  }

  private draftChanged(): void {
    const tile = this.m_shown;
    if (tile) this.showDraftPins(tile);
    this.refresh();
  }

  setPinMode(on: boolean): void {
    if (on && !(this.m_shown && this.holding(this.m_shown))) on = false;
    if (on === this.m_pinMode) return this.refresh();
    this.m_pinMode = on;
    this.m_host.mapWrap.classList.toggle('pin-mode', on);
    if (on) this.m_host.editor.ui.tools.set('select');
    this.refresh();
  }

  private pinAt(c: Coordinate, pixel: number[]): void {
    const tile = this.m_shown;
    if (!tile || !this.holding(tile)) return this.setPinMode(false);
    if (this.m_host.view.tileAt(c) !== tile) return void toast(`Pin the comment inside tile ${tile}.`, 'warning', 3000);
    const view = this.m_host.view;
    const hit = view.map.forEachFeatureAtPixel(pixel, (f) => f, { layerFilter: (l) => l === view.features.layer, hitTolerance: 1 });
    const featureId = hit ? Number(hit.getId()) || 0 : 0;
    const t = this.entry(tile);
    t.draft.pins.push({
      id: this.m_nextPin++, x: Math.round(c[0] * 100) / 100, y: Math.round(c[1] * 100) / 100,
      featureId: featureId && this.m_host.editor.sync.model.get(featureId)?.tile === tile ? featureId : 0,
      reason: defaultPinReason(t.draft), text: '',
    });
    this.m_pinMode = false;
    this.m_host.mapWrap.classList.remove('pin-mode');
    this.showDraftPins(tile);
    this.refresh();
  }

  private removePin(id: number): void {
    const tile = this.m_shown;
    if (!tile) return;
    const t = this.entry(tile);
    t.draft.pins = t.draft.pins.filter((p) => p.id !== id);
    this.showDraftPins(tile);
    this.refresh();
  }

  private showDraftPins(tile: string): void {
    const t = this.m_tiles.get(tile);
    this.pins.set(tile, true, (t?.draft.pins ?? []).map((p) => ({
      x: p.x, y: p.y, featureId: p.featureId, reason: p.reason, text: p.text, author: this.me, draftId: p.id,
    })));
  }

  private focusPin(n: number, draft: boolean): void {
    const tile = this.m_shown;
    if (!tile) return;
    const p = this.pins.pins(tile).find((x) => x.draft === draft && x.n === n);
    if (!p) return;
    this.pins.focus(tile, draft, n);
    const view = this.m_host.view.map.getView();
    const res = Math.min(view.getResolution() ?? 1, 0.6);
    view.animate({ center: [p.x, p.y], resolution: res, duration: 250 });
  }

  private focusChange(c: Change): void {
    const view = this.m_host.view;
    const current = view.features.find(c.id);
    const pred = this.compare.predSource.getFeatureById(`p${c.id}`);
    const g = current?.getGeometry() ?? pred?.getGeometry();
    if (!g) return;
    const e = g.getExtent();
    const dx = Math.max(60, (e[2] - e[0]) * 0.6), dy = Math.max(60, (e[3] - e[1]) * 0.6);
    const cx = (e[0] + e[2]) / 2, cy = (e[1] + e[3]) / 2;
    view.map.getView().fit([cx - dx, cy - dy, cx + dx, cy + dy], { duration: 250 });
    if (current) this.m_host.editor.ui.select([c.id]);
  }

  // ------------------------------------------------------------------ what is shown

  private holding(tile: string): boolean {
    return this.m_host.tileState(tile) === 'in_review' && this.reviewer(tile) === this.me;
  }

  /** Whether the user edited the tile, as far as the client knows (the last author of a polygon). */
  private editedByMe(tile: string): boolean {
    return this.m_host.editor.sync.model.features(tile).some((f) => f.author === this.me);
  }

  /** The panel, the comparison and the pins after anything changed. */
  refresh(): void {
    if (this.m_stopped) return;
    const open = this.m_host.openTiles();
    for (const tile of open) {
      const t = this.m_tiles.get(tile);
      const pins = pinsToShow(this.m_host.tileState(tile), t?.reviews ?? []);
      this.pins.set(tile, false, pins.map((p) => ({ x: p.x, y: p.y, featureId: p.feature ?? 0, reason: p.reason, text: p.text, author: p.author })));
    }
    const tile = this.m_host.editor.ui.editTile();
    if (tile !== this.m_shown && this.m_pinMode) {
      this.m_pinMode = false;
      this.m_host.mapWrap.classList.remove('pin-mode');
    }
    this.m_shown = tile;
    if (!tile || !open.includes(tile)) {
      this.panel.show(null);
      this.compare.hide();
      return;
    }
    const t = this.entry(tile);
    const state = this.m_host.tileState(tile);
    const reviewer = this.reviewer(tile);
    const actions = reviewActions({
      state, role: this.role, me: this.me, reviewer, connected: this.m_host.socket.state === 'connected', busy: this.m_busy.has(tile),
      blocking: this.m_host.editor.qc.tile(tile)?.blocking ?? 0, editedByMe: this.editedByMe(tile),
      rejectProblem: rejectProblem(t.draft, this.box(tile)),
    });
    if (actions.mode === 'reviewing') {
      if (!t.prediction && !t.predictionError) void this.loadPrediction(tile);
      if (t.prediction && t.changesAt !== this.m_modelVersion) {
        t.changes = diffPrediction(t.prediction, this.m_host.editor.sync.model.features(tile));
        t.changesAt = this.m_modelVersion;
      }
      if (t.prediction && t.changes) this.compare.show(tile, t.prediction, t.changes, (id) => this.m_host.view.features.find(id));
      this.showDraftPins(tile);
    } else {
      if (this.compare.tile) this.compare.hide();
      this.pins.set(tile, true, []);
    }
    const decision = lastDecision(t.reviews);
    const view: ReviewPanelView = {
      tile, state, actions, reviewer, loading: t.loading && !t.loaded, decision,
      pins: pinsToShow(state, t.reviews), changes: actions.mode === 'reviewing' ? t.changes : null,
      changesError: t.predictionError, draft: t.draft, pinMode: this.m_pinMode,
    };
    this.panel.show(view);
    this.m_host.mapWrap.dataset.reviewing = actions.mode === 'reviewing' ? tile : '';
  }

  /** Why the tile cannot be edited now (null: it can): for the tool bar. */
  lockReason(tile: string): string | null {
    return editLockReason(tile, this.m_host.tileState(tile), this.reviewer(tile));
  }

  /** Whether the user may review at all (the Review page). */
  get reviews(): boolean {
    return mayReview(this.role);
  }

  /** For the browser tests. */
  details(tile: string | null): ReviewDetails | null {
    if (!tile) return null;
    const t = this.m_tiles.get(tile);
    const state = this.m_host.tileState(tile);
    const reviewer = this.reviewer(tile);
    const d = lastDecision(t?.reviews ?? []);
    const view = this.m_host.view;
    return {
      tile, state, reviewer, mode: this.panel.tile === tile ? (this.panel.el.dataset.mode ?? '') : '',
      busy: this.m_busy.has(tile), loaded: !!t?.loaded,
      compare: this.compare.tile === tile ? this.compare.mode : 'off', swipe: this.compare.fraction,
      prediction: t?.prediction?.length ?? 0,
      changes: (t?.changes?.changes ?? []).map((c) => ({ id: c.id, kind: c.kind, before: c.before, after: c.after })),
      highlighted: this.compare.tile === tile ? this.compare.highlighted : { prediction: 0, current: 0 },
      lastDecision: d ? { outcome: d.outcome ?? '', reviewer: d.reviewer, reasons: d.reasons, comment: d.comment, comments: d.comments.length } : null,
      pins: this.pins.pins(tile).map((p) => ({ ...p, pixel: view.pixelOf([p.x, p.y]) })),
      pinMode: this.m_pinMode,
      draft: t ? { reasons: [...t.draft.reasons], comment: t.draft.comment, pins: t.draft.pins.length } : null,
    };
  }
}

export interface ReviewDetails {
  tile: string;
  state: string;
  reviewer: string | null;
  /** The panel's mode: none, claimable, reviewing, held, idle. */
  mode: string;
  busy: boolean;
  loaded: boolean;
  compare: string;
  swipe: number;
  prediction: number;
  changes: { id: number; kind: string; before: { cs: string; us: string } | null; after: { cs: string; us: string } | null }[];
  highlighted: { prediction: number; current: number };
  lastDecision: { outcome: string; reviewer: string; reasons: string[]; comment: string; comments: number } | null;
  pins: { n: number; x: number; y: number; featureId: number; reason: string; text: string; draft: boolean; pixel: number[] | null }[];
  pinMode: boolean;
  draft: { reasons: string[]; comment: string; pins: number } | null;
}
