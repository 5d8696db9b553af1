// The tile grid layer: the project's tiles in view, coloured by state, fetched from
// GET /api/v1/tiles for the visible bounding box after every move.
import Feature from 'ol/Feature';
import Polygon from 'ol/geom/Polygon';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import type OlMap from 'ol/Map';
import { getIntersection, isEmpty, type Extent } from 'ol/extent';
import { fromExtent } from 'ol/geom/Polygon';
import { Stroke, Style } from 'ol/style';
import * as api from './api';
import { tileFillStyleFunction, tileLineStyleFunction, type TileStyleContext } from './styles';

export interface TileGridHandlers {
  /** After each successful load; `tiles` are those in the last bbox. */
  loaded(tiles: api.TileInfo[]): void;
  /** A message for the user when tiles cannot be listed (e.g. bbox too large), or null when fine. */
  problem(message: string | null): void;
}

const DEBOUNCE_MS = 120;
const PROJECT_OUTLINE = new Style({ stroke: new Stroke({ color: 'rgba(11,37,64,0.8)', width: 1.5, lineDash: [8, 5] }) });

export class TileGridLayer {
  readonly source = new VectorSource<Feature<Polygon>>();
  readonly fillLayer: VectorLayer<VectorSource<Feature<Polygon>>>;
  readonly lineLayer: VectorLayer<VectorSource<Feature<Polygon>>>;
  private readonly m_tiles = new Map<string, api.TileInfo>();
  private m_inView: string[] = [];
  private m_abort: AbortController | null = null;
  private m_timer: number | undefined;

  constructor(
    private readonly m_map: OlMap,
    private readonly m_project: api.Project,
    ctx: TileStyleContext,
    private readonly m_handlers: TileGridHandlers,
  ) {
    this.fillLayer = new VectorLayer({ source: this.source, style: tileFillStyleFunction(ctx), zIndex: 10 });
    this.lineLayer = new VectorLayer({
      source: this.source,
      style: tileLineStyleFunction(ctx),
      zIndex: 30,
      declutter: false,
      updateWhileInteracting: false,
    });
    m_map.addLayer(this.fillLayer);
    m_map.addLayer(this.lineLayer);
    // The project's outline, so that where to zoom is clear even when tiles cannot be listed.
    const outline = new Feature({ geometry: fromExtent(m_project.extent) });
    m_map.addLayer(new VectorLayer({ source: new VectorSource({ features: [outline] }), style: PROJECT_OUTLINE, zIndex: 31 }));
    m_map.on('moveend', () => this.scheduleLoad());
  }

  get(key: string): api.TileInfo | undefined {
    return this.m_tiles.get(key);
  }

  get count(): number {
    return this.m_tiles.size;
  }

  all(): api.TileInfo[] {
    return [...this.m_tiles.values()];
  }

  /** The tiles of the last listing, i.e. those in (or next to) the current view. */
  inView(): api.TileInfo[] {
    return this.m_inView.map((k) => this.m_tiles.get(k)!).filter(Boolean);
  }

  setVisible(visible: boolean): void {
    this.fillLayer.setVisible(visible);
    this.lineLayer.setVisible(visible);
  }

  /** A state learnt from elsewhere (a snapshot); redraws that tile. */
  setState(key: string, state: string, features?: number): void {
    const t = this.m_tiles.get(key);
    if (!t) return;
    t.state = state;
    if (features !== undefined) t.features = features;
    const f = this.source.getFeatureById(key);
    if (f) f.setProperties({ state: t.state, features: t.features });
  }

  /** Redraws every tile (open/loading emphasis changed). */
  redraw(): void {
    this.fillLayer.changed();
    this.lineLayer.changed();
  }

  scheduleLoad(): void {
    window.clearTimeout(this.m_timer);
    this.m_timer = window.setTimeout(() => void this.load(), DEBOUNCE_MS);
  }

  /** The visible part of the project, snapped outwards to whole tiles; null when none is visible. */
  visibleBbox(): [number, number, number, number] | null {
    const view = this.m_map.getView();
    const size = this.m_map.getSize();
    if (!size) return null;
    const extent = view.calculateExtent(size);
    const inter: Extent = getIntersection(extent, this.m_project.extent);
    if (isEmpty(inter) || inter[2] <= inter[0] || inter[3] <= inter[1]) return null;
    const s = this.m_project.tile_size_m || 1000;
    return [Math.floor(inter[0] / s) * s, Math.floor(inter[1] / s) * s, Math.ceil(inter[2] / s) * s, Math.ceil(inter[3] / s) * s];
  }

  async load(): Promise<void> {
    const bbox = this.visibleBbox();
    if (!bbox) {
      this.m_inView = [];
      this.m_handlers.problem(null);
      this.m_handlers.loaded([]);
      return;
    }
    this.m_abort?.abort();
    const abort = new AbortController();
    this.m_abort = abort;
    let list: api.TileInfo[];
    try {
      list = await api.tiles(bbox, abort.signal);
    } catch (e) {
      if (abort.signal.aborted) return;
      const msg = e instanceof api.ApiError
        ? e.status === 400 ? `Zoom in to see the tiles — ${e.message}` : `Tiles could not be loaded: ${e.message}`
        : `Tiles could not be loaded: ${String(e)}`;
      this.m_handlers.problem(msg);
      return;
    }
    if (abort.signal.aborted) return;
    this.m_abort = null;
    this.merge(list);
    this.m_inView = list.map((t) => t.key);
    this.m_handlers.problem(null);
    this.m_handlers.loaded(list);
  }

  private merge(list: api.TileInfo[]): void {
    const added: Feature<Polygon>[] = [];
    for (const t of list) {
      this.m_tiles.set(t.key, t);
      const existing = this.source.getFeatureById(t.key);
      if (existing) {
        if (existing.get('state') !== t.state || existing.get('features') !== t.features) {
          existing.setProperties({ state: t.state, features: t.features });
        }
        continue;
      }
      const size = t.size || this.m_project.tile_size_m || 1000;
      const f = new Feature<Polygon>({
        geometry: new Polygon([[[t.x, t.y], [t.x + size, t.y], [t.x + size, t.y + size], [t.x, t.y + size], [t.x, t.y]]]),
        key: t.key,
        state: t.state,
        features: t.features,
      });
      f.setId(t.key);
      added.push(f);
    }
    if (added.length) this.source.addFeatures(added);
  }
}
