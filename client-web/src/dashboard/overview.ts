// The dashboard's overview map: the project's tiles coloured by state (the main map's tile grid
// layer, listed by GET /api/v1/tiles, restyled with solid fills), the chosen zone's tiles
// outlined and the others faded when the client knows them (zones defined by tiles); a click
// opens a tile on the main map.
import OlMap from 'ol/Map';
import View from 'ol/View';
import { defaults as defaultControls, ScaleLine } from 'ol/control';
import { defaults as defaultInteractions } from 'ol/interaction';
import { buffer as bufferExtent, getCenter } from 'ol/extent';
import { Fill, Stroke, Style } from 'ol/style';
import type { FeatureLike } from 'ol/Feature';
import type * as api from '../api';
import { tileKey, tileOrigin } from '../geometry';
import { withAlpha } from '../nomenclature';
import { projectionFor } from '../projection';
import { stateStyle } from '../styles';
import { TileGridLayer } from '../tilegrid';
import { h } from '../ui/dom';

export interface OverviewHandlers {
  /** A tile was clicked. */
  openTile(key: string): void;
  /** The tiles were listed (again). */
  loaded(tiles: api.TileInfo[]): void;
  /** Tiles cannot be listed (e.g. the project is too large for one listing), or fine again (null). */
  problem(message: string | null): void;
}

export class OverviewMap {
  readonly el: HTMLElement;
  readonly map: OlMap;
  readonly grid: TileGridLayer;
  private m_zone: Set<string> | null = null;
  private m_hover: string | null = null;
  private readonly m_caption: HTMLElement;

  constructor(private readonly m_project: api.Project, m_h: OverviewHandlers) {
    const target = h('div', { class: 'dash-map', id: 'dash-map', 'data-tile-count': 0 });
    this.m_caption = h('div', { class: 'dash-map-caption muted', id: 'dash-map-caption' }, 'Click a tile to open it on the map.');
    this.el = h('div', { class: 'dash-map-wrap' }, target, this.m_caption);
    const projection = projectionFor(m_project.srid || 2154);
    const extent = m_project.extent;
    this.map = new OlMap({
      target,
      controls: defaultControls({ rotate: false, attribution: false }).extend([new ScaleLine({ units: 'metric' })]),
      interactions: defaultInteractions({ altShiftDragRotate: false, pinchRotate: false }),
      view: new View({
        projection,
        center: getCenter(extent),
        zoom: 2,
        enableRotation: false,
        extent: bufferExtent(extent, Math.max(extent[2] - extent[0], extent[3] - extent[1])),
        constrainOnlyCenter: true,
        maxResolution: 4000,
        minResolution: 0.5,
      }),
    });
    const size = m_project.tile_size_m || 1000;
    this.grid = new TileGridLayer(this.map, m_project, { tileSizeM: size, isOpen: () => false, isLoading: () => false }, {
      loaded: (tiles) => {
        target.dataset.tileCount = String(this.grid.count);
        m_h.loaded(tiles);
      },
      problem: (msg) => m_h.problem(msg),
    });
    this.grid.fillLayer.setStyle((f) => this.fill(f));
    this.grid.lineLayer.setStyle((f) => this.line(f));
    this.map.on('singleclick', (ev) => {
      const key = this.tileAt(ev.coordinate);
      if (key) m_h.openTile(key);
    });
    this.map.on('pointermove', (ev) => {
      if (ev.dragging) return;
      const key = this.tileAt(ev.coordinate);
      target.style.cursor = key ? 'pointer' : '';
      if (key === this.m_hover) return;
      this.m_hover = key;
      this.grid.redraw();
      const t = key ? this.grid.get(key) : null;
      this.m_caption.textContent = t
        ? `${t.key} · ${stateStyle(t.state).label} · ${t.features} polygons — click to open it on the map`
        : 'Click a tile to open it on the map.';
    });
  }

  /** Fits the project once the element is in the page (and lists its tiles). */
  start(): void {
    this.map.updateSize();
    this.map.getView().fit(this.m_project.extent, { padding: [12, 12, 12, 12] });
    this.grid.scheduleLoad();
  }

  /** The tiles of the chosen zone (outlined, the others faded), or null for none / unknown. */
  setZone(keys: Set<string> | null): void {
    this.m_zone = keys;
    this.grid.redraw();
  }

  /** Lists the tiles again (states may have changed). */
  refresh(): void {
    void this.grid.load();
  }

  dispose(): void {
    this.map.setTarget(undefined);
  }

  private tileAt(c: number[]): string | null {
    const size = this.m_project.tile_size_m || 1000;
    const [x, y] = tileOrigin(c[0], c[1], size);
    const key = tileKey(x, y);
    return this.grid.get(key) ? key : null;
  }

  private readonly m_fills = new Map<string, Style>();
  private fill(f: FeatureLike): Style {
    const state = f.get('state') as string;
    const out = this.m_zone !== null && !this.m_zone.has(f.get('key') as string);
    const ck = `${state}|${out}`;
    let st = this.m_fills.get(ck);
    if (!st) {
      st = new Style({ fill: new Fill({ color: withAlpha(stateStyle(state).color, out ? 0.18 : 0.85) }) });
      this.m_fills.set(ck, st);
    }
    return st;
  }

  private readonly m_lines = new Map<string, Style>();
  private line(f: FeatureLike): Style {
    const key = f.get('key') as string;
    const inZone = this.m_zone !== null && this.m_zone.has(key);
    const hover = key === this.m_hover;
    const ck = `${inZone}|${hover}`;
    let st = this.m_lines.get(ck);
    if (!st) {
      st = new Style({
        stroke: hover
          ? new Stroke({ color: '#0b2540', width: 3 })
          : inZone ? new Stroke({ color: '#0b2540', width: 1.5 }) : new Stroke({ color: 'rgba(255,255,255,0.9)', width: 1 }),
        zIndex: hover ? 3 : inZone ? 2 : 1,
      });
      this.m_lines.set(ck, st);
    }
    return st;
  }
}
