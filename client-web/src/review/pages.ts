// Pages over the workspace, reached from the header:
// - "My work": every tile the user worked on, its state, change sets, quality counts and what
//   became of it (the last review's outcome, reasons, comment and pinned comments), and the next
//   tiles to take by priority; a click opens the tile on the map.
// - "Review" (controllers and leads): the submitted tiles waiting for a review in their zones
//   (never those they edited); a click opens the tile, where "Claim review" is.
// - "Dashboard" (leads and admins): dashboard/page.ts.
import * as api from '../api';
import { DashboardView, type DashboardDetails, type DashboardSettings } from '../dashboard/page';
import { stateStyle } from '../styles';
import { h, replace, swatch } from '../ui/dom';
import { formatDate } from './panel';
import { reasonLabel } from './reasons';
import { outcomeLabel, plural } from './state';

export type PageName = 'my-work' | 'review-queue' | 'dashboard';

export interface PagesHandlers {
  /** Opens a tile on the map (and zooms to it); the page closes. */
  openTile(tile: string): void;
  /** The page shown changed (null: the map). */
  changed(page: PageName | null): void;
  /** Whether the user may take tiles to edit (the "next tiles" of My work). */
  mayEdit: boolean;
  /** The project (the dashboard's overview map). */
  project: api.Project;
}

const TITLES: Record<PageName, string> = { 'my-work': 'My work', 'review-queue': 'Review queue', dashboard: 'Dashboard' };

export class Pages {
  readonly el: HTMLElement;
  private readonly m_title: HTMLElement;
  private readonly m_body: HTMLElement;
  private readonly m_refresh: HTMLButtonElement;
  private m_page: PageName | null = null;
  private m_seq = 0;
  private m_dashboard: DashboardView | null = null;
  /** The dashboard's zone and period, kept while the app runs. */
  private m_dashSettings: DashboardSettings = { zone: null, period: 'all' };

  constructor(private readonly m_h: PagesHandlers) {
    this.m_title = h('h1', { class: 'page-title' });
    this.m_refresh = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'page-refresh' }, 'Refresh');
    this.m_refresh.addEventListener('click', () => this.m_page && this.show(this.m_page));
    const close = h('button', { type: 'button', class: 'btn btn-primary btn-small', id: 'page-close' }, '← Back to the map');
    close.addEventListener('click', () => this.close());
    this.m_body = h('div', { class: 'page-body' });
    this.el = h('section', { class: 'page', id: 'page', hidden: true, role: 'region' },
      h('div', { class: 'page-head' }, this.m_title, h('div', { class: 'topbar-spacer' }), this.m_refresh, close),
      this.m_body);
    this.el.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') this.close();
    });
  }

  get page(): PageName | null {
    return this.m_page;
  }

  /** The dashboard's figures as shown, while it is the page (for the browser tests). */
  dashboardDetails(): DashboardDetails | null {
    return this.m_page === 'dashboard' ? this.m_dashboard?.details() ?? null : null;
  }

  /** CSS pixel on the dashboard's overview map of a map coordinate, while it is the page. */
  dashboardPixelOf(x: number, y: number): number[] | null {
    return this.m_page === 'dashboard' ? this.m_dashboard?.pixelOf(x, y) ?? null : null;
  }

  private disposeDashboard(): void {
    this.m_dashboard?.dispose();
    this.m_dashboard = null;
  }

  close(): void {
    if (!this.m_page) return;
    this.m_page = null;
    this.m_seq++;
    this.disposeDashboard();
    this.el.hidden = true;
    this.el.dataset.page = '';
    this.m_h.changed(null);
  }

  toggle(page: PageName): void {
    if (this.m_page === page) this.close();
    else this.show(page);
  }

  show(page: PageName): void {
    if (page === 'dashboard' && this.m_page === 'dashboard' && this.m_dashboard) return this.reloadDashboard();
    this.disposeDashboard();
    this.m_page = page;
    const seq = ++this.m_seq;
    this.el.hidden = false;
    this.el.dataset.page = page;
    this.el.dataset.loaded = 'false';
    this.el.classList.toggle('page-wide', page === 'dashboard');
    this.m_title.textContent = TITLES[page];
    if (page === 'dashboard') {
      this.m_h.changed(page);
      const view = new DashboardView(this.m_h.project, {
        openTile: (k) => this.open(k),
        settingsChanged: (s) => {
          this.m_dashSettings = s;
        },
      }, { ...this.m_dashSettings });
      this.m_dashboard = view;
      replace(this.m_body, view.el);
      view.start();
      return this.reloadDashboard();
    }
    replace(this.m_body, h('div', { class: 'page-loading' }, h('div', { class: 'spinner' }), h('p', {}, 'Loading…')));
    this.m_h.changed(page);
    const done = (...children: (Node | null)[]) => {
      if (seq !== this.m_seq) return;
      replace(this.m_body, ...children);
      this.el.dataset.loaded = 'true';
    };
    const failed = (e: unknown) => done(h('p', { class: 'login-error' }, `Could not be loaded: ${e instanceof Error ? e.message : String(e)}`));
    if (page === 'my-work') {
      Promise.all([api.myWork(), this.m_h.mayEdit ? api.nextTiles(5).catch(() => []) : Promise.resolve([])])
        .then(([work, next]) => done(...this.myWork(work.tiles, next)), failed);
    } else {
      api.reviewQueue().then((tiles) => done(this.queue(tiles)), failed);
    }
  }

  /** Loads the dashboard's figures (again); the page says loaded when every card has its answer. */
  private reloadDashboard(): void {
    const view = this.m_dashboard;
    if (!view) return;
    const seq = this.m_seq;
    this.el.dataset.loaded = 'false';
    void view.load().then((complete) => {
      if (complete && seq === this.m_seq && view === this.m_dashboard) this.el.dataset.loaded = 'true';
    });
  }

  private open(tile: string): void {
    this.close();
    this.m_h.openTile(tile);
  }

  private openButton(tile: string, cls: string, label = 'Open'): HTMLButtonElement {
    const b = h('button', { type: 'button', class: `btn btn-ghost btn-small ${cls}`, 'data-tile': tile, title: `Open tile ${tile} on the map` }, label);
    b.addEventListener('click', (ev) => {
      ev.stopPropagation();
      this.open(tile);
    });
    return b;
  }

  private stateCell(state: string): HTMLElement {
    const s = stateStyle(state);
    return h('td', { class: 'state-cell' }, h('span', { class: 'state-chip', style: `background:${s.color}` }, s.label));
  }

  // ------------------------------------------------------------------ my work

  private myWork(tiles: api.WorkTile[], next: api.NextTile[]): (Node | null)[] {
    const counts = new Map<string, number>();
    for (const t of tiles) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    const summary = h('p', { class: 'page-summary', id: 'my-work-summary' },
      tiles.length ? `${plural(tiles.length, 'tile')}: ` : 'You have not worked on any tile yet.',
      ...[...counts.entries()].map(([st, n], i) => h('span', { class: 'summary-item' }, i ? ' · ' : '', swatch(stateStyle(st).color), ` ${n} ${stateStyle(st).label.toLowerCase()}`)));
    const table = tiles.length ? h('table', { class: 'page-table', id: 'my-work-list' },
      h('thead', {}, h('tr', {}, ...['Tile', 'State', 'Change sets', 'Last change', 'Quality', 'Last review', ''].map((c) => h('th', {}, c)))),
      h('tbody', {}, ...tiles.map((t) => this.workRow(t)))) : null;
    const nextBlock = next.length ? h('section', { class: 'page-section', id: 'next-tiles' },
      h('h2', {}, 'Next tiles to take'),
      h('p', { class: 'muted' }, 'Open for editing in your zones, by priority (low model confidence and quality issues first).'),
      h('ul', { class: 'next-list' }, ...next.map((n) => h('li', { class: 'next-row', 'data-tile': n.tile },
        this.openButton(n.tile, 'next-open', n.tile), ' ', h('span', { class: 'state-chip', style: `background:${stateStyle(n.state).color}` }, stateStyle(n.state).label),
        h('span', { class: 'muted' }, ` score ${n.score.toFixed(0)}`,
          n.mean_confidence !== null ? ` · mean confidence ${Math.round(n.mean_confidence * 100)} %` : '',
          n.qc_blocking ? ` · ${plural(n.qc_blocking, 'blocking issue')}` : ''))))) : null;
    return [summary, table, nextBlock];
  }

  private workRow(t: api.WorkTile): HTMLElement {
    const r = t.last_review;
    const review = r
      ? h('div', { class: 'work-review', 'data-outcome': r.outcome ?? '' },
        h('div', {}, h('span', { class: `badge outcome-${r.outcome}` }, outcomeLabel(r.outcome)), h('span', { class: 'muted' }, ` by ${r.reviewer}, ${formatDate(r.ended_at)}`)),
        r.reasons.length ? h('div', { class: 'work-reasons' }, ...r.reasons.map((x) => h('span', { class: 'review-reason', 'data-reason': x }, reasonLabel(x)))) : null,
        r.comment ? h('blockquote', { class: 'review-comment work-comment' }, r.comment) : null,
        r.comments.length ? h('ol', { class: 'work-pins' }, ...r.comments.map((c) => h('li', { class: 'work-pin', 'data-feature': c.feature ?? '', 'data-reason': c.reason },
          h('strong', {}, reasonLabel(c.reason)), ' ', h('span', { class: 'pin-text' }, c.text),
          h('span', { class: 'muted' }, c.feature ? ` — polygon ${c.feature}` : ' — a point')))) : null)
      : h('span', { class: 'muted' }, 'Not reviewed yet');
    const qc = h('span', {},
      t.qc_blocking ? h('span', { class: 'badge badge-blocking' }, plural(t.qc_blocking, 'blocking')) : null,
      t.qc_warnings ? h('span', { class: 'badge badge-warn' }, plural(t.qc_warnings, 'warning')) : null,
      !t.qc_blocking && !t.qc_warnings ? h('span', { class: 'badge badge-ok' }, 'no issues') : null);
    const row = h('tr', { class: 'work-row', 'data-tile': t.tile, 'data-state': t.state, 'data-outcome': r?.outcome ?? '', tabindex: 0 },
      h('td', {}, h('strong', {}, t.tile)),
      this.stateCell(t.state),
      h('td', { class: 'num' }, String(t.change_sets)),
      h('td', {}, formatDate(t.last_change)),
      h('td', { class: 'work-qc' }, qc),
      h('td', { class: 'work-last-review' }, review),
      h('td', {}, this.openButton(t.tile, 'work-open')));
    row.addEventListener('click', () => this.open(t.tile));
    row.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') this.open(t.tile);
    });
    return row;
  }

  // ------------------------------------------------------------------ review queue

  private queue(tiles: api.QueueTile[]): HTMLElement {
    if (!tiles.length) return h('p', { class: 'page-summary empty', id: 'review-queue-list' }, 'No tile waits for your review: nothing submitted in your zones (tiles you edited are reviewed by someone else).');
    return h('div', {},
      h('p', { class: 'page-summary' }, `${plural(tiles.length, 'tile')} submitted, oldest first. Open one, then “Claim review”: nobody else reviews it meanwhile.`),
      h('table', { class: 'page-table', id: 'review-queue-list' },
        h('thead', {}, h('tr', {}, ...['Tile', 'Submitted by', 'Submitted', 'Warnings', ''].map((c) => h('th', {}, c)))),
        h('tbody', {}, ...tiles.map((t) => {
          const row = h('tr', { class: 'queue-row', 'data-tile': t.tile, tabindex: 0 },
            h('td', {}, h('strong', {}, t.tile)),
            h('td', {}, t.submitted_by || '—'),
            h('td', {}, formatDate(t.submitted_at)),
            h('td', { class: 'num' }, t.qc_warnings ? h('span', { class: 'badge badge-warn' }, String(t.qc_warnings)) : '0'),
            h('td', {}, this.openButton(t.tile, 'queue-open', 'Open to review')));
          row.addEventListener('click', () => this.open(t.tile));
          return row;
        }))));
  }
}
