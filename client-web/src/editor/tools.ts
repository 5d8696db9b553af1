// The map tools: select (clicks, handled by the map), reshape (Modify on the selected polygon),
// split (Draw a line), draw (Draw a polygon); each snaps to the polygons of the open tiles.
// Only one tool is active; Esc (in keys.ts) brings back select.
import Collection from 'ol/Collection';
import type Feature from 'ol/Feature';
import type LineString from 'ol/geom/LineString';
import type Polygon from 'ol/geom/Polygon';
import DoubleClickZoom from 'ol/interaction/DoubleClickZoom';
import Draw, { type DrawEvent } from 'ol/interaction/Draw';
import type Interaction from 'ol/interaction/Interaction';
import Modify, { type ModifyEvent } from 'ol/interaction/Modify';
import Snap from 'ol/interaction/Snap';
import type OlMap from 'ol/Map';
import { Circle as CircleStyle, Fill, Stroke, Style } from 'ol/style';
import type { FeatureLayer } from '../features';
import type { Ring } from '../geometry';

export type ToolName = 'select' | 'reshape' | 'split' | 'draw';

export interface ToolHandlers {
  /** A vertex drag ended on polygon `id`; `rings` is its new outline (metres, closed). */
  reshaped(id: number, rings: Ring[]): void;
  /** A split line was drawn (metres). */
  splitLine(line: number[][]): void;
  /** A new polygon was drawn (metres, closed). */
  drawn(rings: Ring[]): void;
  /** The active tool changed. */
  toolChanged(tool: ToolName): void;
}

const SKETCH_STYLE = [
  new Style({ stroke: new Stroke({ color: 'rgba(255,255,255,0.9)', width: 5 }) }),
  new Style({
    stroke: new Stroke({ color: '#e8590c', width: 2.5, lineDash: [8, 4] }),
    fill: new Fill({ color: 'rgba(232,89,12,0.12)' }),
    image: new CircleStyle({ radius: 5, fill: new Fill({ color: '#e8590c' }), stroke: new Stroke({ color: '#fff', width: 1.5 }) }),
  }),
];

const VERTEX_STYLE = new Style({
  image: new CircleStyle({ radius: 6, fill: new Fill({ color: '#00b3ff' }), stroke: new Stroke({ color: '#fff', width: 2 }) }),
});

export class Tools {
  private m_tool: ToolName = 'select';
  private m_active: Interaction[] = [];
  private readonly m_target = new Collection<Feature<Polygon>>();
  private m_draw: Draw | null = null;
  private m_sketching = false;
  private m_zoomTimer: number | undefined;

  constructor(
    private readonly m_map: OlMap,
    private readonly m_features: FeatureLayer,
    private readonly m_handlers: ToolHandlers,
  ) {}

  get tool(): ToolName {
    return this.m_tool;
  }

  /** Whether a click on the map means "select" (in select and reshape). */
  get clicksSelect(): boolean {
    return this.m_tool === 'select' || this.m_tool === 'reshape';
  }

  /** Whether a drawing is under way (Esc then aborts it rather than leaving the tool). */
  get drawing(): boolean {
    return !!this.m_draw && this.m_sketching;
  }

  set(tool: ToolName): void {
    for (const i of this.m_active) this.m_map.removeInteraction(i);
    this.m_active = [];
    this.m_draw = null;
    this.m_sketching = false;
    this.m_tool = tool;
    this.setDoubleClickZoom(tool !== 'split' && tool !== 'draw');
    if (tool === 'reshape') {
      const modify = new Modify({ features: this.m_target, pixelTolerance: 10, style: VERTEX_STYLE });
      modify.on('modifyend', (ev: ModifyEvent) => {
        const f = ev.features.item(0) as Feature<Polygon> | undefined;
        const geom = f?.getGeometry();
        if (!f || !geom) return;
        this.m_handlers.reshaped(Number(f.getId()), geom.getCoordinates() as Ring[]);
      });
      this.add(modify);
    } else if (tool === 'split' || tool === 'draw') {
      const draw = new Draw({ type: tool === 'split' ? 'LineString' : 'Polygon', stopClick: true, style: SKETCH_STYLE });
      draw.on('drawstart', () => {
        this.m_sketching = true;
      });
      draw.on('drawabort', () => {
        this.m_sketching = false;
      });
      draw.on('drawend', (ev: DrawEvent) => {
        this.m_sketching = false;
        const geom = ev.feature.getGeometry();
        // After the event: finishing a drawing inside its own handler confuses the interaction.
        window.setTimeout(() => {
          this.set('select');
          if (tool === 'split') this.m_handlers.splitLine((geom as LineString).getCoordinates());
          else this.m_handlers.drawn((geom as Polygon).getCoordinates() as Ring[]);
        }, 0);
      });
      this.m_draw = draw;
      this.add(draw);
    }
    if (tool !== 'select') this.add(new Snap({ source: this.m_features.source, pixelTolerance: 10 }));
    this.m_handlers.toolChanged(tool);
  }

  /** Esc: abort the drawing under way, else go back to select. Returns whether it did anything. */
  cancel(): boolean {
    if (this.m_draw && this.drawing) {
      this.m_draw.abortDrawing();
      return true;
    }
    if (this.m_tool !== 'select') {
      this.set('select');
      return true;
    }
    return false;
  }

  /** The polygon whose vertices reshape moves: the first selected one. */
  setTarget(id: number | null): void {
    const f = id === null ? null : this.m_features.find(id);
    if (this.m_target.getLength() === 1 && this.m_target.item(0) === f) return;
    this.m_target.clear();
    if (f) this.m_target.push(f);
  }

  /**
   * A double click ends a drawing; the map must not zoom on it. Zoom comes back a moment after
   * the tool is left, as the double click that ended the drawing may still be on its way.
   */
  private setDoubleClickZoom(on: boolean): void {
    window.clearTimeout(this.m_zoomTimer);
    const set = () => this.m_map.getInteractions().forEach((i) => {
      if (i instanceof DoubleClickZoom) i.setActive(on);
    });
    if (on) this.m_zoomTimer = window.setTimeout(set, 400);
    else set();
  }

  private add(i: Interaction): void {
    this.m_map.addInteraction(i);
    this.m_active.push(i);
  }
}
