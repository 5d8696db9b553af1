// The polygons of the open tiles as OpenLayers features (drawn from the tile model), the
// selection, and the marks of the editor: pending edits, live changes flashing.
import Feature from 'ol/Feature';
import Polygon from 'ol/geom/Polygon';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import type OlMap from 'ol/Map';
import type { ModelFeature } from './editor/model';
import type { Nomenclature } from './nomenclature';
import { featureStyleFunction, FLASH_STYLE, SELECTION_STYLE, type FeatureStyleSettings } from './styles';

export type { FeatureInfo } from './editor/model';
import type { FeatureInfo } from './editor/model';

const FLASH_MS = 2000;

export class FeatureLayer {
  readonly source = new VectorSource<Feature<Polygon>>();
  readonly layer: VectorLayer<VectorSource<Feature<Polygon>>>;
  readonly settings: FeatureStyleSettings = { colorBy: 'cs', opacity: 0.55 };
  private readonly m_selSource = new VectorSource<Feature<Polygon>>();
  private readonly m_flashSource = new VectorSource<Feature<Polygon>>();
  private readonly m_byTile = new Map<string, Set<number>>();
  private m_selected: number[] = [];
  private m_pending = new Set<number>();

  constructor(map: OlMap, nomen: Nomenclature) {
    this.layer = new VectorLayer({
      source: this.source,
      style: featureStyleFunction(nomen, this.settings),
      zIndex: 20,
      updateWhileAnimating: false,
    });
    map.addLayer(this.layer);
    map.addLayer(new VectorLayer({ source: this.m_flashSource, style: FLASH_STYLE, zIndex: 38 }));
    map.addLayer(new VectorLayer({ source: this.m_selSource, style: SELECTION_STYLE, zIndex: 40 }));
  }

  get count(): number {
    return this.source.getFeatures().length;
  }

  /** The first selected polygon (the one the info panel shows). */
  get selectedId(): number | null {
    return this.m_selected[0] ?? null;
  }

  get selectedIds(): number[] {
    return [...this.m_selected];
  }

  tileKeys(): string[] {
    return [...this.m_byTile.keys()];
  }

  restyle(): void {
    this.layer.changed();
  }

  /** Replaces the polygons of a tile. */
  setTile(key: string, features: ModelFeature[]): void {
    this.removeTile(key);
    const ids = new Set<number>();
    const out: Feature<Polygon>[] = [];
    for (const m of features) {
      ids.add(m.id);
      out.push(this.toOl(m));
    }
    this.m_byTile.set(key, ids);
    this.source.addFeatures(out);
    this.refreshSelection();
  }

  removeTile(key: string): void {
    const ids = this.m_byTile.get(key);
    if (!ids) return;
    this.m_byTile.delete(key);
    // Removing one by one is quadratic in the source; rebuild when a large share goes.
    if (ids.size > 200) {
      const rest = this.source.getFeatures().filter((f) => !ids.has(Number(f.getId())));
      this.source.clear(true);
      this.source.addFeatures(rest);
    } else {
      for (const id of ids) {
        const f = this.find(id);
        if (f) this.source.removeFeature(f);
      }
    }
    this.refreshSelection();
  }

  /** A new state of a polygon (new or changed): the OpenLayers feature is updated in place. */
  upsert(m: ModelFeature): void {
    const f = this.find(m.id);
    if (!f) {
      let ids = this.m_byTile.get(m.tile);
      if (!ids) this.m_byTile.set(m.tile, (ids = new Set()));
      ids.add(m.id);
      this.source.addFeature(this.toOl(m));
    } else {
      f.setGeometry(new Polygon(m.rings));
      f.setProperties({ code_cs: m.codeCs, code_us: m.codeUs, info: m, pending: this.m_pending.has(m.id) });
    }
    if (this.m_selected.includes(m.id)) this.refreshSelection();
  }

  remove(id: number): void {
    const f = this.find(id);
    if (!f) return;
    this.m_byTile.get((f.get('info') as FeatureInfo).tile)?.delete(id);
    this.source.removeFeature(f);
    if (this.m_selected.includes(id)) this.select(this.m_selected.filter((x) => x !== id));
  }

  clear(): void {
    this.m_byTile.clear();
    this.source.clear();
    this.select([]);
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

  /** Selects polygons by id (empty clears); returns the info of the first. */
  select(ids: number[]): FeatureInfo | null {
    this.m_selected = ids.filter((id, i) => ids.indexOf(id) === i);
    return this.refreshSelection();
  }

  /** Marks the polygons with an edit waiting for its ack (dashed outline); the others lose the mark. */
  setPendingIds(ids: Set<number>): void {
    for (const id of this.m_pending) if (!ids.has(id)) this.find(id)?.set('pending', false);
    for (const id of ids) {
      const f = this.find(id);
      if (f && !f.get('pending')) f.set('pending', true);
    }
    this.m_pending = new Set(ids);
  }

  /** Shows classes before the server confirmed them (the panel keeps the confirmed ones). */
  showClasses(id: number, codeCs: string, codeUs: string): void {
    const f = this.find(id);
    if (!f) return;
    if (codeCs) f.set('code_cs', codeCs);
    if (codeUs) f.set('code_us', codeUs);
  }

  /** Puts a polygon back to its model state (an edit refused, a drag cancelled). */
  restore(m: ModelFeature | undefined, id: number): void {
    if (m) this.upsert(m);
    else this.remove(id);
  }

  /** Briefly highlights polygons (changes made by others). */
  flash(ids: number[]): void {
    const shown: Feature<Polygon>[] = [];
    for (const id of ids) {
      const f = this.find(id);
      if (f) shown.push(new Feature<Polygon>({ geometry: f.getGeometry()!.clone() }));
    }
    if (!shown.length) return;
    this.m_flashSource.addFeatures(shown);
    window.setTimeout(() => {
      for (const f of shown) if (this.m_flashSource.hasFeature(f)) this.m_flashSource.removeFeature(f);
    }, FLASH_MS);
  }

  get flashing(): number {
    return this.m_flashSource.getFeatures().length;
  }

  /** The selection overlay shares the selected features' geometries, so a vertex drag shows at once. */
  refreshSelection(): FeatureInfo | null {
    this.m_selSource.clear(true);
    const shown: Feature<Polygon>[] = [];
    let first: FeatureInfo | null = null;
    for (const id of this.m_selected) {
      const f = this.find(id);
      if (!f) continue;
      first ??= f.get('info') as FeatureInfo;
      shown.push(new Feature<Polygon>({ geometry: f.getGeometry()! }));
    }
    if (shown.length) this.m_selSource.addFeatures(shown);
    this.m_selSource.changed();
    return first;
  }

  private toOl(m: ModelFeature): Feature<Polygon> {
    const f = new Feature<Polygon>({
      geometry: new Polygon(m.rings),
      code_cs: m.codeCs,
      code_us: m.codeUs,
      info: m,
      pending: this.m_pending.has(m.id),
    });
    f.setId(String(m.id));
    return f;
  }
}
