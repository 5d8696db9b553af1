// Projected CRSs the client knows, registered with OpenLayers through proj4.
import proj4 from 'proj4';
import { register } from 'ol/proj/proj4';
import { get as getProjection, type Projection } from 'ol/proj';

interface CrsDef {
  proj4: string;
  extent?: [number, number, number, number]; // projected bounds, metres
}

const TOWGS84 = '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs';

// Lambert-93 for metropolitan France; the overseas départements use UTM on RGAF09/RGFG95/RGR92/RGM04.
const DEFS: Record<number, CrsDef> = {
  2154: {
    proj4: `+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 ${TOWGS84}`,
    extent: [-378305.81, 6093283.21, 1212610.74, 7186901.68],
  },
  5490: { proj4: `+proj=utm +zone=20 ${TOWGS84}` },
  2972: { proj4: `+proj=utm +zone=22 ${TOWGS84}` },
  2975: { proj4: `+proj=utm +zone=40 +south ${TOWGS84}` },
  4471: { proj4: `+proj=utm +zone=38 +south ${TOWGS84}` },
};

let registered = false;

/** Registers every known CRS once and returns the OpenLayers projection for `srid`. */
export function projectionFor(srid: number): Projection {
  if (!registered) {
    for (const [code, def] of Object.entries(DEFS)) proj4.defs(`EPSG:${code}`, def.proj4);
    register(proj4);
    for (const [code, def] of Object.entries(DEFS)) {
      if (def.extent) getProjection(`EPSG:${code}`)?.setExtent(def.extent);
    }
    registered = true;
  }
  const p = getProjection(`EPSG:${srid}`);
  if (!p) throw new Error(`The project's CRS EPSG:${srid} is not known to this client`);
  return p;
}
