// The background imagery layer: the demo's own 1 km PNGs, or an XYZ / WMTS service.
import TileLayer from 'ol/layer/Tile';
import TileImage from 'ol/source/TileImage';
import XYZ from 'ol/source/XYZ';
import WMTS from 'ol/source/WMTS';
import TileGrid from 'ol/tilegrid/TileGrid';
import WMTSTileGrid from 'ol/tilegrid/WMTS';
import { get as getProjection, type Projection } from 'ol/proj';
import { getTopLeft, getWidth } from 'ol/extent';
import type { Imagery, Project } from './api';
import { tileKey } from './geometry';

export function imageryDescription(imagery: Imagery | undefined): string {
  switch (imagery?.kind) {
    case 'demo': return 'Demo imagery';
    case 'xyz': return 'Aerial imagery (XYZ)';
    case 'wmts': return `Aerial imagery${imagery.layer ? ` (${imagery.layer})` : ' (WMTS)'}`;
    default: return 'No imagery configured';
  }
}

/** The imagery layer for the project, or null for kind "none" / unknown kinds. */
export function createImageryLayer(project: Project, projection: Projection): TileLayer<TileImage> | null {
  const im = project.imagery;
  if (!im || !im.url) return null;
  const attributions = im.attribution ? [im.attribution] : undefined;
  switch (im.kind) {
    case 'demo':
      return demoLayer(project, im, projection, attributions);
    case 'xyz':
      return new TileLayer({
        source: new XYZ({ url: im.url, attributions, maxZoom: 20, projection: 'EPSG:3857' }),
        zIndex: 0,
      });
    case 'wmts':
      return wmtsLayer(im, attributions);
    default:
      return null;
  }
}

/**
 * One PNG per project tile, covering exactly the tile's square in the project CRS: a tile grid
 * whose tiles are the project tiles (origin 0,0, a single resolution), so OpenLayers loads only
 * the visible ones. Missing images (404) stay blank.
 */
function demoLayer(project: Project, im: Imagery, projection: Projection, attributions?: string[]): TileLayer<TileImage> {
  const size = project.tile_size_m || 1000;
  const res = im.resolution_m && im.resolution_m > 0 ? im.resolution_m : 2;
  const px = Math.max(1, Math.round(size / res));
  const grid = new TileGrid({ origin: [0, 0], resolutions: [size / px], tileSize: px, extent: project.extent });
  const template = im.url!;
  const source = new TileImage({
    projection,
    tileGrid: grid,
    attributions,
    transition: 150,
    tileUrlFunction: (tileCoord) => {
      const e = grid.getTileCoordExtent(tileCoord);
      return template.replace('{key}', tileKey(e[0], e[1]));
    },
  });
  // Zoomed far out, a single-resolution grid would fetch every tile in view: stop below 32 px a tile.
  return new TileLayer({ source, zIndex: 0, maxResolution: size / 32, preload: 0 });
}

/** WMTS in EPSG:3857 with the standard "PM" matrix set (matrix ids "0".."21"), as IGN's Géoplateforme. */
function wmtsLayer(im: Imagery, attributions?: string[]): TileLayer<TileImage> {
  const pm = getProjection('EPSG:3857')!;
  const extent = pm.getExtent()!;
  const base = getWidth(extent) / 256;
  const resolutions: number[] = [];
  const matrixIds: string[] = [];
  for (let z = 0; z <= 21; z++) {
    resolutions.push(base / 2 ** z);
    matrixIds.push(String(z));
  }
  const source = new WMTS({
    url: im.url!,
    layer: im.layer ?? '',
    matrixSet: im.matrix_set ?? 'PM',
    format: im.format ?? 'image/jpeg',
    style: im.style ?? 'normal',
    projection: pm,
    tileGrid: new WMTSTileGrid({ origin: getTopLeft(extent), resolutions, matrixIds }),
    attributions,
    wrapX: true,
  });
  return new TileLayer({ source, zIndex: 0 });
}
