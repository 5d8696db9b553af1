// What the user sees and does in the editor: the selection (and telling others about it), the
// tool bar, tools, palette, help, tile panel, quality panel and markers, save state and pending
// sketches.
import Feature from 'ol/Feature';
import LineString from 'ol/geom/LineString';
import Polygon from 'ol/geom/Polygon';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import { Fill, Stroke, Style } from 'ol/style';
import { decodePolygon, toNum, type Ring } from '../geometry';
import type { tessera } from '../generated/tessera';
import type { FeatureInfo } from '../features';
import type { FeaturePanel } from '../ui/featurePanel';
import type { Header, SaveState } from '../ui/header';
import { toast } from '../ui/toast';
import type { ConflictDialog } from './conflict';
import type { Editor, EditorHost } from './editor';
import { bindKeys } from './keys';
import type { ModelFeature, TileModel } from './model';
import type { OutboxEntry } from './outbox';
import { Palette, shortcuts, type ClassChoice, type Shortcut } from './palette';
import { PresencePanel } from './presence';
import { submitBlockReason, type Issue } from './qc';
import { QcMarkers, QcPanel, type QcView } from './qcPanel';
import { HelpOverlay, Toolbar, type Action } from './toolbar';
import { Tools, type ToolName } from './tools';
import { decodeLine, opRefs } from './wire';

export interface EditorUiHost {
  panel: FeaturePanel;
  header: Header;
  /** The map's wrapper (tool bar and dialogs go over the map) and the right-hand column. */
  mapWrap: HTMLElement;
  rightbar: HTMLElement;
  tileState(tile: string): string;
  lastOpened(): string | null;
  /** Why a tile cannot be edited now (not open for editing), or null. */
  lockReason(tile: string): string | null;
  /** The selection (and so the tile being worked on) may have changed. */
  selectionChanged(): void;
  /** A page (My work, Review) covers the map. */
  pageOpen(): boolean;
}

/** The actions that change polygons: disabled on tiles not open for editing. */
const EDIT_ACTIONS: Action[] = ['reshape', 'split', 'draw', 'merge', 'confirm', 'class'];

const SKETCH = new Style({ stroke: new Stroke({ color: '#0b2540', width: 2, lineDash: [6, 4] }), fill: new Fill({ color: 'rgba(11,37,64,0.12)' }) });

export class EditorUi {
  readonly tools: Tools;
  readonly palette: Palette;
  readonly presence: PresencePanel;
  readonly qcPanel: QcPanel;
  readonly qcMarkers: QcMarkers;
  readonly shortcuts: Shortcut[];
  private readonly m_toolbar: Toolbar;
  private readonly m_help: HelpOverlay;
  private readonly m_sketches = new VectorSource();
  private readonly m_unbind: () => void;
  private readonly m_sentSelection = new Map<string, string>();
  private m_selectTimer: number | undefined;
  private m_lastDraw: ClassChoice | null = null;
  private readonly m_onUnload = (ev: BeforeUnloadEvent) => {
    if (this.m_ed.outbox.size === 0) return;
    ev.preventDefault();
    ev.returnValue = '';
  };
  private readonly m_onHide = () => this.releaseAll();

  constructor(private readonly m_host: EditorHost, private readonly m_ed: Editor, private readonly m_conflict: ConflictDialog) {
    const view = m_host.view;
    view.map.addLayer(new VectorLayer({ source: this.m_sketches, style: SKETCH, zIndex: 42 }));
    this.shortcuts = shortcuts(m_host.nomen);
    this.tools = new Tools(view.map, view.features, {
      reshaped: (id, rings) => m_ed.reshape(id, rings),
      splitLine: (line) => this.splitLine(line),
      drawn: (rings) => this.drawn(rings),
      toolChanged: (t) => this.toolChanged(t),
    });
    this.palette = new Palette(m_host.nomen);
    this.m_toolbar = new Toolbar((a) => this.action(a));
    this.m_help = new HelpOverlay(m_host.nomen, this.shortcuts);
    this.presence = new PresencePanel(view.map, view.features, {
      claim: (t) => m_host.socket.claimLease(t) || toast('Not connected: try again when the connection is back.', 'warning'),
      release: (t) => m_host.socket.releaseLease(t),
      tileState: (t) => m_host.tileState(t),
    });
    this.qcMarkers = new QcMarkers(view.map);
    this.qcPanel = new QcPanel({
      check: (t) => m_ed.checkTile(t),
      submit: (t) => m_ed.submitTile(t),
      focus: (t, i) => this.focusIssue(t, i),
    });
    m_host.mapWrap.append(this.m_toolbar.el, this.palette.el, this.m_help.el, m_conflict.el);
    m_host.rightbar.prepend(this.presence.el, this.qcPanel.el);
    this.m_unbind = bindKeys(this);
    window.addEventListener('beforeunload', this.m_onUnload);
    window.addEventListener('pagehide', this.m_onHide);
    this.refreshSaveState();
    this.refreshSelection();
  }

  stop(): void {
    this.releaseAll();
    this.m_unbind();
    window.removeEventListener('beforeunload', this.m_onUnload);
    window.removeEventListener('pagehide', this.m_onHide);
    window.clearTimeout(this.m_selectTimer);
    this.qcMarkers.stop();
  }

  /** A dialog, or a page over the map: the editing keys are off. */
  get dialogOpen(): boolean {
    return this.palette.isOpen || this.m_conflict.isOpen || this.m_host.pageOpen();
  }

  get helpOpen(): boolean {
    return this.m_help.isOpen;
  }

  closeHelp(): void {
    this.m_help.close();
  }

  // ------------------------------------------------------------ selection

  /** The selected polygons, as the model knows them. */
  selected(): ModelFeature[] {
    return this.m_host.view.features.selectedIds.map((id) => this.m_ed.sync.model.get(id)).filter((f): f is ModelFeature => !!f);
  }

  /** A click on the map: a polygon (Shift adds or removes it) or nothing (clears). */
  click(info: FeatureInfo | null, additive: boolean): void {
    if (!this.tools.clicksSelect) return;
    const ids = this.m_host.view.features.selectedIds;
    if (!info) return this.select(additive ? ids : []);
    if (!additive) return this.select([info.id]);
    this.select(ids.includes(info.id) ? ids.filter((x) => x !== info.id) : [...ids, info.id]);
  }

  select(ids: number[]): void {
    this.m_host.view.features.select(ids.filter((id) => this.m_ed.sync.model.get(id)));
    this.refreshSelection();
    window.clearTimeout(this.m_selectTimer);
    this.m_selectTimer = window.setTimeout(() => this.sendSelection(), 150);
  }

  /** Panel, tool target and tile panel follow the selection (after any change of the model too). */
  refreshSelection(): void {
    const features = this.m_host.view.features;
    const ids = features.selectedIds;
    const kept = ids.filter((id) => this.m_ed.sync.model.get(id));
    if (kept.length !== ids.length) features.select(kept);
    const first = kept.length ? this.m_ed.sync.model.get(kept[0]) ?? null : null;
    const pending = !!first && this.m_ed.outbox.entries().some((e) => e.cs.ops.some((op) => opRefs(op).some((r) => r.id === first.id)));
    this.m_host.panel.show(first, { count: kept.length, pending });
    this.tools.setTarget(first?.id ?? null);
    const tile = this.editTile();
    if (tile !== this.presence.shown) this.presence.show(tile);
    this.refreshQc();
    const n = kept.length;
    const no = n === 0 ? 'Select a polygon first' : undefined;
    this.m_toolbar.setEnabled('confirm', n > 0, no);
    this.m_toolbar.setEnabled('class', n > 0, no);
    this.m_toolbar.setEnabled('merge', n > 1, 'Select two or more adjacent polygons (Shift+click)');
    this.m_toolbar.setEnabled('undo', this.m_ed.history.undoDepth > 0, 'Nothing to undo');
    this.m_toolbar.setEnabled('redo', this.m_ed.history.redoDepth > 0, 'Nothing to redo');
    const lock = this.lockReason();
    for (const a of ['reshape', 'split', 'draw'] as Action[]) this.m_toolbar.setEnabled(a, !lock, lock ?? undefined);
    if (lock) for (const a of EDIT_ACTIONS) this.m_toolbar.setEnabled(a, false, lock);
    this.m_toolbar.setLock(lock);
    if (lock && this.tools.tool !== 'select') this.tools.set('select');
    this.m_host.selectionChanged();
  }

  /** Why the tile being worked on cannot be edited (null: it can, or none is open). */
  lockReason(tile: string | null = this.editTile()): string | null {
    return tile ? this.m_host.lockReason(tile) : null;
  }

  /** The tile being worked on: that of the selection, else the last one opened. */
  editTile(): string | null {
    const first = this.m_host.view.features.selectedId;
    const f = first === null ? undefined : this.m_ed.sync.model.get(first);
    if (f) return f.tile;
    const last = this.m_host.lastOpened();
    return last && this.m_ed.sync.model.tile(last) ? last : null;
  }

  /** A tile (re)subscribed or closed: the server knows no selection of ours there any more. */
  forgetSentSelection(tile: string): void {
    this.m_sentSelection.delete(tile);
    window.clearTimeout(this.m_selectTimer);
    this.m_selectTimer = window.setTimeout(() => this.sendSelection(), 150);
  }

  /** Tells the other viewers of each open tile what is selected in it (only when it changed). */
  private sendSelection(): void {
    const byTile = new Map<string, number[]>();
    for (const f of this.selected()) byTile.set(f.tile, [...(byTile.get(f.tile) ?? []), f.id]);
    for (const tile of this.m_ed.sync.model.keys()) {
      const ids = byTile.get(tile) ?? [];
      const key = ids.join(',');
      const sent = this.m_sentSelection.get(tile);
      if (sent === key || (sent === undefined && key === '')) continue;
      if (this.m_host.socket.select(tile, ids)) this.m_sentSelection.set(tile, key);
    }
  }

  /** After the model changed (acks, live changes, snapshots). */
  afterModelChange(): void {
    this.refreshSelection();
    this.presence.redrawSelections();
    this.m_host.changed();
  }

  // ------------------------------------------------------------ actions

  action(a: Action): void {
    const sel = this.selected();
    const lock = EDIT_ACTIONS.includes(a) ? this.lockReason() : null;
    if (lock) return void toast(`${lock}.`, 'info', 3000);
    switch (a) {
      case 'select':
      case 'reshape':
      case 'split':
      case 'draw':
        if (a === 'reshape' && sel.length === 0) toast('Select the polygon to reshape, then drag its vertices.', 'info', 3000);
        this.tools.set(a);
        break;
      case 'merge':
        this.m_ed.merge(sel);
        break;
      case 'confirm':
        if (sel.length) this.m_ed.confirm(sel);
        break;
      case 'class':
        if (!sel.length) return void toast('Select a polygon first.', 'info', 2500);
        this.palette.open('set', { codeCs: sel[0].codeCs, codeUs: sel[0].codeUs }, (c) => this.m_ed.setClasses(this.selected(), c));
        break;
      case 'undo':
      case 'redo':
        this.m_ed.undoRedo(a);
        break;
      case 'help':
        this.m_help.toggle();
        break;
    }
  }

  shortcut(key: string): void {
    const s = this.shortcuts.find((x) => x.key === key);
    const sel = this.selected();
    if (!s || !sel.length) return;
    const lock = this.lockReason(sel[0].tile);
    if (lock) return void toast(`${lock}.`, 'info', 3000);
    this.m_ed.setClasses(sel, s);
  }

  private toolChanged(t: ToolName): void {
    this.m_toolbar.setTool(t);
    this.m_host.mapWrap.dataset.tool = t;
  }

  private splitLine(line: number[][]): void {
    const model = this.m_ed.sync.model;
    const layer = this.m_host.view.features;
    // The selected polygon when the line crosses it, else the one under the middle of the line.
    const lineGeom = new LineString(line);
    let target = this.selected().find((f) => layer.find(f.id)?.getGeometry()?.intersectsExtent(lineGeom.getExtent()));
    if (!target) {
      const mid = lineGeom.getCoordinateAt(0.5);
      const hit = layer.source.getFeaturesAtCoordinate(mid)[0];
      target = hit ? model.get(Number(hit.getId())) : undefined;
    }
    if (!target) return void toast('Draw the line across the polygon to split (select it first).', 'warning');
    this.m_ed.split(target, line);
  }

  private drawn(rings: Ring[]): void {
    const ring = rings[0];
    const tile = ring ? this.m_host.view.tileAt(ring[0]) : null;
    if (!tile || !this.m_ed.sync.model.tile(tile) || !this.m_host.isReady(tile)) {
      return void toast('Draw inside an open tile.', 'warning');
    }
    const sketch = new Feature({ geometry: new Polygon(rings) });
    this.m_sketches.addFeature(sketch);
    const initial = this.m_lastDraw ?? this.shortcuts[0] ?? { codeCs: '', codeUs: '' };
    this.palette.open('draw', initial, (c) => {
      this.m_sketches.removeFeature(sketch);
      this.m_lastDraw = { codeCs: c.codeCs, codeUs: c.codeUs };
      this.m_ed.draw(tile, rings, c);
    }, () => this.m_sketches.removeFeature(sketch));
  }

  // ------------------------------------------------------------ quality controls

  /** The issues of a tile changed: its markers (those `emphasize` names pulse) and the panel. */
  qcChanged(tile: string, emphasize: string[] = []): void {
    const t = this.m_ed.qc.tile(tile);
    if (t) this.qcMarkers.setTile(t);
    else this.qcMarkers.removeTile(tile);
    this.qcMarkers.emphasize(tile, emphasize.filter((k) => t?.issues.has(k)));
    this.refreshQc();
  }

  qcDropped(tile: string): void {
    this.qcMarkers.removeTile(tile);
    if (this.qcPanel.tile === tile) this.qcMarkers.setFocused(null, null);
    this.refreshQc();
  }

  /** What the quality panel shows: the tile being worked on, and whether it can be submitted. */
  qcView(tile: string | null = this.editTile()): QcView | null {
    if (!tile) return null;
    const qc = this.m_ed.qc.tile(tile);
    const state = this.m_host.tileState(tile);
    const connected = this.m_host.socket.state === 'connected';
    const lease = this.presence.get(tile)?.lease;
    const heldBy = lease && lease.userId !== this.m_ed.me ? lease.username : null;
    return {
      tile, qc, state,
      submitReason: submitBlockReason({
        state, blocking: qc?.blocking ?? 0, known: !!qc?.known, pending: this.m_ed.outbox.forTile(tile).length,
        connected, submitting: this.m_ed.submitting(tile), heldBy, role: this.m_ed.role,
      }),
      checkReason: !connected ? 'Offline: check the tile when the connection is back' : this.m_ed.checking(tile) ? 'Checking…' : null,
      checking: this.m_ed.checking(tile),
      submitting: this.m_ed.submitting(tile),
    };
  }

  refreshQc(): void {
    this.qcPanel.show(this.qcView());
  }

  /** An issue clicked in the panel: centred on the map with its polygons in view, and selected. */
  focusIssue(tile: string, issue: Issue): void {
    const view = this.m_host.view;
    let [minx, miny, maxx, maxy] = [issue.x, issue.y, issue.x, issue.y];
    for (const id of issue.features) {
      const e = view.features.find(id)?.getGeometry()?.getExtent();
      if (!e) continue;
      [minx, miny, maxx, maxy] = [Math.min(minx, e[0]), Math.min(miny, e[1]), Math.max(maxx, e[2]), Math.max(maxy, e[3])];
    }
    // Centred on the issue, wide enough for its polygons, and never closer than ~200 m across.
    const dx = Math.max(100, issue.x - minx, maxx - issue.x);
    const dy = Math.max(100, issue.y - miny, maxy - issue.y);
    view.map.getView().fit([issue.x - dx, issue.y - dy, issue.x + dx, issue.y + dy], { padding: [40, 40, 40, 40], duration: 250 });
    this.qcMarkers.setFocused(tile, issue.key);
    if (!this.tools.clicksSelect) this.tools.set('select');
    this.select(issue.features.filter((id) => this.m_ed.sync.model.get(id)));
  }

  // ------------------------------------------------------------ presence and leases

  onPresence(p: tessera.v1.Presence.$Properties, isAnswer: boolean): void {
    const tile = p.tileKey ?? '';
    const l = p.lease;
    const lease = l && toNum(l.userId) ? { userId: toNum(l.userId), username: l.username ?? '', expiresAtMs: toNum(l.expiresAtMs) } : null;
    // The answer to a claim or release carries the lease; only pushes list the viewers.
    if (isAnswer) return this.presence.updateLease(tile, lease);
    // One line per person: someone with two windows on the tile is listed once.
    const byUser = new Map<number, { userId: number; username: string; selected: number[] }>();
    for (const v of p.viewers ?? []) {
      const id = toNum(v.userId);
      const seen = byUser.get(id);
      const selected = (v.selected ?? []).map(toNum);
      if (seen) seen.selected = [...new Set([...seen.selected, ...selected])];
      else byUser.set(id, { userId: id, username: v.username ?? '', selected });
    }
    const listed = (p.viewers ?? []).length;
    const viewers = [...byUser.values()];
    this.presence.update({ tile, lease, viewers, viewerCount: viewers.length + Math.max(0, (p.viewerCount ?? 0) - listed) });
  }

  /** The lease of this user lapsed (or was revoked): said, never silent. */
  onLeaseNotice(tile: string, reason: string): void {
    this.presence.updateLease(tile, null);
    if (this.m_host.tileState(tile) === 'in_review') {
      return void toast(`Your review of tile ${tile} ${reason === 'lapsed' ? 'lapsed after a while without activity' : `ended (${reason || 'revoked'})`}: it is back in the review queue.`, 'warning', 20_000);
    }
    toast(reason === 'lapsed'
      ? `Your lease on tile ${tile} lapsed after a while without edits: others may now take the tile. Click “Work on this tile” to claim it again.`
      : `Your lease on tile ${tile} ended (${reason || 'revoked'}).`, 'warning', 20_000);
  }

  /** Releases the leases this user holds (leaving the page or the tile). */
  releaseAll(): void {
    for (const t of this.presence.held()) this.release(t);
  }

  release(tile: string): void {
    if (this.presence.holds(tile)) this.m_host.socket.releaseLease(tile);
  }

  // ------------------------------------------------------------ pending state

  refreshSaveState(): void {
    this.refreshQc();
    const entries = this.m_ed.outbox.entries();
    const n = entries.length;
    let state: SaveState = 'saved';
    if (entries.some((e) => e.status === 'conflict')) state = 'conflict';
    else if (n && this.m_host.socket.state !== 'connected') state = 'offline';
    else if (n) state = 'saving';
    this.m_host.header.setSaveState(state, n);
  }

  /** Dashed outlines on what waits for the server; classes shown as asked; lines and new polygons sketched. */
  showPending(entries: OutboxEntry[], model: TileModel): void {
    const layer = this.m_host.view.features;
    const ids = new Set<number>();
    const shapes: Feature[] = [];
    for (const e of entries) {
      const t = model.tile(e.cs.tileKey);
      for (const op of e.cs.ops) {
        for (const r of opRefs(op)) ids.add(r.id);
        if (op.setClass) layer.showClasses(op.setClass.feature.id, op.setClass.codeCs, op.setClass.codeUs);
        if (!t) continue;
        try {
          if (op.draw) shapes.push(new Feature({ geometry: new Polygon(decodePolygon(op.draw.geometry, t.originXcm, t.originYcm)), pending: true }));
          if (op.split) shapes.push(new Feature({ geometry: new LineString(decodeLine(op.split.line.coords, t.originXcm, t.originYcm)), pending: true }));
        } catch {
          /* a bad geometry is the server's to refuse */
        }
      }
    }
    layer.setPendingIds(ids);
    for (const f of this.m_sketches.getFeatures()) if (f.get('pending')) this.m_sketches.removeFeature(f);
    if (shapes.length) this.m_sketches.addFeatures(shapes);
  }
}
