// The map: Lambert-93 view fitted to the project, imagery, tile grid and polygons, and what a
// click means (a polygon selects it; a tile that is not open opens it).
import OlMap from 'ol/Map';
import View from 'ol/View';
import { defaults as defaultControls, ScaleLine, MousePosition } from 'ol/control';
import { defaults as defaultInteractions } from 'ol/interaction';
import { buffer as bufferExtent, getCenter } from 'ol/extent';
import type TileLayer from 'ol/layer/Tile';
import type TileImage from 'ol/source/TileImage';
import type { Coordinate } from 'ol/coordinate';
import type { Project } from './api';
import { FeatureLayer, type FeatureInfo } from './features';
import { tileKey, tileOrigin } from './geometry';
import { createImageryLayer } from './imagery';
import type { Nomenclature } from './nomenclature';
import { projectionFor } from './projection';
import { TileGridLayer, type TileGridHandlers } from './tilegrid';

export interface MapHandlers extends TileGridHandlers {
  tileClicked(key: string): void;
  /** A click on a polygon (or on nothing); `additive` when Shift was held. */
  featureClicked(info: FeatureInfo | null, additive: boolean): void;
  /** Whether clicks select and open tiles (not while a drawing tool is active). */
  clicksEnabled(): boolean;
  isOpen(key: string): boolean;
  isLoading(key: string): boolean;
}

const fmt = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

export class MapView {
  readonly map: OlMap;
  readonly grid: TileGridLayer;
  readonly features: FeatureLayer;
  readonly imagery: TileLayer<TileImage> | null;

  constructor(
    target: HTMLElement,
    coordTarget: HTMLElement,
    readonly project: Project,
    nomen: Nomenclature,
    private readonly m_handlers: MapHandlers,
  ) {
    const projection = projectionFor(project.srid || 2154);
    const extent = project.extent;
    this.map = new OlMap({
      target,
      controls: defaultControls({ rotate: false, attributionOptions: { collapsible: true } }).extend([
        new ScaleLine({ units: 'metric' }),
        new MousePosition({
          projection,
          target: coordTarget,
          placeholder: '&nbsp;',
          coordinateFormat: (c?: Coordinate) => (c ? `X ${fmt.format(c[0])} m · Y ${fmt.format(c[1])} m · EPSG:${project.srid}` : ''),
        }),
      ]),
      interactions: defaultInteractions({ altShiftDragRotate: false, pinchRotate: false }),
      view: new View({
        projection,
        center: getCenter(extent),
        zoom: 2,
        enableRotation: false,
        // Keep the project in reach: the centre cannot leave the extent plus a margin.
        extent: bufferExtent(extent, Math.max(extent[2] - extent[0], extent[3] - extent[1])),
        constrainOnlyCenter: true,
        maxResolution: 2000,
        minResolution: 0.05,
      }),
    });
    this.imagery = createImageryLayer(project, projection);
    if (this.imagery) this.map.addLayer(this.imagery);
    const tileSizeM = project.tile_size_m || 1000;
    this.grid = new TileGridLayer(this.map, project, {
      tileSizeM,
      isOpen: (k) => m_handlers.isOpen(k),
      isLoading: (k) => m_handlers.isLoading(k),
    }, m_handlers);
    this.features = new FeatureLayer(this.map, nomen);
    this.map.on('singleclick', (ev) => {
      if (m_handlers.clicksEnabled()) this.onClick(ev.pixel, ev.coordinate, (ev.originalEvent as MouseEvent).shiftKey);
    });
    this.map.on('pointermove', (ev) => {
      if (ev.dragging) return;
      if (!m_handlers.clicksEnabled()) {
        const el = this.map.getTargetElement();
        if (el) el.style.cursor = 'crosshair';
        return;
      }
      const hit = this.map.hasFeatureAtPixel(ev.pixel, { layerFilter: (l) => l === this.features.layer })
        || this.tileAt(ev.coordinate) !== null;
      const el = this.map.getTargetElement();
      if (el) el.style.cursor = hit ? 'pointer' : '';
    });
    this.fitProject();
    // OpenLayers does not always fire moveend for the very first frame: list the tiles now.
    this.grid.scheduleLoad();
  }

  fitProject(): void {
    this.fit(this.project.extent);
  }

  fit(extent: number[], duration = 0): void {
    this.map.updateSize();
    this.map.getView().fit(extent, { padding: [24, 24, 24, 24], duration });
  }

  /** The key of the project tile under a map coordinate, or null when there is none. */
  tileAt(c: Coordinate): string | null {
    const size = this.project.tile_size_m || 1000;
    const [x, y] = tileOrigin(c[0], c[1], size);
    const key = tileKey(x, y);
    return this.grid.get(key) ? key : null;
  }

  private onClick(pixel: number[], coordinate: Coordinate, additive: boolean): void {
    const hit = this.map.forEachFeatureAtPixel(pixel, (f) => f, {
      layerFilter: (l) => l === this.features.layer,
      hitTolerance: 1,
    });
    if (hit) {
      const info = hit.get('info') as FeatureInfo;
      this.m_handlers.featureClicked(info, additive);
      return;
    }
    const key = this.tileAt(coordinate);
    if (key && !this.m_handlers.isOpen(key)) {
      this.m_handlers.tileClicked(key);
      return;
    }
    this.m_handlers.featureClicked(null, additive);
  }

  setImageryVisible(v: boolean): void {
    this.imagery?.setVisible(v);
  }

  /** Map-element pixel of a map coordinate (CSS pixels from the map's top-left corner). */
  pixelOf(c: Coordinate): number[] | null {
    return this.map.getPixelFromCoordinate(c) ?? null;
  }

  /** An interior point (map coordinates) of a drawn polygon: the largest one of `tile`, or of all. */
  featureInteriorPoint(tile?: string): Coordinate | null {
    let best: { area: number; c: Coordinate } | null = null;
    for (const f of this.features.source.getFeatures()) {
      const info = f.get('info') as FeatureInfo;
      if (tile && info.tile !== tile) continue;
      if (!best || info.areaM2 > best.area) {
        const p = f.getGeometry()!.getInteriorPoint().getCoordinates();
        best = { area: info.areaM2, c: [p[0], p[1]] };
      }
    }
    return best?.c ?? null;
  }
}
