// The lead's dashboard page (issue "Workflow", point 5), over the workspace like "My work":
// a zone and a period to look at; key figures; the tiles coloured by state on an overview map
// with their counts and areas per state (table and stacked bar) and per zone; the burn-down
// (tiles per state at the end of each day) and the throughput per day as small SVG charts; the
// contributors' and the controllers' leaderboards; quality issues by code; conflicts. Every
// table links to the same endpoint as CSV. Each card loads on its own: one failing says so
// and the others still show.
import * as api from '../api';
import { codeLabel } from '../editor/qc';
import { reasonLabel } from '../review/reasons';
import { stateStyle } from '../styles';
import { h, replace } from '../ui/dom';
import {
  PERIODS, dashboardPath, formatArea, formatCount, formatDuration, formatRate, parseConflicts, parseContributors,
  parseControllers, parseProgress, parseQc, parseStates, parseThroughput, parseZones, pct, periodRange, rankContributors,
  rankControllers, remaining, scopeStates, shortDay, stateBreakdown, topReasons, zoneTileKeys,
  type ConflictsData, type ContributorsData, type ControllersData, type DashboardName, type Period, type ProgressData, type QcData,
  type StateBreakdown, type StatesData, type ThroughputData, type ZoneInfo,
} from './data';
import { OverviewMap } from './overview';
import { areaChart, barChart, inlineBar, legend, stackedBar, type SeriesStyle } from './svg';

export interface DashboardSettings {
  zone: string | null;
  period: Period;
}

export interface DashboardHandlers {
  /** Opens a tile on the main map (the page closes). */
  openTile(key: string): void;
  /** The zone or the period changed (kept for the next time the page opens). */
  settingsChanged(s: DashboardSettings): void;
}

/** What the browser tests read (`window.tessera.dashboard()`). */
export interface DashboardDetails {
  loaded: boolean;
  zone: string | null;
  period: Period;
  zones: string[];
  /** The scope's tiles as the server counts them, what its per-state rows add up to, per state. */
  tiles: number;
  sum: number;
  byState: Record<string, number>;
  /** Tiles listed on the overview map, and per state. */
  mapTiles: number;
  mapByState: Record<string, number>;
  progressDays: number;
  throughputDays: number;
  contributors: string[];
  controllers: string[];
  qcCodes: string[];
  conflicts: number;
  csv: string[];
  errors: Record<string, string>;
}

type Loaded<T> = { data: T; error: null } | { data: null; error: string };

const CHART_W = 600;
const CHART_H = 190;
/** Stacking order of the burn-down, bottom first: finished work at the bottom, what is left on top. */
const STACK_ORDER = ['published', 'approved', 'in_review', 'submitted', 'rejected', 'in_progress', 'todo'];
const REMAINING: SeriesStyle = { key: 'remaining', label: 'Left to finish', color: '#0b2540' };
const CHANGE_SETS: SeriesStyle[] = [{ key: 'change_sets', label: 'Change sets', color: '#5b6f86' }];
const FLOWS: SeriesStyle[] = [
  { key: 'submissions', label: 'Submissions', color: '#2f7de1' },
  { key: 'approvals', label: 'Approvals', color: '#2e9d4f' },
  { key: 'rejections', label: 'Rejections', color: '#d63b3b' },
  { key: 'reopens', label: 'Reopens', color: '#e8a317' },
];

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

/** An ISO time as "20 Nov 10:12" (UTC), the text itself when it is not one. */
function shortTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${shortDay(m[1])} ${m[2]}` : iso;
}

function stateLabel(state: string): string {
  return stateStyle(state).label;
}

function stateChip(state: string): HTMLElement {
  return h('span', { class: 'state-chip', style: `background:${stateStyle(state).color}` }, stateLabel(state));
}

export class DashboardView {
  readonly el: HTMLElement;
  private readonly m_overview: OverviewMap;
  private readonly m_zoneSelect: HTMLSelectElement;
  private readonly m_periodSelect: HTMLSelectElement;
  private readonly m_kpis: HTMLElement;
  private readonly m_cards: Record<DashboardName, HTMLElement>;
  private readonly m_stateBody: HTMLElement;
  private readonly m_mapNote: HTMLElement;
  private m_zones: ZoneInfo[] = [];
  private m_states: Loaded<StatesData> | null = null;
  private m_progress: Loaded<ProgressData> | null = null;
  private m_throughput: Loaded<ThroughputData> | null = null;
  private m_contributors: Loaded<ContributorsData> | null = null;
  private m_controllers: Loaded<ControllersData> | null = null;
  private m_qc: Loaded<QcData> | null = null;
  private m_conflicts: Loaded<ConflictsData> | null = null;
  private m_mapTiles: api.TileInfo[] = [];
  private readonly m_seq: Partial<Record<DashboardName, number>> = {};
  private m_loadSeq = 0;
  private m_loaded = false;

  constructor(project: api.Project, private readonly m_h: DashboardHandlers, private readonly m_settings: DashboardSettings) {
    this.m_zoneSelect = h('select', { id: 'dashboard-zone', class: 'dash-select', 'aria-label': 'Zone' }, h('option', { value: '' }, 'Whole project'));
    this.m_zoneSelect.addEventListener('change', () => this.setZone(this.m_zoneSelect.value || null));
    this.m_periodSelect = h('select', { id: 'dashboard-period', class: 'dash-select', 'aria-label': 'Period' },
      ...PERIODS.map((p) => h('option', { value: p.value, selected: p.value === m_settings.period }, p.label)));
    this.m_periodSelect.addEventListener('change', () => this.setPeriod(this.m_periodSelect.value as Period));
    this.m_kpis = h('div', { class: 'dash-kpis', id: 'dash-kpis' });
    this.m_mapNote = h('p', { class: 'dash-note', hidden: true });
    this.m_overview = new OverviewMap(project, {
      openTile: (k) => m_h.openTile(k),
      loaded: (tiles) => {
        this.m_mapTiles = tiles;
        this.renderStates();
      },
      problem: (msg) => {
        this.m_mapNote.textContent = msg ?? '';
        this.m_mapNote.hidden = !msg;
      },
    });
    this.m_stateBody = h('div', { class: 'dash-states-body' });
    const card = (name: DashboardName, wide = false) => h('section', { class: `dash-card${wide ? ' dash-wide' : ''}`, id: `dash-${name}`, 'data-state': 'loading' });
    this.m_cards = {
      states: card('states', true),
      progress: card('progress'),
      throughput: card('throughput'),
      contributors: card('contributors'),
      controllers: card('controllers'),
      qc: card('qc'),
      conflicts: card('conflicts'),
    };
    this.m_cards.states.append(
      this.cardHead('states', 'Tiles by state', ''),
      h('div', { class: 'dash-states-grid' }, h('div', { class: 'dash-states-map' }, this.m_overview.el, this.m_mapNote), this.m_stateBody));
    for (const name of ['progress', 'throughput', 'contributors', 'controllers', 'qc', 'conflicts'] as DashboardName[]) {
      this.m_cards[name].append(this.cardHead(name, '', ''), h('div', { class: 'page-loading' }, h('div', { class: 'spinner' }), 'Loading…'));
    }
    this.el = h('div', { class: 'dashboard', id: 'dashboard', 'data-loaded': 'false', 'data-zone': m_settings.zone ?? '', 'data-period': m_settings.period },
      h('div', { class: 'dash-toolbar' },
        h('label', { class: 'dash-field' }, h('span', {}, 'Zone'), this.m_zoneSelect),
        h('label', { class: 'dash-field' }, h('span', {}, 'Period'), this.m_periodSelect),
        h('span', { class: 'muted dash-scope-note' }, 'The zone applies to the tiles by state and the burn-down; the period to the charts, the contributors and the conflicts.')),
      this.m_kpis,
      h('div', { class: 'dash-grid' }, ...Object.values(this.m_cards)));
  }

  /** Fits the overview map: call once the element is in the page. */
  start(): void {
    this.m_overview.start();
    this.m_overview.setZone(zoneTileKeys(this.zone()));
  }

  dispose(): void {
    this.m_loadSeq++;
    this.m_overview.dispose();
  }

  /**
   * Loads every card (again); resolves when each has its answer or its error: true, or false
   * when a newer load (or the end of the page) took over meanwhile.
   */
  async load(): Promise<boolean> {
    const seq = ++this.m_loadSeq;
    this.m_loaded = false;
    this.el.dataset.loaded = 'false';
    await Promise.all([
      api.zones().then(parseZones, () => [] as ZoneInfo[]).then((z) => {
        if (seq !== this.m_loadSeq) return;
        this.m_zones = z;
        this.renderZoneSelect();
      }),
      this.m_overview.grid.load(),
      this.loadStates(),
      this.loadProgress(),
      this.loadThroughput(),
      this.loadContributors(),
      this.loadControllers(),
      this.loadQc(),
      this.loadConflicts(),
    ]);
    if (seq !== this.m_loadSeq) return false;
    this.m_loaded = true;
    this.el.dataset.loaded = 'true';
    return true;
  }

  /** CSS pixel, relative to the overview map, of a map coordinate (metres), or null. */
  pixelOf(x: number, y: number): number[] | null {
    this.m_overview.map.renderSync();
    return this.m_overview.map.getPixelFromCoordinate([x, y]) ?? null;
  }

  details(): DashboardDetails {
    const b = this.breakdown();
    const byState: Record<string, number> = {};
    for (const r of b?.rows ?? []) byState[r.state] = r.tiles;
    const mapByState: Record<string, number> = {};
    for (const t of this.m_mapTiles) mapByState[t.state] = (mapByState[t.state] ?? 0) + 1;
    const errors: Record<string, string> = {};
    const all: [string, Loaded<unknown> | null][] = [['states', this.m_states], ['progress', this.m_progress], ['throughput', this.m_throughput],
      ['contributors', this.m_contributors], ['controllers', this.m_controllers], ['qc', this.m_qc], ['conflicts', this.m_conflicts]];
    for (const [k, v] of all) if (v?.error) errors[k] = v.error;
    return {
      loaded: this.m_loaded,
      zone: this.m_settings.zone,
      period: this.m_settings.period,
      zones: this.m_zones.map((z) => z.name),
      tiles: b?.tiles ?? 0,
      sum: b?.sum ?? 0,
      byState,
      mapTiles: this.m_overview.grid.count,
      mapByState,
      progressDays: this.m_progress?.data?.days.length ?? 0,
      throughputDays: this.m_throughput?.data?.days.length ?? 0,
      contributors: this.m_contributors?.data?.contributors.map((c) => c.username) ?? [],
      controllers: this.m_controllers?.data?.controllers.map((c) => c.username) ?? [],
      qcCodes: this.m_qc?.data?.issues.map((q) => q.code) ?? [],
      conflicts: this.m_conflicts?.data?.total ?? 0,
      csv: [...this.el.querySelectorAll<HTMLAnchorElement>('a.csv-link')].map((a) => a.getAttribute('href') ?? ''),
      errors,
    };
  }

  // ------------------------------------------------------------------ settings

  private zone(): ZoneInfo | null {
    return this.m_zones.find((z) => z.name === this.m_settings.zone) ?? null;
  }

  setZone(zone: string | null): void {
    if (zone === this.m_settings.zone) return;
    this.m_settings.zone = zone;
    this.el.dataset.zone = zone ?? '';
    if (this.m_zoneSelect.value !== (zone ?? '')) this.m_zoneSelect.value = zone ?? '';
    this.m_overview.setZone(zoneTileKeys(this.zone()));
    this.m_h.settingsChanged({ ...this.m_settings });
    this.renderStates();
    this.renderKpis();
    void this.loadProgress();
  }

  private setPeriod(period: Period): void {
    if (period === this.m_settings.period) return;
    this.m_settings.period = period;
    this.el.dataset.period = period;
    this.m_h.settingsChanged({ ...this.m_settings });
    void Promise.all([this.loadProgress(), this.loadThroughput(), this.loadContributors(), this.loadConflicts()]).then(() => this.renderKpis());
  }

  private params(): Record<string, string | undefined> {
    return { zone: this.m_settings.zone ?? undefined, ...periodRange(this.m_settings.period, new Date()) };
  }

  private renderZoneSelect(): void {
    const names = this.m_zones.map((z) => z.name);
    if (this.m_settings.zone && !names.includes(this.m_settings.zone)) {
      this.m_settings.zone = null;
      this.el.dataset.zone = '';
      void this.loadProgress();
    }
    replace(this.m_zoneSelect, h('option', { value: '' }, 'Whole project'),
      ...this.m_zones.map((z) => h('option', { value: z.name, selected: z.name === this.m_settings.zone }, `${z.name} (${plural(z.tiles, 'tile')})`)));
    this.m_zoneSelect.value = this.m_settings.zone ?? '';
    this.m_zoneSelect.disabled = this.m_zones.length === 0;
    this.m_zoneSelect.title = this.m_zones.length ? 'Figures of one zone, or of the whole project' : 'No zone is defined (tessera zone define)';
    this.m_overview.setZone(zoneTileKeys(this.zone()));
    this.renderStates();
  }

  // ------------------------------------------------------------------ loading

  /** Fetches one dashboard; the answer is dropped when a newer request for the same card was made. */
  private async fetch<T>(name: DashboardName, parse: (raw: unknown) => T, params: Record<string, string | undefined> = this.params()): Promise<Loaded<T> | undefined> {
    const seq = (this.m_seq[name] = (this.m_seq[name] ?? 0) + 1);
    this.m_cards[name].dataset.state = 'loading';
    let out: Loaded<T>;
    try {
      out = { data: parse(await api.dashboard(dashboardPath(name, params))), error: null };
    } catch (e) {
      out = { data: null, error: message(e) };
    }
    if (seq !== this.m_seq[name]) return undefined;
    this.m_cards[name].dataset.state = out.error ? 'error' : 'ready';
    return out;
  }

  private async loadStates(): Promise<void> {
    // Without ?zone: the whole project and every zone, so that picking a zone needs no request.
    const r = await this.fetch('states', parseStates, {});
    if (!r) return;
    this.m_states = r;
    this.renderStates();
    this.renderKpis();
  }

  private async loadProgress(): Promise<void> {
    const zone = this.m_settings.zone;
    this.m_cards.progress.dataset.zone = zone ?? '';
    const r = await this.fetch('progress', parseProgress);
    if (!r) return;
    this.m_progress = r;
    this.renderProgress();
  }

  private async loadThroughput(): Promise<void> {
    const r = await this.fetch('throughput', parseThroughput);
    if (!r) return;
    this.m_throughput = r;
    this.renderThroughput();
    this.renderKpis();
  }

  private async loadContributors(): Promise<void> {
    const r = await this.fetch('contributors', parseContributors);
    if (!r) return;
    this.m_contributors = r;
    this.renderContributors();
  }

  private async loadControllers(): Promise<void> {
    const r = await this.fetch('controllers', parseControllers);
    if (!r) return;
    this.m_controllers = r;
    this.renderControllers();
  }

  private async loadQc(): Promise<void> {
    const r = await this.fetch('qc', parseQc);
    if (!r) return;
    this.m_qc = r;
    this.renderQc();
    this.renderKpis();
  }

  private async loadConflicts(): Promise<void> {
    const r = await this.fetch('conflicts', parseConflicts, { ...this.params(), limit: '10' });
    if (!r) return;
    this.m_conflicts = r;
    this.renderConflicts();
    this.renderKpis();
  }

  // ------------------------------------------------------------------ rendering helpers

  private csvLink(name: DashboardName, label = 'CSV', extra: Record<string, string> = {}): HTMLAnchorElement {
    const href = dashboardPath(name, { ...this.params(), ...extra }, true);
    return h('a', { class: 'csv-link', href, download: '', 'data-dashboard': name, title: `Download this table as CSV (${href.replace(/^api\/v1\//, '/api/v1/')})` }, label);
  }

  private cardHead(name: DashboardName, title: string, subtitle: string, ...links: HTMLElement[]): HTMLElement {
    return h('div', { class: 'dash-card-head' },
      h('div', {}, h('h2', {}, title), subtitle ? h('p', { class: 'muted dash-sub' }, subtitle) : null),
      h('div', { class: 'dash-links' }, ...(links.length ? links : [this.csvLink(name)])));
  }

  private fill(name: DashboardName, title: string, subtitle: string, links: HTMLElement[], ...body: (Node | null)[]): void {
    const card = this.m_cards[name];
    replace(card, this.cardHead(name, title, subtitle, ...links), ...body);
  }

  private error(text: string): HTMLElement {
    return h('p', { class: 'login-error dash-error' }, `Could not be loaded: ${text}`);
  }

  private periodText(): string {
    return PERIODS.find((p) => p.value === this.m_settings.period)?.label.toLowerCase() ?? '';
  }

  private openButton(tile: string): HTMLButtonElement {
    const b = h('button', { type: 'button', class: 'btn btn-ghost btn-small dash-open', 'data-tile': tile, title: `Open tile ${tile} on the map` }, tile);
    b.addEventListener('click', () => this.m_h.openTile(tile));
    return b;
  }

  // ------------------------------------------------------------------ key figures

  private breakdown(): StateBreakdown | null {
    const d = this.m_states?.data;
    if (!d) return null;
    return stateBreakdown(scopeStates(d, this.m_settings.zone), d.states);
  }

  private renderKpis(): void {
    const b = this.breakdown();
    const waiting = b ? b.rows.filter((r) => r.state === 'submitted' || r.state === 'in_review').reduce((a, r) => a + r.tiles, 0) : null;
    const t = this.m_throughput?.data?.totals;
    const qc = this.m_qc?.data?.totals;
    const kpi = (key: string, value: string, label: string, hint = '') => h('div', { class: 'kpi', 'data-kpi': key, title: hint },
      h('span', { class: 'kpi-value' }, value), h('span', { class: 'kpi-label' }, label));
    const scope = this.m_settings.zone ? `zone ${this.m_settings.zone}` : 'project';
    replace(this.m_kpis,
      kpi('tiles', b ? formatCount(b.tiles) : '…', `tiles in the ${scope}`, b ? formatArea(b.area_m2) : ''),
      kpi('done', b ? `${b.donePct} %` : '…', 'done (approved or published)', b ? `${plural(b.done, 'tile')} of ${formatCount(b.tiles)}` : ''),
      kpi('waiting', waiting === null ? '…' : formatCount(waiting), 'submitted or in review'),
      kpi('change-sets', t ? formatCount(t.change_sets) : '…', `change sets, ${this.periodText()}`),
      kpi('approvals', t ? `${formatCount(t.approvals)} / ${formatCount(t.rejections)}` : '…', `approved / rejected, ${this.periodText()}`),
      kpi('blocking', qc ? formatCount(qc.blocking) : '…', 'blocking quality issues', qc ? `${formatCount(qc.warning)} warnings` : ''),
      kpi('conflicts', this.m_conflicts?.data ? formatCount(this.m_conflicts.data.total) : '…', `conflicts, ${this.periodText()}`));
  }

  // ------------------------------------------------------------------ tiles by state

  private renderStates(): void {
    const card = this.m_cards.states;
    const zone = this.m_settings.zone;
    const head = this.cardHead('states', 'Tiles by state', zone ? `Zone ${zone}` : 'The whole project', this.csvLink('states'));
    card.replaceChild(head, card.firstChild!);
    const zi = this.zone();
    const keys = zoneTileKeys(zi);
    const mapTiles = keys ? this.m_mapTiles.filter((t) => keys.has(t.key)) : this.m_mapTiles;
    const mapCount = h('p', { class: 'muted dash-map-count', id: 'dash-map-count', 'data-tiles': mapTiles.length },
      zone && !keys
        ? `Zone ${zone} is defined by ${zi?.kind || 'territories'}: its tiles are not outlined on this map.`
        : `${plural(mapTiles.length, 'tile')} on the map${keys ? ` in zone ${zone} (outlined)` : ''}.`);
    const s = this.m_states;
    if (!s) return replace(this.m_stateBody, mapCount, h('div', { class: 'page-loading' }, h('div', { class: 'spinner' }), 'Loading…'));
    if (s.error !== null) return replace(this.m_stateBody, mapCount, this.error(s.error));
    const z = scopeStates(s.data, zone);
    if (!z) return replace(this.m_stateBody, mapCount, h('p', { class: 'muted' }, `No figures for zone ${zone}.`));
    const b = stateBreakdown(z, s.data.states);
    const items = b.rows.map((r) => ({ key: r.state, label: stateLabel(r.state), color: stateStyle(r.state).color, value: r.tiles,
      text: `${stateLabel(r.state)}: ${plural(r.tiles, 'tile')} (${r.tilePct} %), ${formatArea(r.area_m2)}` }));
    const table = h('table', { class: 'page-table dash-table', id: 'dash-states-table' },
      h('thead', {}, h('tr', {}, ...['State', 'Tiles', '% tiles', 'Area', '% area'].map((c, i) => h('th', { class: i ? 'num' : '' }, c)))),
      h('tbody', {}, ...b.rows.map((r) => h('tr', { class: `state-row${r.tiles ? '' : ' zero'}`, 'data-state': r.state, 'data-tiles': r.tiles, 'data-area': Math.round(r.area_m2) },
        h('td', {}, stateChip(r.state)),
        h('td', { class: 'num' }, formatCount(r.tiles)),
        h('td', { class: 'num' }, `${r.tilePct} %`),
        h('td', { class: 'num' }, formatArea(r.area_m2)),
        h('td', { class: 'num' }, `${r.areaPct} %`)))),
      h('tfoot', {}, h('tr', { class: 'total-row', 'data-tiles': b.tiles, 'data-sum': b.sum },
        h('td', {}, 'Total'), h('td', { class: 'num', id: 'dash-states-total' }, formatCount(b.tiles)), h('td', { class: 'num' }, b.tiles ? '100 %' : '—'),
        h('td', { class: 'num' }, formatArea(b.area_m2)), h('td', { class: 'num' }, b.area_m2 ? '100 %' : '—'))));
    const summary = h('p', { class: 'dash-summary', id: 'dash-states-summary', 'data-tiles': b.tiles },
      h('strong', {}, plural(b.tiles, 'tile')), ` · ${formatArea(b.area_m2)} · `, h('strong', {}, `${b.donePct} %`), ` done (${plural(b.done, 'tile')} approved or published)`,
      b.sum !== b.tiles ? h('span', { class: 'badge badge-warn' }, ` the states add up to ${b.sum}`) : null);
    replace(this.m_stateBody, summary,
      stackedBar(items, 520, 22, { id: 'dash-state-bar', 'data-tiles': b.sum }),
      legend(items.filter((i) => i.value > 0)),
      table, mapCount,
      zone ? null : this.zonesTable(s.data));
  }

  /** Every zone's progress as a row (a click picks the zone). */
  private zonesTable(d: StatesData): HTMLElement | null {
    if (!d.zones.length) return null;
    return h('div', { class: 'dash-zones' },
      h('h3', {}, 'By zone'),
      h('table', { class: 'page-table dash-table', id: 'dash-zones-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Zone'), h('th', {}, 'States'), h('th', { class: 'num' }, 'Tiles'), h('th', { class: 'num' }, 'Done'))),
        h('tbody', {}, ...d.zones.map((z) => {
          const b = stateBreakdown(z, d.states);
          const row = h('tr', { class: 'zone-row', 'data-zone': z.zone ?? '', 'data-tiles': z.tiles, tabindex: 0, title: `Show zone ${z.zone}` },
            h('td', {}, h('strong', {}, z.zone ?? '')),
            h('td', {}, stackedBar(b.rows.map((r) => ({ key: r.state, label: stateLabel(r.state), color: stateStyle(r.state).color, value: r.tiles,
              text: `${stateLabel(r.state)}: ${r.tiles}` })), 180, 12)),
            h('td', { class: 'num' }, formatCount(z.tiles)),
            h('td', { class: 'num' }, `${b.donePct} %`));
          row.addEventListener('click', () => this.setZone(z.zone));
          row.addEventListener('keydown', (ev) => {
            if (ev.key === 'Enter') this.setZone(z.zone);
          });
          return row;
        }))));
  }

  // ------------------------------------------------------------------ progress, throughput

  private renderProgress(): void {
    const zone = this.m_settings.zone;
    const title = 'Progress (burn-down)';
    const sub = `Tiles per state at the end of each day, ${zone ? `zone ${zone}` : 'whole project'}, ${this.periodText()}`;
    const p = this.m_progress;
    if (!p) return;
    if (p.error !== null) return this.fill('progress', title, sub, [this.csvLink('progress')], this.error(p.error));
    const days = p.data.days;
    if (!days.length) return this.fill('progress', title, sub, [this.csvLink('progress')], h('p', { class: 'muted' }, 'No history in this period.'));
    const states = [...STACK_ORDER.filter((s) => p.data.states.includes(s)), ...p.data.states.filter((s) => !STACK_ORDER.includes(s))];
    const series = states.map((s) => ({ key: s, label: stateLabel(s), color: stateStyle(s).color, values: days.map((d) => d.tiles[s] ?? 0) }));
    const left = remaining(days);
    const last = days[days.length - 1];
    const chart = areaChart({
      labels: days.map((d) => shortDay(d.day)),
      series,
      line: { ...REMAINING, values: left },
      width: CHART_W,
      height: CHART_H,
      pointText: (i) => `${days[i].day}: ${states.filter((s) => days[i].tiles[s]).map((s) => `${stateLabel(s).toLowerCase()} ${days[i].tiles[s]}`).join(', ')}; ${left[i]} left to finish`,
    }, { id: 'dash-progress-chart' });
    const first = left[0];
    const summary = h('p', { class: 'dash-summary' },
      h('strong', {}, plural(left[left.length - 1], 'tile')), ` left to finish of ${formatCount(last.total)} on ${shortDay(last.day)}`,
      days.length > 1 ? ` (${first - left[left.length - 1] >= 0 ? '−' : '+'}${Math.abs(first - left[left.length - 1])} since ${shortDay(days[0].day)})` : ' — one day of history so far',
      ` · ${pct(last.total - left[left.length - 1], last.total)} % done`);
    this.fill('progress', title, sub, [this.csvLink('progress')], summary, chart,
      legend([...series.filter((se) => se.values.some((v) => v > 0)).reverse(), { ...REMAINING, line: true }]));
  }

  private renderThroughput(): void {
    const title = 'Throughput per day';
    const sub = `Whole project, ${this.periodText()}`;
    const t = this.m_throughput;
    if (!t) return;
    if (t.error !== null) return this.fill('throughput', title, sub, [this.csvLink('throughput')], this.error(t.error));
    const days = t.data.days;
    const tot = t.data.totals;
    const summary = h('p', { class: 'dash-summary', id: 'dash-throughput-totals' },
      h('strong', {}, plural(tot.change_sets, 'change set')), ` (${plural(tot.ops, 'operation')}) · ${plural(tot.submissions, 'submission')} · `,
      `${plural(tot.approvals, 'approval')} · ${plural(tot.rejections, 'rejection')} · ${plural(tot.reopens, 'reopen')}`);
    if (!days.length) return this.fill('throughput', title, sub, [this.csvLink('throughput')], summary, h('p', { class: 'muted' }, 'No activity in this period.'));
    const labels = days.map((d) => shortDay(d.day));
    const rows = days as unknown as Record<string, number>[];
    const dayText = (i: number) => `${days[i].day}: ${plural(days[i].change_sets, 'change set')} (${plural(days[i].ops, 'operation')}), ${plural(days[i].submissions, 'submission')}, ${plural(days[i].approvals, 'approval')}, ${plural(days[i].rejections, 'rejection')}, ${plural(days[i].reopens, 'reopen')}`;
    const edits = barChart({ labels, rows, series: CHANGE_SETS, width: CHART_W, height: 130, slotText: dayText }, { id: 'dash-throughput-edits' });
    const flows = barChart({ labels, rows, series: FLOWS, width: CHART_W, height: 150, slotText: dayText }, { id: 'dash-throughput-flows' });
    this.fill('throughput', title, sub, [this.csvLink('throughput')], summary,
      h('h3', {}, 'Change sets'), edits, h('h3', {}, 'Submissions and reviews'), flows, legend(FLOWS));
  }

  // ------------------------------------------------------------------ leaderboards

  private renderContributors(): void {
    const title = 'Contributors';
    const sub = `Change sets and submissions ${this.periodText()}; verdicts on the tiles they submitted`;
    const c = this.m_contributors;
    if (!c) return;
    if (c.error !== null) return this.fill('contributors', title, sub, [this.csvLink('contributors')], this.error(c.error));
    const rows = rankContributors(c.data.contributors.filter((x) => x.username || x.change_sets || x.submissions));
    if (!rows.length) return this.fill('contributors', title, sub, [this.csvLink('contributors')], h('p', { class: 'muted', id: 'dash-contributors-table' }, 'Nobody has edited or submitted a tile in this period.'));
    const maxCs = Math.max(...rows.map((r) => r.change_sets));
    const t = c.data.totals;
    const table = h('table', { class: 'page-table dash-table', id: 'dash-contributors-table' },
      h('thead', {}, h('tr', {}, ...['#', 'Contributor', 'Change sets', 'Submissions', 'Tiles', 'Approval rate', 'Rework'].map((x, i) => h('th', { class: i >= 2 ? 'num' : '' }, x)))),
      h('tbody', {}, ...rows.map((r) => h('tr', { class: 'contrib-row', 'data-user': r.username, 'data-change-sets': r.change_sets, 'data-submissions': r.submissions },
        h('td', { class: 'rank' }, String(r.rank)),
        h('td', {}, h('strong', {}, r.username || '(system)')),
        h('td', { class: 'num', title: plural(r.ops, 'operation') }, h('span', { class: 'bar-cell' }, inlineBar(r.change_sets, maxCs, '#5b6f86', 70), formatCount(r.change_sets))),
        h('td', { class: 'num' }, formatCount(r.submissions)),
        h('td', { class: 'num', title: 'Distinct tiles submitted' }, formatCount(r.tiles_submitted)),
        h('td', { class: 'num', title: `${plural(r.approved, 'tile')} approved, ${r.rejected} rejected` },
          formatRate(r.approval_rate), r.approved + r.rejected ? h('span', { class: 'muted' }, ` (${r.approved}/${r.approved + r.rejected})`) : null),
        h('td', { class: 'num', title: 'Tiles rejected then submitted again' }, formatCount(r.rework))))),
      h('tfoot', {}, h('tr', { class: 'total-row' }, h('td', {}), h('td', {}, 'Total'), h('td', { class: 'num' }, formatCount(t.change_sets)),
        h('td', { class: 'num' }, formatCount(t.submissions)), h('td', { class: 'num' }, formatCount(t.tiles_submitted)),
        h('td', { class: 'num' }, formatRate(t.approval_rate)), h('td', { class: 'num' }, formatCount(t.rework)))));
    this.fill('contributors', title, sub, [this.csvLink('contributors')], table);
  }

  private renderControllers(): void {
    const title = 'Controllers';
    const sub = 'Reviews since the start: how they ended, median review time, rejection reasons';
    const c = this.m_controllers;
    if (!c) return;
    if (c.error !== null) return this.fill('controllers', title, sub, [this.csvLink('controllers')], this.error(c.error));
    const rows = rankControllers(c.data.controllers);
    if (!rows.length) return this.fill('controllers', title, sub, [this.csvLink('controllers')], h('p', { class: 'muted', id: 'dash-controllers-table' }, 'Nobody has claimed a review yet.'));
    const maxReviews = Math.max(...rows.map((r) => r.reviews));
    const reasons = (counts: Record<string, number>) => {
      const top = topReasons(counts);
      return top.length ? h('span', { class: 'dash-reasons' }, ...top.map((x) => h('span', { class: 'review-reason', 'data-reason': x.reason }, `${reasonLabel(x.reason)} ×${x.count}`))) : h('span', { class: 'muted' }, '—');
    };
    const t = c.data.totals;
    const table = h('table', { class: 'page-table dash-table', id: 'dash-controllers-table' },
      h('thead', {}, h('tr', {}, ...['#', 'Controller', 'Reviews', 'Approved / rejected', 'Released / lapsed', 'Median review', 'Rejection reasons'].map((x, i) => h('th', { class: i >= 2 && i <= 5 ? 'num' : '' }, x)))),
      h('tbody', {}, ...rows.map((r) => h('tr', { class: 'controller-row', 'data-user': r.username, 'data-reviews': r.reviews, 'data-claimed': r.claimed },
        h('td', { class: 'rank' }, String(r.rank)),
        h('td', {}, h('strong', {}, r.username || '(system)')),
        h('td', { class: 'num', title: `${plural(r.claimed, 'review')} claimed` }, h('span', { class: 'bar-cell' }, inlineBar(r.reviews, maxReviews, '#8e5bd8', 40), formatCount(r.reviews))),
        h('td', { class: 'num', title: `${r.approved} approved, ${r.rejected} rejected` }, `${formatCount(r.approved)} / ${formatCount(r.rejected)}`),
        h('td', { class: 'num', title: `${r.released} released (or ended by a reopening), ${r.lapsed} lapsed` }, `${r.released} / ${r.lapsed}`),
        h('td', { class: 'num' }, formatDuration(r.median_review_s)),
        h('td', { class: 'reasons-cell' }, reasons(r.reasons))))),
      h('tfoot', {}, h('tr', { class: 'total-row' }, h('td', {}), h('td', {}, 'Total'), h('td', { class: 'num' }, formatCount(t.approved + t.rejected)),
        h('td', { class: 'num' }, `${formatCount(t.approved)} / ${formatCount(t.rejected)}`),
        h('td', { class: 'num' }, `${t.released} / ${t.lapsed}`), h('td', {}), h('td', {}, reasons(t.reasons)))));
    this.fill('controllers', title, sub, [this.csvLink('controllers')], table);
  }

  // ------------------------------------------------------------------ quality, conflicts

  private renderQc(): void {
    const title = 'Quality issues by code';
    const sub = 'Current issues of every tile';
    const q = this.m_qc;
    if (!q) return;
    if (q.error !== null) return this.fill('qc', title, sub, [this.csvLink('qc')], this.error(q.error));
    const summary = h('p', { class: 'dash-summary', id: 'dash-qc-totals' },
      h('span', { class: 'badge badge-blocking' }, plural(q.data.totals.blocking, 'blocking issue')), ' ',
      h('span', { class: 'badge badge-warn' }, plural(q.data.totals.warning, 'warning')));
    if (!q.data.issues.length) return this.fill('qc', title, sub, [this.csvLink('qc')], summary, h('p', { class: 'muted', id: 'dash-qc-table' }, 'No quality issue: every tile passes the controls.'));
    const max = Math.max(...q.data.issues.map((i) => i.issues));
    const table = h('table', { class: 'page-table dash-table', id: 'dash-qc-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Control'), h('th', {}, 'Severity'), h('th', { class: 'num' }, 'Issues'), h('th', { class: 'num' }, 'Tiles'))),
      h('tbody', {}, ...q.data.issues.map((i) => h('tr', { class: 'qc-row', 'data-code': i.code, 'data-severity': i.severity, 'data-issues': i.issues },
        h('td', {}, h('strong', {}, codeLabel(i.code)), h('div', {}, h('code', { class: 'muted' }, i.code))),
        h('td', {}, h('span', { class: `badge ${i.severity === 'blocking' ? 'badge-blocking' : 'badge-warn'}` }, i.severity)),
        h('td', { class: 'num' }, h('span', { class: 'bar-cell' }, inlineBar(i.issues, max, i.severity === 'blocking' ? '#d63b3b' : '#d48806', 110), formatCount(i.issues))),
        h('td', { class: 'num' }, formatCount(i.tiles))))));
    this.fill('qc', title, sub, [this.csvLink('qc')], summary, table);
  }

  private renderConflicts(): void {
    const title = 'Conflicts';
    const sub = `Change sets refused because someone changed the same polygons first, ${this.periodText()}`;
    const c = this.m_conflicts;
    const links = () => [this.csvLink('conflicts', 'CSV by day', { by: 'day' }), this.csvLink('conflicts', 'by tile', { by: 'tile' }), this.csvLink('conflicts', 'by user', { by: 'user' })];
    if (!c) return;
    if (c.error !== null) return this.fill('conflicts', title, sub, links(), this.error(c.error));
    const d = c.data;
    const summary = h('p', { class: 'dash-summary', id: 'dash-conflicts-total', 'data-total': d.total }, h('strong', {}, plural(d.total, 'conflict')),
      d.total ? ` on ${plural(d.tiles.length, 'tile')}, ${plural(d.users.length, 'person', 'people')}` : ' — nobody was refused a change set.');
    if (!d.total) return this.fill('conflicts', title, sub, links(), summary);
    const chart = d.days.length ? barChart({
      labels: d.days.map((x) => shortDay(x.day)),
      rows: d.days.map((x) => ({ conflicts: x.conflicts })),
      series: [{ key: 'conflicts', label: 'Conflicts', color: '#d6336c' }],
      width: CHART_W, height: 110,
      slotText: (i) => `${d.days[i].day}: ${plural(d.days[i].conflicts, 'conflict')}, ${plural(d.days[i].users, 'person', 'people')}`,
    }, { id: 'dash-conflicts-chart' }) : null;
    const tiles = h('table', { class: 'page-table dash-table', id: 'dash-conflict-tiles' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Tile'), h('th', { class: 'num' }, 'Conflicts'), h('th', { class: 'num' }, 'People'), h('th', {}, 'Last'))),
      h('tbody', {}, ...d.tiles.map((t) => h('tr', { class: 'conflict-tile-row', 'data-tile': t.tile },
        h('td', {}, this.openButton(t.tile)), h('td', { class: 'num' }, formatCount(t.conflicts)), h('td', { class: 'num' }, formatCount(t.users)),
        h('td', { class: 'muted nowrap', title: t.last_at }, shortTime(t.last_at))))));
    const users = h('table', { class: 'page-table dash-table', id: 'dash-conflict-users' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Person'), h('th', { class: 'num' }, 'Conflicts'), h('th', { class: 'num' }, 'Tiles'))),
      h('tbody', {}, ...d.users.map((u) => h('tr', { class: 'conflict-user-row', 'data-user': u.username },
        h('td', {}, h('strong', {}, u.username || '(system)')), h('td', { class: 'num' }, formatCount(u.conflicts)), h('td', { class: 'num' }, formatCount(u.tiles))))));
    this.fill('conflicts', title, sub, links(), summary, chart, h('div', { class: 'dash-two' }, tiles, users));
  }
}
