// The reviewer's comparison of the model's prediction with the current correction of a tile:
// - "swipe": on the main map, the prediction left of a draggable divider, the correction right
//   of it (each layer clipped to its side while rendering);
// - "side by side": a second map on the left with the prediction, sharing the main map's view
//   (so both pan and zoom together), the correction on the main map on the right.
// What changed is outlined on both sides: predicted features changed or deleted, current ones
// changed or created.
import Feature, { type FeatureLike } from 'ol/Feature';
import OlMap from 'ol/Map';
import Polygon from 'ol/geom/Polygon';
import VectorLayer from 'ol/layer/Vector';
import type BaseLayer from 'ol/layer/Base';
import VectorSource from 'ol/source/Vector';
import { defaults as defaultInteractions } from 'ol/interaction';
import { getRenderPixel } from 'ol/render';
import type RenderEvent from 'ol/render/Event';
import { Fill, Stroke, Style } from 'ol/style';
import type { EventsKey } from 'ol/events';
import { unByKey } from 'ol/Observable';
import type { Project } from '../api';
import { createImageryLayer } from '../imagery';
import { darker, withAlpha, type Nomenclature } from '../nomenclature';
import { projectionFor } from '../projection';
import type { FeatureStyleSettings } from '../styles';
import { h } from '../ui/dom';
import type { ChangeList, PredictedLike } from './diff';

export type CompareMode = 'swipe' | 'side' | 'off';

export const CHANGE_COLOR = '#d6336c';

const CHANGED_OUTLINE = [
  new Style({ stroke: new Stroke({ color: 'rgba(255,255,255,0.95)', width: 6 }) }),
  new Style({ stroke: new Stroke({ color: CHANGE_COLOR, width: 3 }), fill: new Fill({ color: 'rgba(214,51,108,0.10)' }) }),
];

export class CompareView {
  readonly el: HTMLElement;
  /** The predicted features of the tile under review. */
  readonly predSource = new VectorSource<Feature<Polygon>>();
  /** Current features that changed, outlined. */
  readonly highlightSource = new VectorSource<Feature<Polygon>>();
  private readonly m_predLayer: VectorLayer<VectorSource<Feature<Polygon>>>;
  private readonly m_highlight: VectorLayer<VectorSource<Feature<Polygon>>>;
  private readonly m_handle: HTMLElement;
  private readonly m_buttons = new Map<CompareMode, HTMLButtonElement>();
  private readonly m_keys: EventsKey[] = [];
  private m_side: { map: OlMap; el: HTMLElement } | null = null;
  private m_mode: CompareMode = 'off';
  private m_active = false;
  private m_fraction = 0.5;
  private m_tile: string | null = null;
  private m_changes: ChangeList | null = null;
  private readonly m_styles = new Map<string, Style | Style[]>();

  constructor(
    private readonly m_map: OlMap,
    private readonly m_project: Project,
    private readonly m_nomen: Nomenclature,
    /** The layer of the current polygons (clipped to the right in swipe mode). */
    private readonly m_current: VectorLayer<VectorSource<Feature<Polygon>>>,
    private readonly m_wrap: HTMLElement,
    private readonly m_settings: FeatureStyleSettings,
  ) {
    this.m_predLayer = this.predictionLayer();
    this.m_predLayer.setVisible(false);
    this.m_highlight = new VectorLayer({ source: this.highlightSource, style: CHANGED_OUTLINE, zIndex: 23 });
    this.m_highlight.setVisible(false);
    m_map.addLayer(this.m_predLayer);
    m_map.addLayer(this.m_highlight);

    const bar = h('div', { class: 'segmented compare-modes', role: 'radiogroup', 'aria-label': 'Compare with the prediction' });
    for (const [mode, label, title] of [
      ['swipe', 'Swipe', 'The prediction left of the divider, the correction right of it'],
      ['side', 'Side by side', 'The prediction and the correction in two maps that move together'],
      ['off', 'Correction only', 'Only the current polygons'],
    ] as [CompareMode, string, string][]) {
      const b = h('button', { type: 'button', class: 'compare-mode', id: `compare-${mode}`, 'data-mode': mode, title, role: 'radio' }, label);
      b.addEventListener('mousedown', (ev) => ev.preventDefault());
      b.addEventListener('click', () => this.setMode(mode));
      this.m_buttons.set(mode, b);
      bar.append(b);
    }
    this.el = h('div', { class: 'compare-bar', id: 'compare-bar', hidden: true },
      h('span', { class: 'compare-side-label left' }, '◀ Prediction'), bar, h('span', { class: 'compare-side-label right' }, 'Correction ▶'));
    this.m_handle = h('div', {
      class: 'swipe-handle', id: 'review-swipe', hidden: true, role: 'slider', tabindex: 0, 'aria-label': 'Swipe between the prediction and the correction',
      'aria-valuemin': 0, 'aria-valuemax': 100,
    }, h('span', { class: 'swipe-grip', 'aria-hidden': 'true' }, '⟺'));
    this.bindHandle();
    m_wrap.append(this.el, this.m_handle);
    this.m_keys.push(
      m_map.on('change:size', () => this.placeHandle()),
    );
    for (const layer of [this.m_predLayer, this.m_current, this.m_highlight]) {
      this.m_keys.push(
        layer.on('prerender', (ev) => this.clip(layer, ev as RenderEvent)),
        layer.on('postrender', (ev) => {
          if (this.clips(layer)) ((ev as RenderEvent).context as CanvasRenderingContext2D | undefined)?.restore();
        }),
      );
    }
    this.refreshButtons();
  }

  get mode(): CompareMode {
    return this.m_active ? this.m_mode : 'off';
  }

  get fraction(): number {
    return this.m_fraction;
  }

  get tile(): string | null {
    return this.m_tile;
  }

  /** Features drawn on each side with the change outline. */
  get highlighted(): { prediction: number; current: number } {
    return { prediction: this.m_changes?.highlightPrediction.size ?? 0, current: this.highlightSource.getFeatures().length };
  }

  /** Shows the comparison for a tile (its prediction and changes), in the mode last chosen (swipe first). */
  show(tile: string, prediction: readonly PredictedLike[], changes: ChangeList, current: (id: number) => Feature<Polygon> | null): void {
    const fresh = tile !== this.m_tile;
    if (!fresh && changes === this.m_changes && this.m_active) return; // nothing new
    this.m_tile = tile;
    this.m_changes = changes;
    if (fresh) {
      this.predSource.clear(true);
      this.predSource.addFeatures(prediction.map((p) => {
        const rings = p.rings.map((r) => {
          const ring = r.map((c) => [c[0], c[1]]);
          const a = ring[0], b = ring[ring.length - 1];
          if (a && b && (a[0] !== b[0] || a[1] !== b[1])) ring.push([a[0], a[1]]);
          return ring;
        });
        const f = new Feature<Polygon>({ geometry: new Polygon(rings), code_cs: p.code_cs, code_us: p.code_us, predId: p.id });
        f.setId(`p${p.id}`);
        return f;
      }));
    }
    for (const f of this.predSource.getFeatures()) {
      const on = changes.highlightPrediction.has(f.get('predId') as number);
      if (!!f.get('changed') !== on) f.set('changed', on);
    }
    this.highlightSource.clear(true);
    const marks: Feature<Polygon>[] = [];
    for (const id of changes.highlightCurrent) {
      const g = current(id)?.getGeometry();
      if (g) marks.push(new Feature<Polygon>({ geometry: g, id }));
    }
    this.highlightSource.addFeatures(marks);
    if (!this.m_active) {
      this.m_active = true;
      if (this.m_mode === 'off' && fresh) this.m_mode = 'swipe';
      this.apply();
    }
    this.m_predLayer.changed();
  }

  /** Leaves the comparison (the review ended, or another tile is worked on). */
  hide(): void {
    if (!this.m_active && !this.m_tile) return;
    this.m_active = false;
    this.m_tile = null;
    this.m_changes = null;
    this.predSource.clear(true);
    this.highlightSource.clear(true);
    this.apply();
  }

  setMode(mode: CompareMode): void {
    this.m_mode = mode;
    if (this.m_active) this.apply();
    this.refreshButtons();
  }

  /** The divider's position, 0 (all correction) to 1 (all prediction). */
  setFraction(f: number): void {
    this.m_fraction = Math.max(0, Math.min(1, f));
    this.placeHandle();
    this.m_map.render();
  }

  /** Re-styles the prediction (colour by, opacity). */
  restyle(): void {
    this.m_styles.clear();
    this.m_predLayer.changed();
    if (this.m_side) for (const l of this.m_side.map.getLayers().getArray()) if (l instanceof VectorLayer) l.changed();
  }

  stop(): void {
    this.hide();
    unByKey(this.m_keys);
  }

  // ------------------------------------------------------------------ modes

  private apply(): void {
    const mode = this.mode;
    const swipe = mode === 'swipe';
    const side = mode === 'side';
    this.m_predLayer.setVisible(swipe);
    this.m_highlight.setVisible(mode !== 'off' && this.m_active);
    this.el.hidden = !this.m_active;
    this.m_handle.hidden = !swipe;
    this.m_wrap.classList.toggle('compare-swipe', swipe);
    this.m_wrap.classList.toggle('compare-sbs', side);
    this.m_wrap.dataset.compare = mode;
    if (side) this.openSide();
    else this.closeSide();
    this.m_map.updateSize();
    this.placeHandle();
    this.refreshButtons();
    this.m_map.render();
  }

  private refreshButtons(): void {
    for (const [m, b] of this.m_buttons) {
      const on = m === this.mode || (!this.m_active && m === 'off');
      b.classList.toggle('active', on);
      b.setAttribute('aria-checked', String(on));
    }
    this.el.dataset.mode = this.mode;
  }

  private openSide(): void {
    if (this.m_side) {
      this.m_side.map.updateSize();
      return;
    }
    const el = h('div', { class: 'map side-map', id: 'compare-map' }, h('span', { class: 'side-map-label' }, 'Prediction'));
    this.m_wrap.append(el);
    const layers: BaseLayer[] = [];
    const imagery = createImageryLayer(this.m_project, projectionFor(this.m_project.srid || 2154));
    if (imagery) layers.push(imagery);
    // A second layer on the same source: a layer belongs to one map.
    const pred = this.predictionLayer();
    layers.push(pred, new VectorLayer({
      source: this.predSource,
      style: (f: FeatureLike) => (f.get('changed') ? CHANGED_OUTLINE : undefined),
      zIndex: 23,
    }));
    const map = new OlMap({ target: el, layers, view: this.m_map.getView(), controls: [], interactions: defaultInteractions({ altShiftDragRotate: false, pinchRotate: false }) });
    this.m_side = { map, el };
  }

  private closeSide(): void {
    if (!this.m_side) return;
    this.m_side.map.setTarget(undefined);
    this.m_side.el.remove();
    this.m_side = null;
  }

  private predictionLayer(): VectorLayer<VectorSource<Feature<Polygon>>> {
    return new VectorLayer({ source: this.predSource, style: (f: FeatureLike) => this.predStyle(f), zIndex: 21, updateWhileAnimating: false });
  }

  /** Predicted polygons in their class colours, the changed ones outlined (also left of the divider). */
  private predStyle(f: FeatureLike): Style | Style[] {
    const dim = this.m_settings.colorBy;
    const code = (f.get(dim === 'cs' ? 'code_cs' : 'code_us') as string) ?? '';
    const changed = !!f.get('changed');
    const key = `${dim}|${code}|${this.m_settings.opacity}|${changed}`;
    let s = this.m_styles.get(key);
    if (!s) {
      const color = this.m_nomen.color(dim, code);
      const base = new Style({
        fill: new Fill({ color: withAlpha(color, this.m_settings.opacity) }),
        stroke: new Stroke({ color: withAlpha(darker(color, 0.55), Math.max(0.55, this.m_settings.opacity)), width: 1 }),
      });
      s = changed ? [base, ...CHANGED_OUTLINE] : base;
      this.m_styles.set(key, s);
    }
    return s;
  }

  // ------------------------------------------------------------------ swipe

  private clips(layer: BaseLayer): boolean {
    return this.mode === 'swipe' && (layer === this.m_predLayer || layer === this.m_current || layer === this.m_highlight);
  }

  /** Clips a layer to its side of the divider: the prediction left, the correction right. */
  private clip(layer: BaseLayer, ev: RenderEvent): void {
    if (!this.clips(layer)) return;
    const ctx = ev.context as CanvasRenderingContext2D | undefined;
    const size = this.m_map.getSize();
    if (!ctx || !size) return;
    const x = size[0] * this.m_fraction;
    const [x0, x1] = layer === this.m_predLayer ? [0, x] : [x, size[0]];
    const tl = getRenderPixel(ev, [x0, 0]);
    const tr = getRenderPixel(ev, [x1, 0]);
    const bl = getRenderPixel(ev, [x0, size[1]]);
    const br = getRenderPixel(ev, [x1, size[1]]);
    ctx.save();
    ctx.beginPath();
    ctx.moveTo(tl[0], tl[1]);
    ctx.lineTo(bl[0], bl[1]);
    ctx.lineTo(br[0], br[1]);
    ctx.lineTo(tr[0], tr[1]);
    ctx.closePath();
    ctx.clip();
  }

  private placeHandle(): void {
    const size = this.m_map.getSize();
    if (!size) return;
    this.m_handle.style.left = `${Math.round(size[0] * this.m_fraction)}px`;
    this.m_handle.style.height = `${size[1]}px`;
    this.m_handle.dataset.fraction = this.m_fraction.toFixed(3);
    this.m_handle.setAttribute('aria-valuenow', String(Math.round(this.m_fraction * 100)));
  }

  private bindHandle(): void {
    const h = this.m_handle;
    let dragging = false;
    const move = (clientX: number) => {
      const r = this.m_map.getTargetElement()?.getBoundingClientRect();
      if (!r || r.width <= 0) return;
      this.setFraction((clientX - r.left) / r.width);
    };
    h.addEventListener('pointerdown', (ev) => {
      dragging = true;
      h.setPointerCapture(ev.pointerId);
      h.classList.add('dragging');
      ev.preventDefault();
    });
    h.addEventListener('pointermove', (ev) => {
      if (dragging) move(ev.clientX);
    });
    const end = (ev: PointerEvent) => {
      if (!dragging) return;
      dragging = false;
      h.classList.remove('dragging');
      if (h.hasPointerCapture(ev.pointerId)) h.releasePointerCapture(ev.pointerId);
    };
    h.addEventListener('pointerup', end);
    h.addEventListener('pointercancel', end);
    h.addEventListener('keydown', (ev) => {
      const step = ev.shiftKey ? 0.1 : 0.02;
      if (ev.key === 'ArrowLeft') this.setFraction(this.m_fraction - step);
      else if (ev.key === 'ArrowRight') this.setFraction(this.m_fraction + step);
      else return;
      ev.preventDefault();
      ev.stopPropagation();
    });
  }
}
