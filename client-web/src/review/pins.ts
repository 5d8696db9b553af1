// Pinned review comments on the map: those of a tile's last rejection (numbered red pins with
// their text) and those the reviewer is writing (orange, dashed ring, until the rejection is sent).
import Feature, { type FeatureLike } from 'ol/Feature';
import Point from 'ol/geom/Point';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import type OlMap from 'ol/Map';
import { Circle as CircleStyle, Fill, Stroke, Style, Text } from 'ol/style';
import { reasonLabel } from './reasons';

export interface PinData {
  tile: string;
  /** 1-based, as the panel lists them. */
  n: number;
  x: number;
  y: number;
  featureId: number;
  reason: string;
  text: string;
  author: string;
  draft: boolean;
  /** Local id of a draft pin. */
  draftId?: number;
}

const MAX_LABEL = 60;

function label(p: PinData): string {
  const text = p.text.trim() || '(no text yet)';
  const short = text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
  return `${reasonLabel(p.reason)}: ${short}`;
}

export class PinLayer {
  readonly source = new VectorSource<Feature<Point>>();
  readonly layer: VectorLayer<VectorSource<Feature<Point>>>;
  private m_focused = '';
  /** What each tile's pins were set from, so that an unchanged list is not redrawn. */
  private readonly m_sigs = new Map<string, string>();

  constructor(private readonly m_map: OlMap) {
    const map = m_map;
    this.layer = new VectorLayer({ source: this.source, zIndex: 46, style: (f: FeatureLike) => this.style(f), declutter: false });
    map.addLayer(this.layer);
  }

  /** Replaces the pins of a tile of one kind (the last rejection's, or the draft). */
  set(tile: string, draft: boolean, pins: Omit<PinData, 'tile' | 'draft' | 'n'>[]): void {
    const key = `${tile}|${draft}`;
    const sig = JSON.stringify(pins);
    if (this.m_sigs.get(key) === sig) return;
    this.m_sigs.set(key, sig);
    for (const f of this.source.getFeatures()) if (f.get('tile') === tile && !!f.get('draft') === draft) this.source.removeFeature(f);
    const out = pins.map((p, i) => {
      const data: PinData = { ...p, tile, draft, n: i + 1 };
      const f = new Feature<Point>({ geometry: new Point([p.x, p.y]), ...data });
      f.setId(`${tile}|${draft ? 'd' : 'r'}|${i + 1}`);
      return f;
    });
    if (out.length) this.source.addFeatures(out);
  }

  removeTile(tile: string): void {
    this.m_sigs.delete(`${tile}|true`);
    this.m_sigs.delete(`${tile}|false`);
    for (const f of this.source.getFeatures()) if (f.get('tile') === tile) this.source.removeFeature(f);
  }

  pins(tile?: string): PinData[] {
    return this.source.getFeatures()
      .filter((f) => !tile || f.get('tile') === tile)
      .map((f) => {
        const { geometry: _g, ...rest } = f.getProperties();
        void _g;
        return rest as PinData;
      })
      .sort((a, b) => Number(a.draft) - Number(b.draft) || a.n - b.n);
  }

  /** Rings a pin (clicked in the panel). */
  focus(tile: string, draft: boolean, n: number): void {
    this.m_focused = `${tile}|${draft ? 'd' : 'r'}|${n}`;
    this.layer.changed();
  }

  private style(f: FeatureLike): Style[] {
    const draft = !!f.get('draft');
    const n = f.get('n') as number;
    const color = draft ? '#e8590c' : '#c92a2a';
    const focused = String(f.getId()) === this.m_focused;
    const out: Style[] = [];
    if (focused) out.push(new Style({ image: new CircleStyle({ radius: 17, stroke: new Stroke({ color: '#00b3ff', width: 3 }) }) }));
    out.push(new Style({
      image: new CircleStyle({
        radius: 11,
        fill: new Fill({ color }),
        stroke: new Stroke({ color: '#fff', width: 2.5, lineDash: draft ? [4, 3] : undefined }),
      }),
      text: new Text({ text: String(n), font: '700 12px system-ui, sans-serif', fill: new Fill({ color: '#fff' }) }),
    }));
    // The label on the side of the pin with more room (right of the pins in the left half of the view).
    const x = (f.getGeometry() as Point | undefined)?.getCoordinates()[0] ?? 0;
    const centre = this.m_map.getView().getCenter()?.[0] ?? x;
    const right = x <= centre;
    out.push(new Style({
      text: new Text({
        text: label(f.getProperties() as PinData),
        font: '600 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        offsetX: right ? 16 : -16,
        textAlign: right ? 'left' : 'right',
        fill: new Fill({ color: '#1c2733' }),
        backgroundFill: new Fill({ color: 'rgba(255,255,255,0.94)' }),
        backgroundStroke: new Stroke({ color, width: 1.5 }),
        padding: [3, 6, 2, 6],
        overflow: true,
      }),
    }));
    return out;
  }
}
