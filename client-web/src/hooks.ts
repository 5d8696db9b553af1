// `window.tessera`: hooks for the browser tests (tests/browser/run.mjs, edit.mjs, qc.mjs, review.mjs, dashboard.mjs) and for people
// debugging in the console. Clicks, drags and keys in the tests are still real mouse and
// keyboard actions on the page; these hooks say where to act and what happened.
import type OlMap from 'ol/Map';
import type { Project, TileInfo } from './api';
import type { Editor, AckSummary } from './editor/editor';
import type { Issue } from './editor/qc';
import type { TilePresence } from './editor/presence';
import type { FeatureInfo } from './features';
import type { MapView } from './map';
import type { ReviewController, ReviewDetails } from './review/review';
import type { DashboardDetails } from './dashboard/page';

export interface VertexInfo {
  /** Map coordinates, metres. */
  x: number;
  y: number;
  /** CSS pixel relative to the map element, or null when off the map. */
  pixel: number[] | null;
  /** On the tile's border (such a vertex cannot move out of the tile). */
  onBorder: boolean;
}

export interface FeatureDetails extends FeatureInfo {
  /** Exterior ring vertices, without the closing one. */
  vertices: VertexInfo[];
  /** CSS pixel of an interior point. */
  interiorPixel: number[] | null;
  /** Whether an edit of it waits for the server. */
  pending: boolean;
  /** Number of holes (inner rings). */
  holes: number;
}

/** The quality controls of a tile as the client holds them. */
export interface QcDetails {
  tile: string;
  known: boolean;
  state: string;
  blocking: number;
  warnings: number;
  seq: number;
  reportSeq: number;
  wholeTileSeq: number;
  issues: (Issue & { mine: boolean; pixel: number[] | null })[];
  lastChange: { changeSetId: string; seq: number; introduced: string[]; fixed: string[] } | null;
  submit: { enabled: boolean; reason: string | null };
  checking: boolean;
  submitting: boolean;
}

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
  // ---- editor
  /** Selects a polygon (`add`: adds it to the selection, like Shift+click). */
  selectFeature(id: number, add?: boolean): void;
  selectedIds(): number[];
  /** Change sets sent or waiting, not yet acknowledged. */
  pendingCount(): number;
  /** "saved" | "saving" | "offline" | "conflict" (as #save-state[data-state]). */
  saveState(): string;
  lastAck(): AckSummary | null;
  featureById(id: number): FeatureDetails | null;
  /** Ids of the polygons of a tile (all open tiles if none given). */
  featureIds(tile?: string): number[];
  /** The tile being edited: that of the selection, else the last opened. */
  editTile(): string | null;
  tool(): string;
  undoDepth(): number;
  redoDepth(): number;
  presence(tile: string): TilePresence | null;
  lastSeq(tile: string): number;
  /** Polygons flashing after someone else's change. */
  flashing(): number;
  // ---- quality controls
  /** The issues of a tile (the one being edited if none given), or null when it is not open. */
  qc(tile?: string): QcDetails | null;
  /** Issue markers emphasised now (introduced by this user's last change, a few seconds). */
  qcEmphasized(): number;
  /** The issue markers on the map (of `tile` if given). */
  qcMarkers(tile?: string): { tile: string; key: string; severity: string; mine: boolean; pixel: number[] | null }[];
  // ---- reviews
  /** The page shown over the map ("my-work", "review-queue", "dashboard"), or null. */
  page(): string | null;
  /** The dashboard's figures as shown (tests/browser/dashboard.mjs), or null when it is not the page. */
  dashboard(): DashboardDetails | null;
  /** CSS pixel, relative to the dashboard's overview map (#dash-map), of a map coordinate; null when not shown. */
  dashboardPixelOf(x: number, y: number): number[] | null;
  /** The review side of a tile (the one being worked on if none given). */
  review(tile?: string): ReviewDetails | null;
  /** Why the editing tools are disabled on the tile being worked on, or null. */
  editLock(): string | null;
  /** Swipe divider position (0..1) and compare mode, for the review view. */
  setSwipe(fraction: number): void;
}

declare global {
  interface Window {
    tessera?: TesseraHooks;
  }
}

export function installTestHooks(
  view: MapView,
  app: { openTiles(): string[]; loadingTiles(): string[]; wsState(): string; page(): string | null; dashboard(): DashboardDetails | null;
    dashboardPixelOf(x: number, y: number): number[] | null },
  editor: Editor,
  review: ReviewController,
): void {
  const model = editor.sync.model;
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
    fit: (extent) => {
      view.fit(extent, 0);
      view.map.renderSync(); // pixelOf reads the last rendered frame
    },
    selectFeature: (id, add = false) => editor.ui.select(add ? [...view.features.selectedIds, id] : [id]),
    selectedIds: () => view.features.selectedIds,
    pendingCount: () => editor.outbox.size,
    saveState: () => document.getElementById('save-state')?.dataset.state ?? '',
    lastAck: () => editor.lastAck,
    featureById: (id) => {
      const m = model.get(id);
      if (!m) return null;
      const t = model.tile(m.tile);
      const x0 = (t?.originXcm ?? 0) / 100;
      const y0 = (t?.originYcm ?? 0) / 100;
      const size = t?.sizeM || view.project.tile_size_m || 1000;
      const ring = m.rings[0] ?? [];
      const near = (a: number, b: number) => Math.abs(a - b) < 0.005;
      const p = view.features.find(id)?.getGeometry()?.getInteriorPoint().getCoordinates();
      const { rings: _rings, ...info } = m;
      void _rings;
      return {
        ...info,
        vertices: ring.slice(0, -1).map(([x, y]) => ({
          x, y, pixel: view.pixelOf([x, y]),
          onBorder: near(x, x0) || near(x, x0 + size) || near(y, y0) || near(y, y0 + size),
        })),
        interiorPixel: p ? view.pixelOf([p[0], p[1]]) : null,
        pending: !!view.features.find(id)?.get('pending'),
        holes: Math.max(0, m.rings.length - 1),
      };
    },
    featureIds: (tile) => (tile ? model.features(tile) : model.keys().flatMap((k) => model.features(k))).map((f) => f.id),
    editTile: () => editor.ui.editTile(),
    tool: () => editor.ui.tools.tool,
    undoDepth: () => editor.history.undoDepth,
    redoDepth: () => editor.history.redoDepth,
    presence: (tile) => editor.ui.presence.get(tile) ?? null,
    lastSeq: (tile) => editor.sync.lastSeq(tile),
    flashing: () => view.features.flashing,
    qc: (tile) => {
      const key = tile ?? editor.ui.editTile();
      const t = key ? editor.qc.tile(key) : undefined;
      const v = key ? editor.ui.qcView(key) : null;
      if (!key || !t || !v) return null;
      return {
        tile: key, known: t.known, state: v.state, blocking: t.blocking, warnings: t.warnings,
        seq: t.seq, reportSeq: t.reportSeq, wholeTileSeq: t.wholeTileSeq,
        issues: [...t.issues.values()].map((i) => ({ ...i, mine: t.isMine(i.key), pixel: view.pixelOf([i.x, i.y]) })),
        lastChange: t.mine ? { changeSetId: t.mine.changeSetId, seq: t.mine.seq, introduced: [...t.mine.introduced], fixed: t.mine.fixed.map((i) => i.key) } : null,
        submit: { enabled: v.submitReason === null, reason: v.submitReason },
        checking: v.checking, submitting: v.submitting,
      };
    },
    qcEmphasized: () => editor.ui.qcMarkers.emphasized,
    qcMarkers: (tile) => editor.ui.qcMarkers.source.getFeatures()
      .filter((f) => !tile || f.get('tile') === tile)
      .map((f) => ({
        tile: f.get('tile') as string, key: f.get('key') as string, severity: f.get('severity') as string, mine: !!f.get('mine'),
        pixel: view.pixelOf(f.getGeometry()!.getCoordinates()),
      })),
    page: app.page,
    dashboard: app.dashboard,
    dashboardPixelOf: app.dashboardPixelOf,
    review: (tile) => review.details(tile ?? editor.ui.editTile()),
    editLock: () => editor.ui.lockReason(),
    setSwipe: (f) => {
      review.compare.setFraction(f);
      view.map.renderSync();
    },
  };
}

export function removeTestHooks(): void {
  delete window.tessera;
}
