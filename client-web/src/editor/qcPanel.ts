// Quality controls in the editor: the panel of the tile being worked on (issues grouped by
// severity then code, the tile's totals, what this user's last change introduced and fixed,
// "Check tile" and "Submit") and the issues marked on the map (points styled by severity, those
// this user's last change introduced pulsing for a few seconds).
import Feature, { type FeatureLike } from 'ol/Feature';
import Point from 'ol/geom/Point';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import type OlMap from 'ol/Map';
import { Circle as CircleStyle, Fill, RegularShape, Stroke, Style, Text } from 'ol/style';
import { h, replace } from '../ui/dom';
import { formatArea } from '../ui/featurePanel';
import { groupIssues, mineText, plural, type Issue, type QcTile, type Severity } from './qc';

const EMPHASIS_MS = 6_000;
const PULSE_MS = 400;
/** Rows shown per code; the rest are on the map. */
const MAX_ROWS = 200;

export const SEVERITY_COLORS: Record<Severity, string> = { blocking: '#e03131', warning: '#f08c00' };

// ------------------------------------------------------------------ map markers

function markerStyles(severity: Severity, mine: boolean, focused: boolean, pulse: 0 | 1 | 2): Style[] {
  const color = SEVERITY_COLORS[severity];
  const out: Style[] = [];
  if (pulse) {
    out.push(new Style({
      image: new CircleStyle({ radius: pulse === 1 ? 15 : 20, fill: new Fill({ color: severity === 'blocking' ? 'rgba(224,49,49,0.25)' : 'rgba(240,140,0,0.25)' }), stroke: new Stroke({ color, width: 3 }) }),
    }));
  }
  if (focused) out.push(new Style({ image: new CircleStyle({ radius: 14, stroke: new Stroke({ color: '#00b3ff', width: 3 }) }) }));
  // Issues this user's last change introduced keep a dark ring while they remain.
  if (mine) out.push(new Style({ image: new CircleStyle({ radius: 11, fill: new Fill({ color: '#fff' }), stroke: new Stroke({ color: '#0b2540', width: 2 }) }) }));
  out.push(new Style({
    image: severity === 'blocking'
      ? new CircleStyle({ radius: 8, fill: new Fill({ color }), stroke: new Stroke({ color: '#fff', width: 2 }) })
      : new RegularShape({ points: 3, radius: 9, fill: new Fill({ color }), stroke: new Stroke({ color: '#fff', width: 2 }) }),
    text: new Text({
      text: '!', font: '700 11px system-ui, sans-serif', offsetY: severity === 'blocking' ? 0.5 : 2,
      fill: new Fill({ color: severity === 'blocking' ? '#fff' : '#3b2300' }),
    }),
  }));
  return out;
}

export class QcMarkers {
  readonly source = new VectorSource<Feature<Point>>();
  readonly layer: VectorLayer<VectorSource<Feature<Point>>>;
  private readonly m_styles = new Map<string, Style[]>();
  /** Marker ids (tile|key) emphasised until a time, and the pulse phase. */
  private readonly m_emphasis = new Map<string, number>();
  private m_pulse: 1 | 2 = 1;
  private m_timer: number | undefined;
  private m_focused = '';

  constructor(map: OlMap) {
    this.layer = new VectorLayer({
      source: this.source,
      zIndex: 44,
      style: (f: FeatureLike) => this.style(f),
      updateWhileAnimating: true,
    });
    map.addLayer(this.layer);
  }

  /** The markers of one tile, from its issue list. */
  setTile(t: QcTile): void {
    this.removeTile(t.key);
    const out: Feature<Point>[] = [];
    for (const i of t.issues.values()) {
      const f = new Feature<Point>({ geometry: new Point([i.x, i.y]), tile: t.key, key: i.key, severity: i.severity, mine: t.isMine(i.key), code: i.code });
      f.setId(`${t.key}|${i.key}`);
      out.push(f);
    }
    if (out.length) this.source.addFeatures(out);
  }

  removeTile(tile: string): void {
    for (const f of this.source.getFeatures()) if (f.get('tile') === tile) this.source.removeFeature(f);
  }

  /** Emphasises markers for a few seconds (the issues this user's change just introduced). */
  emphasize(tile: string, keys: string[]): void {
    if (!keys.length) return;
    const until = Date.now() + EMPHASIS_MS;
    for (const k of keys) this.m_emphasis.set(`${tile}|${k}`, until);
    if (this.m_timer === undefined) {
      this.m_timer = window.setInterval(() => {
        const now = Date.now();
        for (const [id, t] of this.m_emphasis) if (t <= now) this.m_emphasis.delete(id);
        this.m_pulse = this.m_pulse === 1 ? 2 : 1;
        if (this.m_emphasis.size === 0) {
          window.clearInterval(this.m_timer);
          this.m_timer = undefined;
        }
        this.layer.changed();
      }, PULSE_MS);
    }
    this.layer.changed();
  }

  /** Markers emphasised now (for the browser tests). */
  get emphasized(): number {
    return this.m_emphasis.size;
  }

  setFocused(tile: string | null, key: string | null): void {
    this.m_focused = tile && key ? `${tile}|${key}` : '';
    this.layer.changed();
  }

  stop(): void {
    window.clearInterval(this.m_timer);
    this.m_timer = undefined;
  }

  private style(f: FeatureLike): Style[] {
    const id = String(f.getId());
    const pulse = this.m_emphasis.has(id) ? this.m_pulse : 0;
    const severity = f.get('severity') as Severity;
    const ck = `${severity}|${!!f.get('mine')}|${id === this.m_focused}|${pulse}`;
    let s = this.m_styles.get(ck);
    if (!s) this.m_styles.set(ck, (s = markerStyles(severity, !!f.get('mine'), id === this.m_focused, pulse)));
    return s;
  }
}

// ------------------------------------------------------------------ panel

export interface QcPanelHandlers {
  check(tile: string): void;
  submit(tile: string): void;
  /** An issue was clicked: show it on the map and select its polygons. */
  focus(tile: string, issue: Issue): void;
}

/** What the panel shows for the tile being worked on. */
export interface QcView {
  tile: string;
  qc: QcTile | undefined;
  /** The tile's state (todo, in_progress, submitted…). */
  state: string;
  /** Why Submit is disabled, or null. */
  submitReason: string | null;
  /** Why Check tile is disabled, or null. */
  checkReason: string | null;
  checking: boolean;
  submitting: boolean;
}

export class QcPanel {
  readonly el: HTMLElement;
  private readonly m_title: HTMLElement;
  private readonly m_body: HTMLElement;
  private readonly m_list: HTMLElement;
  private readonly m_check: HTMLButtonElement;
  private readonly m_submit: HTMLButtonElement;
  private readonly m_reason: HTMLElement;
  private readonly m_actions: HTMLElement;
  /** Code groups the user folded (severity|code). */
  private readonly m_folded = new Set<string>();
  private m_view: QcView | null = null;
  private m_signature: string | null = null;
  private m_focused = '';

  constructor(private readonly m_h: QcPanelHandlers) {
    this.m_title = h('h2', { class: 'panel-title' }, 'Quality controls');
    this.m_body = h('div', { class: 'panel-body' });
    this.m_list = h('div', { class: 'qc-list', id: 'qc-issues' });
    this.m_check = h('button', { type: 'button', id: 'qc-check', class: 'btn btn-ghost btn-small' }, 'Check tile');
    this.m_submit = h('button', { type: 'button', id: 'qc-submit', class: 'btn btn-primary btn-small' }, 'Submit');
    // Keep the focus on the map (keyboard shortcuts), as the tool bar does.
    for (const b of [this.m_check, this.m_submit]) b.addEventListener('mousedown', (ev) => ev.preventDefault());
    this.m_check.addEventListener('click', () => this.m_view && this.m_h.check(this.m_view.tile));
    this.m_submit.addEventListener('click', () => this.m_view && this.m_h.submit(this.m_view.tile));
    this.m_reason = h('p', { id: 'qc-submit-reason', class: 'qc-reason', role: 'status' });
    this.m_actions = h('div', { class: 'panel-actions qc-actions' }, this.m_check, this.m_submit);
    this.el = h('section', { id: 'qc-panel', class: 'panel qc-panel', 'aria-label': 'Quality controls' },
      this.m_title, this.m_body, this.m_list, this.m_actions, this.m_reason);
    this.show(null);
  }

  get tile(): string | null {
    return this.m_view?.tile ?? null;
  }

  /** Shows a tile (null: none open); redraws only when something shown changed. */
  show(view: QcView | null): void {
    const q = view?.qc;
    const sig = view
      ? [view.tile, q?.version ?? -1, q ? q.mine?.changeSetId : '', view.state, view.submitReason, view.checkReason, view.checking, view.submitting, this.m_focused].join('|')
      : '';
    if (sig === this.m_signature) return;
    this.m_signature = sig;
    if (view?.tile !== this.m_view?.tile) this.m_focused = '';
    this.m_view = view;
    this.render();
  }

  /** Marks the issue last clicked. */
  setFocused(key: string | null): void {
    this.m_focused = key ?? '';
    for (const b of this.m_list.querySelectorAll<HTMLElement>('.qc-issue')) b.classList.toggle('focused', b.dataset.key === this.m_focused);
  }

  private render(): void {
    const v = this.m_view;
    const el = this.el;
    el.dataset.tile = v?.tile ?? '';
    if (!v) {
      this.m_title.textContent = 'Quality controls';
      for (const k of ['blocking', 'warnings', 'seq', 'wholeSeq', 'state']) delete el.dataset[k];
      replace(this.m_body, h('p', { class: 'empty' }, 'Open a tile to see its quality controls.'));
      this.m_list.replaceChildren();
      this.m_actions.hidden = true;
      this.m_reason.hidden = true;
      return;
    }
    const q = v.qc;
    el.dataset.state = v.state;
    el.dataset.blocking = String(q?.blocking ?? 0);
    el.dataset.warnings = String(q?.warnings ?? 0);
    el.dataset.seq = String(q?.seq ?? 0);
    el.dataset.wholeSeq = String(q?.wholeTileSeq ?? 0);
    el.dataset.known = String(!!q?.known);
    replace(this.m_title, 'Quality ',
      q?.known && q.blocking ? h('span', { class: 'badge badge-blocking' }, `${q.blocking} blocking`) : null,
      q?.known && q.warnings ? h('span', { class: 'badge badge-warn' }, plural(q.warnings, 'warning')) : null,
      q?.known && !q.blocking && !q.warnings ? h('span', { class: 'badge badge-ok' }, 'no issues') : null);

    this.m_actions.hidden = false;
    this.m_check.disabled = !!v.checkReason;
    this.m_check.textContent = v.checking ? 'Checking…' : 'Check tile';
    this.m_check.title = v.checkReason ?? 'Run every control on the whole tile now (edge matching with the neighbouring tiles included)';
    this.m_submit.disabled = !!v.submitReason;
    this.m_submit.textContent = v.submitting ? 'Submitting…' : 'Submit';
    this.m_submit.title = v.submitReason ?? `Submit tile ${v.tile} for review (the whole tile is checked first)`;
    this.m_submit.dataset.reason = v.submitReason ?? '';
    this.m_reason.hidden = !v.submitReason;
    this.m_reason.textContent = v.submitReason ?? '';

    if (!q?.known) {
      replace(this.m_body, h('p', { class: 'empty' }, 'Waiting for the quality report of this tile…'));
      this.m_list.replaceChildren();
      return;
    }
    const mine = q.mine;
    const mineLine = mine
      ? h('p', {
        id: 'qc-last-change', class: mine.introduced.length ? 'qc-mine qc-mine-worse' : 'qc-mine',
        'data-introduced': mine.introduced.length, 'data-fixed': mine.fixed.length,
        title: mine.fixed.length ? `Fixed: ${mine.fixed.map((i) => i.message || i.code).join('; ')}` : null,
      }, mineText(mine))
      : null;
    const stale = q.wholeTileSeq < q.seq
      ? h('p', { class: 'qc-stale muted', id: 'qc-stale' }, 'Checked change by change since the last whole-tile check: “Check tile” also matches the edges with the neighbouring tiles.')
      : null;
    replace(this.m_body,
      h('p', { class: 'qc-totals', id: 'qc-totals' },
        h('span', { class: 'qc-total' }, h('span', { class: 'qc-dot blocking' }), plural(q.blocking, 'blocking issue')), ' · ',
        h('span', { class: 'qc-total' }, h('span', { class: 'qc-dot warning' }), plural(q.warnings, 'warning'))),
      mineLine, stale);
    this.renderList(q);
  }

  private renderList(q: QcTile): void {
    const scroll = this.m_list.scrollTop;
    const groups = groupIssues(q.issues.values());
    if (groups.length === 0) {
      replace(this.m_list, h('p', { class: 'empty qc-none' }, 'No issues: the tile passes every control.'));
      return;
    }
    replace(this.m_list, ...groups.map((g) => h('div', { class: `qc-group qc-${g.severity}`, 'data-severity': g.severity, 'data-count': g.count },
      h('h3', { class: 'qc-group-title' }, h('span', { class: `qc-dot ${g.severity}` }), g.severity === 'blocking' ? 'Blocking' : 'Warnings',
        h('span', { class: 'count' }, String(g.count))),
      ...g.codes.map((c) => {
        const id = `${g.severity}|${c.code}`;
        const details = h('details', { class: 'qc-code', 'data-code': c.code, 'data-count': c.issues.length, open: !this.m_folded.has(id) },
          h('summary', {}, h('span', { class: 'qc-code-label', title: c.code }, c.label), h('span', { class: 'count' }, String(c.issues.length))),
          h('ul', {}, ...c.issues.slice(0, MAX_ROWS).map((i) => this.row(q, i)),
            c.issues.length > MAX_ROWS ? h('li', { class: 'muted' }, `and ${c.issues.length - MAX_ROWS} more on the map`) : null));
        details.addEventListener('toggle', () => (details.open ? this.m_folded.delete(id) : this.m_folded.add(id)));
        return details;
      }))));
    this.m_list.scrollTop = scroll;
  }

  private row(q: QcTile, i: Issue): HTMLElement {
    const mine = q.isMine(i.key);
    const b = h('button', {
      type: 'button', class: `qc-issue${mine ? ' mine' : ''}${i.key === this.m_focused ? ' focused' : ''}`,
      'data-key': i.key, 'data-code': i.code, 'data-severity': i.severity, 'data-introduced': String(mine),
      'data-features': i.features.join(','),
      title: `${i.message}${i.features.length ? ` — polygon${i.features.length > 1 ? 's' : ''} ${i.features.join(', ')}` : ''}`
        + `${i.areaM2 > 0 ? ` (${formatArea(i.areaM2)})` : ''}. Click to show it on the map.`,
    },
    h('span', { class: `qc-dot ${i.severity}` }),
    h('span', { class: 'qc-body' },
      h('span', { class: 'qc-message' }, i.message || i.code),
      mine ? h('span', { class: 'qc-meta' }, h('span', { class: 'badge badge-mine', title: 'Introduced by your last change' }, 'your last change')) : null));
    b.addEventListener('mousedown', (ev) => ev.preventDefault());
    b.addEventListener('click', () => {
      this.setFocused(i.key);
      this.m_h.focus(q.key, i);
    });
    return h('li', {}, b);
  }
}
