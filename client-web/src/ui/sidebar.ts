// The left panel: layers, tile-state legend, open tiles, and the legend of classes on screen.
import type { Dimension, Nomenclature } from '../nomenclature';
import { TILE_STATES, stateStyle } from '../styles';
import { h, replace, swatch } from './dom';

export interface SidebarHandlers {
  imageryVisible(v: boolean): void;
  gridVisible(v: boolean): void;
  polygonsVisible(v: boolean): void;
  qcVisible(v: boolean): void;
  reviewVisible(v: boolean): void;
  opacity(v: number): void;
  colorBy(d: Dimension): void;
  closeTile(key: string): void;
  closeAll(): void;
  zoomToTile(key: string): void;
  fitProject(): void;
}

export interface OpenTileRow {
  key: string;
  state: string;
  loading: boolean;
  polygons: number;
}

export class Sidebar {
  readonly el: HTMLElement;
  private readonly m_openList: HTMLElement;
  private readonly m_openCount: HTMLElement;
  private readonly m_classes: HTMLElement;
  private readonly m_classesTitle: HTMLElement;
  private readonly m_stateCounts = new Map<string, HTMLElement>();
  private m_colorBy: Dimension = 'cs';

  constructor(
    private readonly m_nomen: Nomenclature,
    imageryLabel: string,
    hasImagery: boolean,
    private readonly m_maxOpen: number,
    private readonly m_h: SidebarHandlers,
  ) {
    const imagery = checkbox('layer-imagery', imageryLabel, hasImagery, (v) => m_h.imageryVisible(v));
    if (!hasImagery) imagery.querySelector('input')!.disabled = true;
    const opacity = h('input', { id: 'layer-opacity', type: 'range', min: 0, max: 100, value: 55, step: 5 });
    const opacityOut = h('output', { for: 'layer-opacity' }, '55 %');
    opacity.addEventListener('input', () => {
      opacityOut.textContent = `${opacity.value} %`;
      m_h.opacity(Number(opacity.value) / 100);
    });
    const colorBy = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Colour polygons by' },
      radio('color-by', 'cs', 'Land cover (CS)', true, () => this.colorByChanged('cs')),
      radio('color-by', 'us', 'Land use (US)', false, () => this.colorByChanged('us')));

    const states = h('ul', { class: 'legend states' });
    for (const [state, s] of Object.entries(TILE_STATES)) {
      const count = h('span', { class: 'count' });
      this.m_stateCounts.set(state, count);
      states.append(h('li', {}, swatch(s.color), h('span', { class: 'legend-label' }, s.label), count));
    }

    this.m_openCount = h('span', { class: 'muted' });
    this.m_openList = h('ul', { class: 'open-tiles', id: 'open-tiles' });
    const closeAll = h('button', { type: 'button', class: 'btn btn-ghost btn-small' }, 'Close all');
    closeAll.addEventListener('click', () => m_h.closeAll());
    const fit = h('button', { type: 'button', class: 'btn btn-ghost btn-small', title: 'Zoom to the whole project' }, 'Whole project');
    fit.addEventListener('click', () => m_h.fitProject());

    this.m_classesTitle = h('h2', { class: 'panel-title' }, 'Land cover classes');
    this.m_classes = h('ul', { class: 'legend classes', id: 'class-legend' });

    this.el = h('aside', { class: 'sidebar', id: 'sidebar' },
      h('section', { class: 'panel' },
        h('h2', { class: 'panel-title' }, 'Layers'),
        imagery,
        checkbox('layer-grid', 'Tile grid', true, (v) => m_h.gridVisible(v)),
        checkbox('layer-polygons', 'Polygons', true, (v) => m_h.polygonsVisible(v)),
        checkbox('layer-qc', 'Quality issues', true, (v) => m_h.qcVisible(v)),
        checkbox('layer-review', 'Review comments', true, (v) => m_h.reviewVisible(v)),
        h('div', { class: 'field' }, h('label', { for: 'layer-opacity' }, 'Polygon opacity'), h('div', { class: 'range-row' }, opacity, opacityOut)),
        h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Colour by'), colorBy)),
      h('section', { class: 'panel' },
        h('h2', { class: 'panel-title' }, 'Open tiles ', this.m_openCount),
        this.m_openList,
        h('div', { class: 'panel-actions' }, fit, closeAll)),
      h('section', { class: 'panel' }, this.m_classesTitle, this.m_classes),
      h('section', { class: 'panel' }, h('h2', { class: 'panel-title' }, 'Tile states in view'), states));
    this.setOpenTiles([]);
    this.setClasses('cs', new Map());
  }

  private colorByChanged(d: Dimension): void {
    this.m_colorBy = d;
    this.m_h.colorBy(d);
  }

  get colorBy(): Dimension {
    return this.m_colorBy;
  }

  /** Counts of tiles per state among those loaded in the grid. */
  setStateCounts(counts: Map<string, number>): void {
    for (const [state, el] of this.m_stateCounts) {
      const n = counts.get(state) ?? 0;
      el.textContent = n ? String(n) : '';
    }
  }

  setOpenTiles(rows: OpenTileRow[]): void {
    this.m_openCount.textContent = `${rows.length}/${this.m_maxOpen}`;
    if (rows.length === 0) {
      replace(this.m_openList, h('li', { class: 'empty' }, 'Click a tile on the map to open it.'));
      return;
    }
    replace(this.m_openList, ...rows.map((r) => {
      const s = stateStyle(r.state);
      const zoom = h('button', { type: 'button', class: 'link', title: 'Zoom to this tile' }, r.key);
      zoom.addEventListener('click', () => this.m_h.zoomToTile(r.key));
      const close = h('button', { type: 'button', class: 'icon-btn', title: `Close tile ${r.key}`, 'aria-label': `Close tile ${r.key}` }, '×');
      close.addEventListener('click', () => this.m_h.closeTile(r.key));
      return h('li', { 'data-key': r.key },
        swatch(s.color, s.label), zoom,
        h('span', { class: 'muted' }, r.loading ? 'loading…' : `${r.polygons} polygons`),
        close);
    }));
  }

  /** The legend of the classes present in the open tiles, for the colouring dimension. */
  setClasses(dim: Dimension, counts: Map<string, number>): void {
    this.m_classesTitle.textContent = dim === 'cs' ? 'Land cover classes (CS)' : 'Land use classes (US)';
    if (counts.size === 0) {
      replace(this.m_classes, h('li', { class: 'empty' }, 'No polygons on screen.'));
      return;
    }
    const codes = [...counts.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    replace(this.m_classes, ...codes.map((code) => {
      const c = this.m_nomen.info(dim, code);
      return h('li', { title: `${code} — ${c.label}` },
        swatch(c.color), h('code', { class: 'legend-code' }, code || '—'),
        h('span', { class: 'legend-label' }, c.label), h('span', { class: 'count' }, String(counts.get(code))));
    }));
  }
}

function checkbox(id: string, label: string, checked: boolean, onChange: (v: boolean) => void): HTMLElement {
  const input = h('input', { id, type: 'checkbox', checked });
  input.addEventListener('change', () => onChange(input.checked));
  return h('label', { class: 'check', for: id }, input, h('span', {}, label));
}

function radio(name: string, value: string, label: string, checked: boolean, onSelect: () => void): HTMLElement {
  const input = h('input', { type: 'radio', name, value, id: `${name}-${value}`, checked });
  input.addEventListener('change', () => {
    if (input.checked) onSelect();
  });
  return h('label', { for: `${name}-${value}` }, input, h('span', {}, label));
}
