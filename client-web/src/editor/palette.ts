// The class palette: CS and US leaf classes in their nomenclature colours, filtered as one types
// (by code or label, accents ignored), and the frequent CS/US pairs bound to the keys 1–9.
import type { ClassInfo, Dimension, Nomenclature } from '../nomenclature';
import { h, replace, swatch } from '../ui/dom';

export interface ClassChoice {
  codeCs: string;
  codeUs: string;
}

export interface Shortcut extends ClassChoice {
  key: string;
  label: string;
}

/** The most frequent corrections (OCS GE production): a key each. */
const FREQUENT: Shortcut[] = [
  { key: '1', codeCs: 'CS2.2.1', codeUs: 'US1.1', label: 'Herbaceous · agriculture' },
  { key: '2', codeCs: 'CS2.1.1.1', codeUs: 'US1.2', label: 'Broadleaf forest · forestry' },
  { key: '3', codeCs: 'CS2.1.1.2', codeUs: 'US1.2', label: 'Conifer forest · forestry' },
  { key: '4', codeCs: 'CS1.1.1.1', codeUs: 'US235', label: 'Buildings · residential/economic' },
  { key: '5', codeCs: 'CS1.1.1.2', codeUs: 'US4.1.1', label: 'Sealed, not built · roads' },
  { key: '6', codeCs: 'CS1.2.2', codeUs: 'US6.3', label: 'Water · no use' },
  { key: '7', codeCs: 'CS2.2.1', codeUs: 'US235', label: 'Herbaceous · gardens, lawns' },
  { key: '8', codeCs: 'CS2.1.1.3', codeUs: 'US1.2', label: 'Mixed forest · forestry' },
  { key: '9', codeCs: 'CS2.1.3', codeUs: 'US1.1', label: 'Vines · agriculture' },
];

/** The shortcuts whose codes are leaves of the project's nomenclature. */
export function shortcuts(nomen: Nomenclature): Shortcut[] {
  return FREQUENT.filter((s) => nomen.isLeaf('cs', s.codeCs) && nomen.isLeaf('us', s.codeUs));
}

export function fold(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** Whether a class matches a filter: every word in its code or label. */
export function matches(c: { code: string; label: string }, query: string): boolean {
  const hay = fold(`${c.code} ${c.label}`);
  return fold(query).split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

export type PaletteMode = 'set' | 'draw';

export class Palette {
  readonly el: HTMLElement;
  private readonly m_search: HTMLInputElement;
  private readonly m_title: HTMLElement;
  private readonly m_lists: Record<Dimension, HTMLElement>;
  private readonly m_summary: HTMLElement;
  private readonly m_apply: HTMLButtonElement;
  private readonly m_shortcuts: Shortcut[];
  private m_mode: PaletteMode = 'set';
  private m_choice: ClassChoice = { codeCs: '', codeUs: '' };
  private m_current: ClassChoice = { codeCs: '', codeUs: '' };
  private m_onApply: ((c: ClassChoice) => void) | null = null;
  private m_onCancel: (() => void) | null = null;

  constructor(private readonly m_nomen: Nomenclature) {
    this.m_shortcuts = shortcuts(m_nomen);
    this.m_title = h('h2', { class: 'panel-title' });
    this.m_search = h('input', { id: 'palette-search', type: 'text', placeholder: 'Filter: code or label (e.g. 2.2.1, herb, bâti)', autocomplete: 'off', spellcheck: 'false' });
    this.m_search.addEventListener('input', () => this.render());
    this.m_search.addEventListener('keydown', (ev) => this.onKey(ev));
    this.m_lists = { cs: h('ul', { class: 'palette-list', id: 'palette-cs' }), us: h('ul', { class: 'palette-list', id: 'palette-us' }) };
    this.m_summary = h('div', { class: 'palette-summary', id: 'palette-summary' });
    this.m_apply = h('button', { type: 'button', class: 'btn btn-primary', id: 'palette-apply' }, 'Apply');
    this.m_apply.addEventListener('click', () => this.apply());
    const cancel = h('button', { type: 'button', class: 'btn btn-ghost', id: 'palette-cancel' }, 'Cancel');
    cancel.addEventListener('click', () => this.close(true));
    const chips = h('div', { class: 'palette-chips' }, ...this.m_shortcuts.map((s) => {
      const b = h('button', { type: 'button', class: 'chip', 'data-shortcut': s.key, title: `${s.codeCs} + ${s.codeUs} (key ${s.key})` },
        h('kbd', {}, s.key), swatch(m_nomen.color('cs', s.codeCs)), swatch(m_nomen.color('us', s.codeUs)), h('span', {}, s.label));
      b.addEventListener('click', () => {
        this.m_choice = { codeCs: s.codeCs, codeUs: s.codeUs };
        this.apply();
      });
      return b;
    }));
    this.el = h('section', { class: 'palette panel', id: 'palette', hidden: true, role: 'dialog', 'aria-label': 'Classes' },
      this.m_title, this.m_search, chips,
      h('div', { class: 'palette-columns' },
        h('div', {}, h('div', { class: 'class-title' }, 'Land cover (CS)'), this.m_lists.cs),
        h('div', {}, h('div', { class: 'class-title' }, 'Land use (US)'), this.m_lists.us)),
      h('div', { class: 'palette-footer' }, this.m_summary, cancel, this.m_apply));
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  /**
   * Opens the palette. `set`: change the classes of the selection (one dimension is enough);
   * `draw`: the classes of a new polygon (both needed). `current` is preselected.
   */
  open(mode: PaletteMode, current: ClassChoice, onApply: (c: ClassChoice) => void, onCancel?: () => void): void {
    if (this.isOpen) this.close(true); // a choice left open is a choice cancelled
    this.m_mode = mode;
    this.m_current = { ...current };
    this.m_choice = mode === 'draw' ? { ...current } : { codeCs: '', codeUs: '' };
    this.m_onApply = onApply;
    this.m_onCancel = onCancel ?? null;
    this.m_title.textContent = mode === 'draw' ? 'Classes of the new polygon' : 'Set classes';
    this.m_search.value = '';
    this.el.hidden = false;
    this.render();
    this.m_search.focus();
  }

  close(cancelled = false): void {
    if (this.el.hidden) return;
    this.el.hidden = true;
    const cb = cancelled ? this.m_onCancel : null;
    this.m_onApply = null;
    this.m_onCancel = null;
    cb?.();
  }

  private onKey(ev: KeyboardEvent): void {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation();
      this.close(true);
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      ev.stopPropagation();
      // A filter that leaves one class of a dimension picks it.
      for (const dim of ['cs', 'us'] as Dimension[]) {
        const shown = this.visible(dim);
        const key = dim === 'cs' ? 'codeCs' : 'codeUs';
        if (shown.length === 1 && this.m_search.value.trim()) this.m_choice[key] = shown[0].code;
      }
      this.apply();
    }
  }

  private visible(dim: Dimension): ClassInfo[] {
    const q = this.m_search.value.trim();
    return this.m_nomen.leaves(dim).filter((c) => !q || matches(c, q));
  }

  private render(): void {
    for (const dim of ['cs', 'us'] as Dimension[]) {
      const key = dim === 'cs' ? 'codeCs' : 'codeUs';
      const shown = this.visible(dim);
      replace(this.m_lists[dim], ...(shown.length ? shown.map((c) => {
        const chosen = this.m_choice[key] === c.code;
        const li = h('li', {},
          h('button', {
            type: 'button', class: `palette-item${chosen ? ' chosen' : ''}${this.m_current[key] === c.code ? ' current' : ''}`,
            'data-dim': dim, 'data-code': c.code, 'aria-pressed': String(chosen), title: `${c.code} — ${c.label}`,
          }, swatch(c.color), h('code', {}, c.code), h('span', { class: 'legend-label' }, c.label)));
        li.firstElementChild!.addEventListener('click', () => {
          this.m_choice[key] = chosen ? '' : c.code;
          this.render();
        });
        return li;
      }) : [h('li', { class: 'empty' }, 'No class matches.')]));
    }
    const { codeCs, codeUs } = this.m_choice;
    const ready = this.m_mode === 'draw' ? !!(codeCs && codeUs) : !!(codeCs || codeUs);
    this.m_apply.disabled = !ready;
    const none = this.m_mode === 'draw' ? 'pick one' : 'unchanged';
    this.m_summary.textContent = codeCs || codeUs
      ? `${codeCs || `CS ${none}`} + ${codeUs || `US ${none}`}`
      : this.m_mode === 'draw' ? 'Pick a CS and a US class.' : 'Pick a CS and/or a US class.';
  }

  private apply(): void {
    const c = { ...this.m_choice };
    const ok = this.m_mode === 'draw' ? c.codeCs && c.codeUs : c.codeCs || c.codeUs;
    if (!ok) return;
    const cb = this.m_onApply;
    this.m_onApply = null;
    this.m_onCancel = null;
    this.el.hidden = true;
    cb?.(c);
  }
}
