// The main view: header, layers panel, map and feature panel, wired to the HTTP API and the
// WebSocket. Owns the list of open tiles (subscriptions), capped at MAX_OPEN_TILES.
import * as api from './api';
import { parseTileKey } from './geometry';
import { imageryDescription } from './imagery';
import { MapView } from './map';
import { Nomenclature } from './nomenclature';
import { socketUrl, TesseraSocket, TILE_STATE_NAMES, type ConnState, type Snapshot } from './socket';
import { h } from './ui/dom';
import { FeaturePanel } from './ui/featurePanel';
import { Header } from './ui/header';
import { Sidebar } from './ui/sidebar';
import { toast } from './ui/toast';
import { installTestHooks, removeTestHooks } from './hooks';
import { Editor } from './editor/editor';
import { Pages, type PageName } from './review/pages';
import { ReviewController } from './review/review';
import { mayEdit, mayReview } from './review/state';
import { maySeeDashboards } from './dashboard/data';

export const MAX_OPEN_TILES = 9;

export interface AppContext {
  root: HTMLElement;
  user: api.User;
  /** Called once the app has torn itself down: after logout or when the session is lost. */
  loggedOut(notice?: string): void;
}

export async function startApp(ctx: AppContext): Promise<void> {
  ctx.root.replaceChildren(h('div', { class: 'splash' }, h('div', { class: 'spinner' }), h('p', {}, 'Loading the project…')));
  let project: api.Project;
  let nomen: Nomenclature;
  try {
    const [p, n] = await Promise.all([api.project(), api.nomenclature()]);
    project = p;
    nomen = new Nomenclature(n);
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) {
      ctx.loggedOut('Your session has ended. Please sign in again.');
      return;
    }
    const retry = h('button', { type: 'button', class: 'btn btn-primary' }, 'Try again');
    retry.addEventListener('click', () => void startApp(ctx));
    ctx.root.replaceChildren(h('div', { class: 'splash' },
      h('p', { class: 'login-error' }, `The project could not be loaded: ${e instanceof Error ? e.message : String(e)}`), retry));
    return;
  }
  new App(ctx, project, nomen);
}

class App {
  private readonly m_open: string[] = []; // oldest first
  private readonly m_loading = new Set<string>();
  private readonly m_polygons = new Map<string, number>();
  /** Keys asked for by each subscribe request still waiting for `subscribed`. */
  private readonly m_requested = new Map<number, string[]>();
  private readonly m_header: Header;
  private readonly m_sidebar: Sidebar;
  private readonly m_panel: FeaturePanel;
  private readonly m_mapEl: HTMLElement;
  private readonly m_hint: HTMLElement;
  private readonly m_status: HTMLElement;
  private readonly m_view: MapView;
  private readonly m_socket: TesseraSocket;
  private readonly m_editor: Editor;
  private readonly m_review: ReviewController;
  private readonly m_pages: Pages;
  private readonly m_workspace: HTMLElement;
  private m_stopped = false;

  constructor(private readonly m_ctx: AppContext, private readonly m_project: api.Project, nomen: Nomenclature) {
    const user = m_ctx.user;
    this.m_header = new Header(user, () => void this.logout(), () => this.m_socket.retryNow());
    this.m_header.setProject(m_project.name, m_project.srid);
    const hasImagery = !!m_project.imagery && m_project.imagery.kind !== 'none' && !!m_project.imagery.url;
    this.m_sidebar = new Sidebar(nomen, imageryDescription(m_project.imagery), hasImagery, MAX_OPEN_TILES, {
      imageryVisible: (v) => this.m_view.setImageryVisible(v),
      gridVisible: (v) => this.m_view.grid.setVisible(v),
      polygonsVisible: (v) => this.m_view.features.layer.setVisible(v),
      qcVisible: (v) => this.m_editor.ui.qcMarkers.layer.setVisible(v),
      reviewVisible: (v) => this.m_review.pins.layer.setVisible(v),
      opacity: (v) => {
        this.m_view.features.settings.opacity = v;
        this.m_view.features.restyle();
        this.m_review.compare.restyle();
      },
      colorBy: (d) => {
        this.m_view.features.settings.colorBy = d;
        this.m_view.features.restyle();
        this.m_review.compare.restyle();
        this.refreshLegend();
      },
      closeTile: (k) => this.closeTiles([k]),
      closeAll: () => this.closeTiles([...this.m_open]),
      zoomToTile: (k) => this.zoomToTile(k),
      fitProject: () => this.m_view.fit(this.m_project.extent, 300),
    });
    this.m_panel = new FeaturePanel(nomen, () => this.m_editor.ui.select([]));
    this.m_mapEl = h('div', { id: 'map', class: 'map', 'data-tile-count': 0, 'data-feature-count': 0, 'data-open-tiles': '', 'data-ws-state': 'connecting' });
    this.m_hint = h('div', { class: 'map-hint', hidden: true, role: 'status' });
    const coords = h('span', { class: 'coords' });
    this.m_status = h('span', { class: 'status-text' });
    const mapWrap = h('main', { class: 'map-wrap' }, this.m_mapEl, this.m_hint, h('div', { class: 'statusbar' }, coords, this.m_status));
    const rightbar = h('aside', { class: 'rightbar' }, this.m_panel.el);
    this.m_pages = new Pages({
      openTile: (k) => this.showTile(k),
      changed: (p) => this.pageChanged(p),
      mayEdit: mayEdit(user.role),
      project: m_project,
    });
    this.m_workspace = h('div', { class: 'workspace' }, this.m_sidebar.el, mapWrap, rightbar, this.m_pages.el);
    m_ctx.root.replaceChildren(h('div', { class: 'shell' }, this.m_header.el, this.m_workspace));

    this.m_view = new MapView(this.m_mapEl, coords, m_project, nomen, {
      tileClicked: (k) => this.openTile(k),
      featureClicked: (info, additive) => this.m_editor.ui.click(info, additive),
      clicksEnabled: () => !this.m_review?.pinMode && (this.m_editor?.ui.tools.clicksSelect ?? true),
      isOpen: (k) => this.m_open.includes(k),
      isLoading: (k) => this.m_loading.has(k),
      loaded: () => this.refreshGridInfo(),
      problem: (msg) => {
        this.m_hint.hidden = !msg;
        this.m_hint.textContent = msg ?? '';
      },
    });
    this.m_socket = new TesseraSocket(socketUrl(), {
      state: (s, d) => this.connectionChanged(s, d),
      authenticated: (info) => {
        this.m_editor.authenticated(info.userId, info.username, info.role);
        this.resubscribe();
      },
      subscribed: (keys, id) => this.subscribed(keys, id),
      snapshot: (s) => this.snapshot(s),
      unsubscribed: () => undefined,
      edit: (msg, requestId, req) => this.m_editor.message(msg, requestId, req),
      error: (err, req) => {
        if (req && this.m_review.error(err, req)) return;
        if (req && this.m_editor.error(err, req.kind, req.changeSetId, req.keys)) return;
        toast(err.field ? `${err.message} (${err.field})` : err.message || `Server error: ${err.code}`, 'error');
        if (req?.kind === 'subscribe') this.subscribeFailed(req.keys, err.field);
      },
      sessionLost: () => this.teardown('Your session has ended. Please sign in again.'),
    }, async () => (await api.me()) !== null);
    this.m_editor = new Editor({
      socket: this.m_socket,
      view: this.m_view,
      nomen,
      panel: this.m_panel,
      header: this.m_header,
      mapWrap,
      rightbar,
      storageKey: `tessera.outbox.${user.username}.${m_project.name}`,
      isReady: (k) => this.m_open.includes(k) && !this.m_loading.has(k),
      tileState: (k) => this.m_view.grid.get(k)?.state ?? 'todo',
      tileStateChanged: (k, st) => {
        const name = TILE_STATE_NAMES[st];
        if (name) this.m_view.grid.setState(k, name);
        this.refreshOpen();
        this.m_editor.ui.presence.render();
        this.m_editor.ui.refreshQc();
        this.m_editor.ui.refreshSelection(); // the tool bar: open for editing or not
      },
      lastOpened: () => this.m_open[this.m_open.length - 1] ?? null,
      changed: () => {
        this.featuresChanged();
        this.m_review?.modelChanged();
      },
      stateMessage: (s, requestId, req) => this.m_review.stateChanged(s, requestId, req),
      lockReason: (k) => this.m_review?.lockReason(k) ?? null,
      selectionChanged: () => this.m_review?.refresh(),
      pageOpen: () => !!this.m_pages?.page,
    });
    this.m_review = new ReviewController({
      socket: this.m_socket,
      view: this.m_view,
      nomen,
      project: m_project,
      editor: this.m_editor,
      user,
      mapWrap,
      tileState: (k) => this.m_view.grid.get(k)?.state ?? 'todo',
      openTiles: () => this.m_open.filter((k) => !this.m_loading.has(k)),
    }, rightbar);
    this.buildNav(user);
    // Change sets left by an earlier page of this tab: their tiles open, then they are resent.
    for (const k of this.m_editor.outbox.tiles()) this.openTile(k);
    this.m_socket.start();
    installTestHooks(this.m_view, {
      openTiles: () => [...this.m_open],
      loadingTiles: () => [...this.m_loading],
      wsState: () => this.m_socket.state,
      page: () => this.m_pages.page,
      dashboard: () => this.m_pages.dashboardDetails(),
      dashboardPixelOf: (x, y) => this.m_pages.dashboardPixelOf(x, y),
    }, this.m_editor, this.m_review);
  }

  // ------------------------------------------------------------ tiles and subscriptions

  private openTile(key: string): void {
    if (this.m_open.includes(key)) return;
    this.m_open.push(key);
    this.m_loading.add(key);
    if (this.m_open.length > MAX_OPEN_TILES) {
      // The oldest go first, but not one with changes still waiting for the server.
      const closable = this.m_open.filter((k) => k !== key && this.m_editor.canClose(k));
      this.closeTiles(closable.slice(0, this.m_open.length - MAX_OPEN_TILES));
    }
    this.subscribe([key]);
    this.refreshOpen();
  }

  private subscribe(keys: string[]): void {
    const id = this.m_socket.subscribe(keys);
    if (id) this.m_requested.set(id, keys);
    else if (this.m_socket.state === 'reconnecting') toast('Not connected: the tile opens when the connection is back.', 'warning');
  }

  private resubscribe(): void {
    if (this.m_open.length === 0) return;
    for (const k of this.m_open) this.m_loading.add(k);
    this.subscribe([...this.m_open]);
    this.refreshOpen();
  }

  private subscribed(keys: string[], requestId: number): void {
    const asked = this.m_requested.get(requestId);
    this.m_requested.delete(requestId);
    if (!asked) return;
    const given = new Set(keys);
    const refused = asked.filter((k) => !given.has(k) && this.m_loading.has(k));
    if (refused.length) {
      toast(`The server did not open tile ${refused.join(', ')}.`, 'warning');
      this.dropTiles(refused);
    }
  }

  private subscribeFailed(keys: string[], field: string): void {
    const m = /tile_keys\[(\d+)\]/.exec(field);
    const failed = m && keys[Number(m[1])] !== undefined ? [keys[Number(m[1])]] : keys;
    this.dropTiles(failed.filter((k) => this.m_loading.has(k)));
  }

  /** Forgets tiles the server refused (no unsubscribe needed). */
  private dropTiles(keys: string[]): void {
    for (const k of keys) {
      const i = this.m_open.indexOf(k);
      if (i >= 0) this.m_open.splice(i, 1);
      this.m_loading.delete(k);
      this.m_polygons.delete(k);
      this.m_editor.dropTile(k);
      this.m_review.dropped(k);
    }
    this.refreshOpen();
  }

  private closeTiles(wanted: string[]): void {
    const keys = wanted.filter((k) => this.m_editor.canClose(k));
    const kept = wanted.filter((k) => !keys.includes(k));
    if (kept.length) toast(`Tile ${kept.join(', ')} stays open until your changes to it are saved.`, 'warning');
    if (keys.length === 0) return;
    for (const k of keys) this.m_editor.ui.release(k);
    this.m_socket.unsubscribe(keys);
    this.dropTiles(keys);
  }

  private snapshot(s: Snapshot): void {
    const key = s.tileKey ?? '';
    if (!this.m_open.includes(key)) return; // closed meanwhile
    this.m_loading.delete(key);
    const res = this.m_editor.snapshot(s);
    this.m_polygons.set(key, res.drawn);
    const state = s.state ? TILE_STATE_NAMES[s.state] : undefined; // 0: not said, keep the listed state
    this.m_view.grid.setState(key, state ?? this.m_view.grid.get(key)?.state ?? 'todo', res.drawn + res.rejected.length);
    this.m_editor.ui.presence.render(); // the tile panel and the quality panel show the state
    this.m_editor.ui.refreshQc();
    this.m_editor.ui.refreshSelection(); // the tool bar says whether the tile is open for editing
    this.m_review.opened(key);
    if (res.rejected.length) {
      console.warn(`tessera: tile ${key}: undrawable features`, res.rejected);
      toast(`Tile ${key}: ${res.rejected.length} polygon(s) could not be drawn (${res.rejected[0].reason}).`, 'warning');
    }
    this.refreshOpen();
  }

  // ------------------------------------------------------------ pages, next tile

  private buildNav(user: api.User): void {
    const nav = this.m_header.nav;
    const link = (id: string, label: string, title: string, fn: () => void) => {
      const b = h('button', { type: 'button', id, class: 'nav-link', title }, label);
      b.addEventListener('click', fn);
      nav.append(b);
      return b;
    };
    link('nav-map', 'Map', 'The map and the open tiles', () => this.m_pages.close());
    if (mayEdit(user.role)) link('nav-my-work', 'My work', 'The tiles you worked on and what became of them', () => this.m_pages.toggle('my-work'));
    if (mayReview(user.role)) link('nav-review', 'Review', 'Submitted tiles waiting for a review', () => this.m_pages.toggle('review-queue'));
    if (maySeeDashboards(user.role)) link('nav-dashboard', 'Dashboard', 'Progress, throughput, leaderboards, quality and conflicts (leads)', () => this.m_pages.toggle('dashboard'));
    if (mayEdit(user.role)) link('next-tile', 'Next tile ▸', 'Open the best tile to work on next (by priority, in your zones)', () => void this.nextTile());
    this.pageChanged(null);
  }

  private pageChanged(page: PageName | null): void {
    const targets: Record<string, PageName | null> = { 'nav-map': null, 'nav-my-work': 'my-work', 'nav-review': 'review-queue', 'nav-dashboard': 'dashboard' };
    for (const b of this.m_header.nav.querySelectorAll<HTMLElement>('.nav-link')) {
      const target = targets[b.id];
      if (target === undefined) continue;
      b.classList.toggle('active', target === page);
      b.setAttribute('aria-current', String(target === page));
    }
    this.m_workspace.dataset.page = page ?? 'map';
    if (!page) window.setTimeout(() => this.m_view.map.updateSize(), 0);
  }

  /** Opens a tile and zooms to it (from a page, or "Next tile"). */
  private showTile(key: string): void {
    this.m_pages.close();
    this.openTile(key);
    this.zoomToTile(key);
  }

  private async nextTile(): Promise<void> {
    let list: api.NextTile[];
    try {
      list = await api.nextTiles(5);
    } catch (e) {
      return void toast(`The next tile could not be found: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
    const current = this.m_editor.ui.editTile();
    const next = list.find((t) => t.tile !== current) ?? list[0];
    if (!next) return void toast('No tile open for editing is left in your zones.', 'info');
    this.showTile(next.tile);
    const conf = next.mean_confidence !== null ? `, mean confidence ${Math.round(next.mean_confidence * 100)} %` : '';
    toast(`Next tile: ${next.tile} (${next.state.replace(/_/g, ' ')}${conf}${next.qc_blocking ? `, ${next.qc_blocking} blocking issues` : ''}).`, 'info');
  }

  private zoomToTile(key: string): void {
    const o = parseTileKey(key);
    if (!o) return;
    const s = this.m_project.tile_size_m || 1000;
    this.m_view.fit([o[0], o[1], o[0] + s, o[1] + s], 300);
  }

  // ------------------------------------------------------------ UI state

  private connectionChanged(state: ConnState, detail: string): void {
    this.m_header.setConnection(state, detail);
    this.m_mapEl.dataset.wsState = state;
    this.m_editor?.connection(state);
    this.m_review?.connection(state === 'connected');
  }

  /** Polygons changed by edits: the counts of the open tiles, the legend. */
  private featuresChanged(): void {
    for (const k of this.m_open) this.m_polygons.set(k, this.m_editor.sync.model.tile(k)?.features.size ?? this.m_polygons.get(k) ?? 0);
    this.refreshOpen();
  }

  private refreshOpen(): void {
    this.m_sidebar.setOpenTiles([...this.m_open].reverse().map((key) => ({
      key,
      state: this.m_view.grid.get(key)?.state ?? 'todo',
      loading: this.m_loading.has(key),
      polygons: this.m_polygons.get(key) ?? 0,
    })));
    this.m_mapEl.dataset.openTiles = this.m_open.join(',');
    this.m_mapEl.dataset.loadingTiles = String(this.m_loading.size);
    this.m_mapEl.dataset.featureCount = String(this.m_view.features.count);
    this.m_view.grid.redraw();
    this.refreshLegend();
    this.refreshGridInfo();
  }

  private refreshLegend(): void {
    const dim = this.m_view.features.settings.colorBy;
    this.m_sidebar.setClasses(dim, this.m_view.features.classCounts(dim));
  }

  private refreshGridInfo(): void {
    const counts = new Map<string, number>();
    for (const t of this.m_view.grid.inView()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    this.m_sidebar.setStateCounts(counts);
    this.m_mapEl.dataset.tileCount = String(this.m_view.grid.count);
    const n = this.m_view.features.count;
    this.m_status.textContent = `${this.m_view.grid.count} tiles · ${this.m_open.length} open · ${n} polygons`;
  }

  // ------------------------------------------------------------ session

  private async logout(): Promise<void> {
    try {
      await api.logout();
    } catch (e) {
      console.warn('tessera: logout failed', e);
    }
    this.teardown();
  }

  private teardown(notice?: string): void {
    if (this.m_stopped) return;
    this.m_stopped = true;
    this.m_review.stop();
    this.m_editor.stop();
    this.m_socket.stop();
    this.m_view.map.setTarget(undefined);
    removeTestHooks();
    this.m_ctx.loggedOut(notice);
  }
}
