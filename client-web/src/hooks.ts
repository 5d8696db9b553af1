// `window.tessera`: read-only hooks for the browser test (tests/browser/run.mjs) and for people
// debugging in the console. Clicks in the test are still real mouse clicks on the map canvas;
// these hooks only say where to click and what is drawn.
import type OlMap from 'ol/Map';
import type { Project, TileInfo } from './api';
import type { FeatureInfo } from './features';
import type { MapView } from './map';

export interface TesseraHooks {
  map: OlMap;
  project: Project;
  featureCount(): number;
  tileCount(): number;
  tiles(): TileInfo[];
  openTiles(): string[];
  loadingTiles(): string[];
  wsState(): string;
  selected(): FeatureInfo | null;
  /** CSS pixel, relative to the map element, of a map coordinate (metres, project CRS). */
  pixelOf(x: number, y: number): number[] | null;
  /** CSS pixel of an interior point of the largest drawn polygon (of `tile` if given). */
  featurePixel(tile?: string): number[] | null;
  /** Zooms the view to an extent [minx, miny, maxx, maxy] without animation. */
  fit(extent: number[]): void;
}

declare global {
  interface Window {
    tessera?: TesseraHooks;
  }
}

export function installTestHooks(
  view: MapView,
  app: { openTiles(): string[]; loadingTiles(): string[]; wsState(): string },
): void {
  window.tessera = {
    map: view.map,
    project: view.project,
    featureCount: () => view.features.count,
    tileCount: () => view.grid.count,
    tiles: () => view.grid.all(),
    openTiles: app.openTiles,
    loadingTiles: app.loadingTiles,
    wsState: app.wsState,
    selected: () => (view.features.selectedId === null ? null : view.features.info(view.features.selectedId)),
    pixelOf: (x, y) => view.pixelOf([x, y]),
    featurePixel: (tile) => {
      const c = view.featureInteriorPoint(tile);
      return c ? view.pixelOf(c) : null;
    },
    fit: (extent) => view.fit(extent, 0),
  };
}

export function removeTestHooks(): void {
  delete window.tessera;
}
