// The conflict dialog: my change set was refused because others changed the same features in
// the same aspect. Shows mine against theirs (classes in the dialog, outlines on the map) and
// lets the user keep theirs (drop mine) or apply mine again on the current versions.
import Feature from 'ol/Feature';
import LineString from 'ol/geom/LineString';
import Polygon from 'ol/geom/Polygon';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import type OlMap from 'ol/Map';
import { decodePolygon, toNum, type Ring } from '../geometry';
import type { tessera } from '../generated/tessera';
import type { Dimension, Nomenclature } from '../nomenclature';
import { CONFLICT_STYLES } from '../styles';
import { h, swatch } from '../ui/dom';
import { describeOps } from './changesets';
import type { TileModel } from './model';
import type { OutboxEntry } from './outbox';
import { decodeLine } from './wire';

export interface MineItem {
  /** The feature the op is about (0 for a drawing). */
  id: number;
  what: string;
  codeCs: string;
  codeUs: string;
  rings: Ring[] | null;
  line: [number, number][] | null;
}

export interface TheirItem {
  id: number;
  version: number;
  codeCs: string;
  codeUs: string;
  author: string;
  rings: Ring[] | null;
}

export interface ConflictView {
  tile: string;
  message: string;
  label: string;
  mine: MineItem[];
  theirs: TheirItem[];
  gone: number[];
}

export class ConflictDialog {
  readonly el: HTMLElement;
  private readonly m_source = new VectorSource();
  private m_open = false;

  constructor(map: OlMap, private readonly m_nomen: Nomenclature) {
    map.addLayer(new VectorLayer({ source: this.m_source, zIndex: 45 }));
    this.el = h('section', { id: 'conflict-dialog', class: 'dialog conflict', hidden: true, role: 'alertdialog', 'aria-labelledby': 'conflict-title' });
  }

  get isOpen(): boolean {
    return this.m_open;
  }

  show(v: ConflictView, keepTheirs: () => void, applyMine: () => void): void {
    this.m_open = true;
    this.m_source.clear();
    const shapes: Feature[] = [];
    for (const t of v.theirs) {
      if (!t.rings) continue;
      const f = new Feature({ geometry: new Polygon(t.rings) });
      f.setStyle(CONFLICT_STYLES.theirs);
      shapes.push(f);
    }
    for (const m of v.mine) {
      const g = m.rings ? new Polygon(m.rings) : m.line ? new LineString(m.line) : null;
      if (!g) continue;
      const f = new Feature({ geometry: g });
      f.setStyle(CONFLICT_STYLES.mine);
      shapes.push(f);
    }
    this.m_source.addFeatures(shapes);

    const theirs = new Map(v.theirs.map((t) => [t.id, t]));
    const rows = v.mine.map((m) => {
      const t = theirs.get(m.id);
      const gone = v.gone.includes(m.id);
      return h('tr', { 'data-feature': m.id },
        h('td', {}, m.id ? h('code', {}, String(m.id)) : 'new'),
        h('td', { class: 'mine' }, h('div', {}, m.what), this.classes(m.codeCs, m.codeUs)),
        h('td', { class: 'theirs' }, gone ? h('em', {}, 'deleted since')
          : t ? h('div', {}, h('div', {}, `version ${t.version}${t.author ? ` by ${t.author}` : ''}`), this.classes(t.codeCs, t.codeUs))
            : h('span', { class: 'muted' }, 'unchanged')));
    });
    const keep = h('button', { type: 'button', class: 'btn btn-ghost', id: 'conflict-keep-theirs' }, 'Keep theirs');
    const mine = h('button', { type: 'button', class: 'btn btn-primary', id: 'conflict-apply-mine' }, 'Apply mine again');
    keep.addEventListener('click', () => {
      this.close();
      keepTheirs();
    });
    mine.addEventListener('click', () => {
      this.close();
      applyMine();
    });
    this.el.replaceChildren(
      h('h2', { id: 'conflict-title' }, `Conflict on tile ${v.tile}`),
      h('p', {}, `Your ${v.label} was not saved: someone changed the same polygons meanwhile (${v.message}).`),
      h('table', { class: 'conflict-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Polygon'), h('th', {}, 'Mine ', h('span', { class: 'legend-mine' })), h('th', {}, 'Theirs (now) ', h('span', { class: 'legend-theirs' })))),
        h('tbody', {}, ...rows)),
      h('p', { class: 'muted' }, 'On the map: mine dashed blue, theirs red.'),
      h('div', { class: 'panel-actions' }, keep, mine));
    this.el.hidden = false;
    mine.focus();
  }

  close(): void {
    this.m_open = false;
    this.el.hidden = true;
    this.m_source.clear();
  }

  private classes(cs: string, us: string): HTMLElement {
    const one = (dim: Dimension, code: string) => code
      ? h('div', { class: 'class-row small' }, swatch(this.m_nomen.color(dim, code)), h('code', { class: 'class-code' }, code), h('span', { class: 'class-label' }, this.m_nomen.label(dim, code)))
      : null;
    return h('div', {}, one('cs', cs), one('us', us));
  }
}

/** Mine (the ops of the refused change set) against theirs (the conflict's current states). */
export function conflictView(entry: OutboxEntry, c: tessera.v1.Conflict.$Properties, model: TileModel): ConflictView {
  const t = model.tile(entry.cs.tileKey);
  const ox = t?.originXcm ?? 0;
  const oy = t?.originYcm ?? 0;
  const mine: MineItem[] = [];
  const base = { codeCs: '', codeUs: '', rings: null, line: null };
  for (const op of entry.cs.ops) {
    if (op.setClass) mine.push({ ...base, id: op.setClass.feature.id, what: 'new classes', codeCs: op.setClass.codeCs, codeUs: op.setClass.codeUs });
    else if (op.confirm) mine.push({ ...base, id: op.confirm.feature.id, what: 'confirmed as is' });
    else if (op.reshape) mine.push({ ...base, id: op.reshape.feature.id, what: 'new outline', rings: decodePolygon(op.reshape.geometry, ox, oy) });
    else if (op.split) mine.push({ ...base, id: op.split.feature.id, what: 'split along a line', line: decodeLine(op.split.line.coords, ox, oy) });
    else if (op.merge) for (const r of op.merge.features) mine.push({ ...base, id: r.id, what: `merged into ${op.merge.features[0].id}` });
    else if (op.draw) mine.push({ ...base, id: 0, what: 'new polygon', codeCs: op.draw.codeCs, codeUs: op.draw.codeUs, rings: decodePolygon(op.draw.geometry, ox, oy) });
  }
  const theirs = (c.current ?? []).map((wf) => ({
    id: toNum(wf.id), version: wf.version ?? 0, codeCs: wf.codeCs ?? '', codeUs: wf.codeUs ?? '', author: wf.author ?? '',
    rings: model.get(toNum(wf.id))?.rings ?? null,
  }));
  return { tile: entry.cs.tileKey, message: c.message ?? '', label: describeOps(entry.cs.ops) === entry.label ? entry.label : `${entry.label} (${describeOps(entry.cs.ops)})`, mine, theirs, gone: (c.gone ?? []).map(toNum) };
}
