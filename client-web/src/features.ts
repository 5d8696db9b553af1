// The polygons of the open tiles, decoded from snapshots, and the selection.
import Feature from 'ol/Feature';
import Polygon from 'ol/geom/Polygon';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import type OlMap from 'ol/Map';
import { decodePolygon, polygonArea, toNum } from './geometry';
import type { Nomenclature } from './nomenclature';
import type { Snapshot, WireFeature } from './socket';
import { featureStyleFunction, SELECTION_STYLE, type FeatureStyleSettings } from './styles';

/** What the info panel shows about one polygon. */
export interface FeatureInfo {
  id: number;
  tile: string;
  codeCs: string;
  codeUs: string;
  version: number;
  reviewed: boolean;
  prediction: { codeCs: string; codeUs: string; confidence: number } | null;
  updatedAtMs: number;
  areaM2: number;
}

export interface TileLoadResult {
  drawn: number;
  rejected: { id: number; reason: string }[];
}

export class FeatureLayer {
  readonly source = new VectorSource<Feature<Polygon>>();
  readonly layer: VectorLayer<VectorSource<Feature<Polygon>>>;
  readonly settings: FeatureStyleSettings = { colorBy: 'cs', opacity: 0.55 };
  private readonly m_selSource = new VectorSource<Feature<Polygon>>();
  private readonly m_byTile = new Map<string, Feature<Polygon>[]>();
  private m_selectedId: number | null = null;

  constructor(map: OlMap, nomen: Nomenclature) {
    this.layer = new VectorLayer({
      source: this.source,
      style: featureStyleFunction(nomen, this.settings),
      zIndex: 20,
      updateWhileAnimating: false,
    });
    map.addLayer(this.layer);
    map.addLayer(new VectorLayer({ source: this.m_selSource, style: SELECTION_STYLE, zIndex: 40 }));
  }

  get count(): number {
    return this.source.getFeatures().length;
  }

  get selectedId(): number | null {
    return this.m_selectedId;
  }

  tileKeys(): string[] {
    return [...this.m_byTile.keys()];
  }

  restyle(): void {
    this.layer.changed();
  }

  /** Replaces the polygons of a tile with those of its snapshot. Bad geometries are skipped and reported. */
  setTile(snapshot: Snapshot): TileLoadResult {
    const key = snapshot.tileKey ?? '';
    this.removeTile(key);
    const ox = toNum(snapshot.originXCm);
    const oy = toNum(snapshot.originYCm);
    const out: Feature<Polygon>[] = [];
    const rejected: TileLoadResult['rejected'] = [];
    for (const wf of snapshot.features ?? []) {
      const id = toNum(wf.id);
      try {
        out.push(this.toOl(key, wf, ox, oy));
      } catch (e) {
        rejected.push({ id, reason: e instanceof Error ? e.message : String(e) });
      }
    }
    this.m_byTile.set(key, out);
    this.source.addFeatures(out);
    this.refreshSelection();
    return { drawn: out.length, rejected };
  }

  removeTile(key: string): void {
    const list = this.m_byTile.get(key);
    if (!list) return;
    this.m_byTile.delete(key);
    // Removing one by one is quadratic in the source; rebuild when a large share goes.
    if (list.length > 200) {
      const keep = new Set(list);
      const rest = this.source.getFeatures().filter((f) => !keep.has(f));
      this.source.clear(true);
      this.source.addFeatures(rest);
    } else {
      for (const f of list) this.source.removeFeature(f);
    }
    this.refreshSelection();
  }

  clear(): void {
    this.m_byTile.clear();
    this.source.clear();
    this.select(null);
  }

  /** Counts of polygons per class code of a dimension, across the open tiles. */
  classCounts(dim: 'cs' | 'us'): Map<string, number> {
    const counts = new Map<string, number>();
    const prop = dim === 'cs' ? 'code_cs' : 'code_us';
    for (const f of this.source.getFeatures()) {
      const c = (f.get(prop) as string) ?? '';
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    return counts;
  }

  find(id: number): Feature<Polygon> | null {
    return (this.source.getFeatureById(String(id)) as Feature<Polygon> | null) ?? null;
  }

  info(id: number): FeatureInfo | null {
    return (this.find(id)?.get('info') as FeatureInfo | undefined) ?? null;
  }

  /** Selects a polygon by id (null clears); returns its info. */
  select(id: number | null): FeatureInfo | null {
    this.m_selectedId = id;
    return this.refreshSelection();
  }

  /** The selection overlay follows the selected id through snapshots and tile closes. */
  private refreshSelection(): FeatureInfo | null {
    this.m_selSource.clear(true);
    if (this.m_selectedId === null) {
      this.m_selSource.changed();
      return null;
    }
    const f = this.find(this.m_selectedId);
    if (!f) {
      this.m_selSource.changed();
      return null;
    }
    const overlay = new Feature<Polygon>({ geometry: f.getGeometry()!.clone() });
    this.m_selSource.addFeature(overlay);
    return f.get('info') as FeatureInfo;
  }

  private toOl(tile: string, wf: WireFeature, ox: number, oy: number): Feature<Polygon> {
    if (!wf.geometry) throw new Error('feature has no geometry');
    const rings = decodePolygon(wf.geometry, ox, oy);
    const p = wf.prediction;
    const info: FeatureInfo = {
      id: toNum(wf.id),
      tile,
      codeCs: wf.codeCs ?? '',
      codeUs: wf.codeUs ?? '',
      version: wf.version ?? 0,
      reviewed: wf.reviewed ?? false,
      prediction: p ? { codeCs: p.codeCs ?? '', codeUs: p.codeUs ?? '', confidence: p.confidence ?? 0 } : null,
      updatedAtMs: toNum(wf.updatedAtMs),
      areaM2: polygonArea(rings),
    };
    const f = new Feature<Polygon>({
      geometry: new Polygon(rings),
      code_cs: info.codeCs,
      code_us: info.codeUs,
      info,
    });
    f.setId(String(info.id));
    return f;
  }
}
