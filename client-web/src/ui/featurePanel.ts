// The side panel describing the selected polygon.
import type { FeatureInfo } from '../features';
import type { Dimension, Nomenclature } from '../nomenclature';
import { h, replace, swatch } from './dom';

const dateFmt = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeStyle: 'short' });
const areaFmt = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

export function formatConfidence(c: number | null | undefined): string {
  if (c === null || c === undefined || !Number.isFinite(c)) return '—';
  return `${Math.round(c * 100)} %`;
}

export function formatArea(m2: number): string {
  return m2 >= 10_000 ? `${(m2 / 10_000).toLocaleString('fr-FR', { maximumFractionDigits: 2 })} ha` : `${areaFmt.format(m2)} m²`;
}

export class FeaturePanel {
  readonly el: HTMLElement;
  private readonly m_body: HTMLElement;

  constructor(private readonly m_nomen: Nomenclature, private readonly m_onClose: () => void) {
    this.m_body = h('div', { class: 'panel-body' });
    this.el = h('section', { id: 'feature-panel', class: 'panel feature-panel', 'aria-label': 'Selected polygon' },
      h('h2', { class: 'panel-title' }, 'Polygon'), this.m_body);
    this.show(null);
  }

  show(info: FeatureInfo | null, extra: { count?: number; pending?: boolean } = {}): void {
    this.el.dataset.featureId = info ? String(info.id) : '';
    this.el.dataset.selected = String(extra.count ?? (info ? 1 : 0));
    this.el.dataset.pending = String(!!extra.pending);
    if (!info) {
      replace(this.m_body, h('p', { class: 'empty' }, 'Click a tile to open it, then click a polygon to see and edit its classes (Shift+click selects several; ? lists the shortcuts).'));
      return;
    }
    const close = h('button', { class: 'btn btn-ghost btn-small', type: 'button', title: 'Clear the selection' }, 'Clear');
    close.addEventListener('click', this.m_onClose);
    const pred = info.prediction;
    const conf = pred ? pred.confidence : null;
    const confPct = conf === null ? 0 : Math.max(0, Math.min(100, Math.round(conf * 100)));
    const bar = h('span', { class: 'confbar' }, h('span', { class: 'confbar-fill' }));
    (bar.firstElementChild as HTMLElement).style.width = `${confPct}%`;
    bar.classList.add(confPct < 50 ? 'low' : confPct < 80 ? 'mid' : 'high');

    const more = (extra.count ?? 1) > 1
      ? h('p', { class: 'selection-count', 'data-field': 'selected' }, `${extra.count} polygons selected; this is the first (merge keeps it).`) : null;
    const pending = extra.pending ? h('p', { class: 'pending-note', 'data-field': 'pending' }, 'Your change is not saved yet: the values below are the saved ones.') : null;
    replace(this.m_body,
      more, pending,
      this.classBlock('cs', 'Land cover (CS)', info.codeCs),
      this.classBlock('us', 'Land use (US)', info.codeUs),
      h('dl', { class: 'props' },
        h('dt', {}, 'Confidence'), h('dd', {}, h('span', { 'data-field': 'confidence' }, formatConfidence(conf)), bar),
        h('dt', {}, 'Version'), h('dd', { 'data-field': 'version' }, String(info.version)),
        h('dt', {}, 'Reviewed'), h('dd', { 'data-field': 'reviewed' },
          h('span', { class: info.reviewed ? 'badge badge-ok' : 'badge' }, info.reviewed ? 'Yes' : 'Not yet')),
        h('dt', {}, 'Area'), h('dd', { 'data-field': 'area' }, formatArea(info.areaM2)),
        h('dt', {}, 'Tile'), h('dd', { 'data-field': 'tile' }, info.tile),
        h('dt', {}, 'Feature id'), h('dd', { 'data-field': 'id' }, h('code', {}, String(info.id))),
        h('dt', {}, 'Last change'), h('dd', { 'data-field': 'updated' }, info.updatedAtMs ? dateFmt.format(new Date(info.updatedAtMs)) : '—',
          info.author ? h('span', { class: 'muted', 'data-field': 'author' }, `by ${info.author}`) : null)),
      this.predictionBlock(info),
      h('div', { class: 'panel-actions' }, close));
  }

  private classBlock(dim: Dimension, title: string, code: string): HTMLElement {
    const c = this.m_nomen.info(dim, code);
    return h('div', { class: 'class-block' },
      h('div', { class: 'class-title' }, title),
      h('div', { class: 'class-row' },
        swatch(c.color),
        h('code', { class: 'class-code', 'data-field': `${dim}-code` }, code || '—'),
        h('span', { class: c.known ? 'class-label' : 'class-label unknown', 'data-field': `${dim}-label` }, c.label)),
      !c.known && code ? h('div', { class: 'warn' }, 'This code is not in the nomenclature.')
        : c.replacedBy ? h('div', { class: 'warn' }, `Legacy code: ${c.replacedBy} replaces it.`)
          : c.known && !c.leaf ? h('div', { class: 'warn' }, 'Not a leaf class: a more precise code is expected.') : null);
  }

  private predictionBlock(info: FeatureInfo): HTMLElement {
    const p = info.prediction;
    if (!p) return h('div', { class: 'prediction' }, h('div', { class: 'class-title' }, 'Model prediction'), h('p', { class: 'muted' }, 'None recorded.'));
    const changed = p.codeCs !== info.codeCs || p.codeUs !== info.codeUs;
    const row = (dim: Dimension, code: string) => {
      const c = this.m_nomen.info(dim, code);
      return h('div', { class: 'class-row small' }, swatch(c.color), h('code', { class: 'class-code' }, code || '—'), h('span', { class: 'class-label' }, c.label));
    };
    return h('div', { class: 'prediction', 'data-field': 'prediction' },
      h('div', { class: 'class-title' }, 'Model prediction ',
        h('span', { class: changed ? 'badge badge-warn' : 'badge badge-ok' }, changed ? 'corrected' : 'unchanged')),
      row('cs', p.codeCs), row('us', p.codeUs));
  }
}
