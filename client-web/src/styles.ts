// Map styles: tile states, polygons coloured by class, selection. Styles are cached: a tile of a
// few hundred polygons re-renders on every frame while panning.
import { Fill, Stroke, Style, Text } from 'ol/style';
import type { FeatureLike } from 'ol/Feature';
import { darker, withAlpha, type Dimension, type Nomenclature } from './nomenclature';

export interface StateStyle {
  label: string;
  color: string;
}

export const TILE_STATES: Record<string, StateStyle> = {
  todo: { label: 'To do', color: '#8a96a3' },
  in_progress: { label: 'In progress', color: '#e8a317' },
  submitted: { label: 'Submitted', color: '#2f7de1' },
  in_review: { label: 'In review', color: '#8e5bd8' },
  approved: { label: 'Approved', color: '#2e9d4f' },
  rejected: { label: 'Rejected', color: '#d63b3b' },
  published: { label: 'Published', color: '#0f7a73' },
};

export function stateStyle(state: string): StateStyle {
  return TILE_STATES[state] ?? { label: state || 'unknown', color: '#666666' };
}

/** What the polygon style depends on; the app changes it and calls layer.changed(). */
export interface FeatureStyleSettings {
  colorBy: Dimension;
  opacity: number; // 0..1, fill only
}

export function featureStyleFunction(nomen: Nomenclature, settings: FeatureStyleSettings) {
  const cache = new Map<string, Style>();
  return (feature: FeatureLike): Style => {
    const code = (feature.get(settings.colorBy === 'cs' ? 'code_cs' : 'code_us') as string) ?? '';
    const pending = !!feature.get('pending');
    const key = `${settings.colorBy}|${code}|${settings.opacity}|${pending}`;
    let style = cache.get(key);
    if (!style) {
      const color = nomen.color(settings.colorBy, code);
      style = new Style({
        fill: new Fill({ color: withAlpha(color, settings.opacity) }),
        // An edit waiting for its ack: a dashed dark outline until the server confirms it.
        stroke: pending
          ? new Stroke({ color: '#0b2540', width: 2, lineDash: [6, 4] })
          : new Stroke({ color: withAlpha(darker(color, 0.55), Math.max(0.55, settings.opacity)), width: 1 }),
      });
      cache.set(key, style);
    }
    return style;
  };
}

export const SELECTION_STYLE = [
  new Style({ stroke: new Stroke({ color: 'rgba(255,255,255,0.95)', width: 5 }) }),
  new Style({ stroke: new Stroke({ color: '#00b3ff', width: 2.5 }), fill: new Fill({ color: 'rgba(0,179,255,0.12)' }) }),
];

/** A change made by someone else, for two seconds. */
export const FLASH_STYLE = [
  new Style({ stroke: new Stroke({ color: 'rgba(255,255,255,0.9)', width: 6 }) }),
  new Style({ stroke: new Stroke({ color: '#ff8c00', width: 3 }), fill: new Fill({ color: 'rgba(255,140,0,0.35)' }) }),
];

/** Mine and theirs in the conflict view. */
export const CONFLICT_STYLES = {
  mine: new Style({ stroke: new Stroke({ color: '#1f6feb', width: 3, lineDash: [8, 5] }), fill: new Fill({ color: 'rgba(31,111,235,0.15)' }) }),
  theirs: new Style({ stroke: new Stroke({ color: '#d63b3b', width: 3 }), fill: new Fill({ color: 'rgba(214,59,59,0.18)' }) }),
};

/** A colour per user, for presence avatars and their selections. */
export function userColor(userId: number): string {
  const palette = ['#e8590c', '#7048e8', '#0ca678', '#d6336c', '#1c7ed6', '#f59f00', '#5c940d', '#ae3ec9', '#1098ad', '#c92a2a'];
  return palette[Math.abs(userId) % palette.length];
}

/** Lookups the tile styles need from the app: which tiles are open or loading. */
export interface TileStyleContext {
  isOpen(key: string): boolean;
  isLoading(key: string): boolean;
  tileSizeM: number;
}

const LABEL_MIN_PX = 90;

/** Fill of the tile grid, drawn under the polygons: only for tiles that are not open. */
export function tileFillStyleFunction(ctx: TileStyleContext) {
  const cache = new Map<string, Style>();
  const none = new Style({});
  return (feature: FeatureLike): Style => {
    const key = feature.get('key') as string;
    if (ctx.isOpen(key)) return none;
    const state = feature.get('state') as string;
    let style = cache.get(state);
    if (!style) {
      style = new Style({ fill: new Fill({ color: withAlpha(stateStyle(state).color, 0.22) }) });
      cache.set(state, style);
    }
    return style;
  };
}

/** Outlines and labels of the tile grid, drawn over the polygons. */
export function tileLineStyleFunction(ctx: TileStyleContext) {
  const cache = new Map<string, Style>();
  return (feature: FeatureLike, resolution: number): Style => {
    const key = feature.get('key') as string;
    const state = feature.get('state') as string;
    const open = ctx.isOpen(key);
    const loading = ctx.isLoading(key);
    const showLabel = ctx.tileSizeM / resolution >= LABEL_MIN_PX;
    const ck = `${state}|${open}|${loading}|${showLabel}`;
    let style = cache.get(ck);
    if (!style) {
      const color = stateStyle(state).color;
      style = new Style({
        stroke: new Stroke({
          color: open ? '#0b2540' : withAlpha(color, 0.9),
          width: open ? 2.5 : 1,
          lineDash: loading ? [6, 4] : undefined,
        }),
        text: showLabel
          ? new Text({
              font: '600 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
              fill: new Fill({ color: '#0b2540' }),
              stroke: new Stroke({ color: 'rgba(255,255,255,0.9)', width: 3 }),
              overflow: true,
            })
          : undefined,
      });
      cache.set(ck, style);
    }
    if (showLabel) {
      const n = feature.get('features') as number;
      const label = open ? key : `${key}\n${stateStyle(state).label} · ${n}`;
      style.getText()?.setText(label);
    }
    return style;
  };
}
