// The editing tool bar over the map, and the keyboard help overlay (`?`).
import type { Nomenclature } from '../nomenclature';
import { h, swatch } from '../ui/dom';
import type { Shortcut } from './palette';
import type { ToolName } from './tools';

export type Action = ToolName | 'merge' | 'confirm' | 'class' | 'undo' | 'redo' | 'help';

interface ActionDef {
  action: Action;
  label: string;
  icon: string;
  keys: string;
  hint: string;
}

export const ACTIONS: ActionDef[] = [
  { action: 'select', label: 'Select', icon: '⬚', keys: 'S', hint: 'Click a polygon; Shift+click adds to the selection' },
  { action: 'reshape', label: 'Reshape', icon: '✥', keys: 'R', hint: 'Drag the vertices of the selected polygon (snaps to its neighbours; Alt+click removes a vertex)' },
  { action: 'split', label: 'Split', icon: '✂', keys: 'X', hint: 'Draw a line across a polygon; double-click ends it' },
  { action: 'draw', label: 'Draw', icon: '✎', keys: 'D', hint: 'Draw a new polygon (double-click ends it), then pick its classes' },
  { action: 'merge', label: 'Merge', icon: '⧉', keys: 'M', hint: 'Merge the selected polygons into the first selected' },
  { action: 'confirm', label: 'Confirm', icon: '✓', keys: 'C or Enter', hint: 'The classes of the selection are right' },
  { action: 'class', label: 'Classes', icon: '▦', keys: 'P', hint: 'Set the classes of the selection from the palette' },
  { action: 'undo', label: 'Undo', icon: '↶', keys: 'Ctrl+Z', hint: 'Undo your last change' },
  { action: 'redo', label: 'Redo', icon: '↷', keys: 'Ctrl+Shift+Z or Ctrl+Y', hint: 'Redo what you undid' },
  { action: 'help', label: 'Help', icon: '?', keys: '?', hint: 'Keyboard shortcuts' },
];

export class Toolbar {
  readonly el: HTMLElement;
  private readonly m_buttons = new Map<Action, HTMLButtonElement>();
  private readonly m_lock: HTMLElement;

  constructor(onAction: (a: Action) => void) {
    this.el = h('div', { class: 'toolbar', id: 'toolbar', role: 'toolbar', 'aria-label': 'Editing tools' });
    for (const d of ACTIONS) {
      const b = h('button', {
        type: 'button', class: 'tool', id: `tool-${d.action}`, 'data-action': d.action,
        title: `${d.label} (${d.keys}) — ${d.hint}`, 'aria-label': `${d.label} (${d.keys})`,
      }, h('span', { class: 'tool-icon', 'aria-hidden': 'true' }, d.icon), h('span', { class: 'tool-label' }, d.label));
      // Keep the focus on the map: a focused button would take Enter and Space for itself.
      b.addEventListener('mousedown', (ev) => ev.preventDefault());
      b.addEventListener('click', () => onAction(d.action));
      this.m_buttons.set(d.action, b);
      this.el.append(b);
      if (d.action === 'draw' || d.action === 'class' || d.action === 'redo') this.el.append(h('span', { class: 'tool-sep' }));
    }
    this.m_lock = h('span', { class: 'toolbar-lock', id: 'toolbar-lock', hidden: true, role: 'status' });
    this.el.append(this.m_lock);
    this.setTool('select');
  }

  /** Says why the editing tools are disabled (the tile is not open for editing), or nothing. */
  setLock(reason: string | null): void {
    this.m_lock.hidden = !reason;
    this.m_lock.textContent = reason ?? '';
    this.m_lock.title = reason ?? '';
    if (reason) this.el.dataset.locked = reason;
    else delete this.el.dataset.locked;
  }

  setTool(tool: ToolName): void {
    for (const t of ['select', 'reshape', 'split', 'draw'] as ToolName[]) {
      const b = this.m_buttons.get(t)!;
      b.classList.toggle('active', t === tool);
      b.setAttribute('aria-pressed', String(t === tool));
    }
    this.el.dataset.tool = tool;
  }

  setEnabled(action: Action, enabled: boolean, why?: string): void {
    const b = this.m_buttons.get(action);
    if (!b) return;
    b.disabled = !enabled;
    const d = ACTIONS.find((x) => x.action === action)!;
    b.title = `${d.label} (${d.keys}) — ${enabled || !why ? d.hint : why}`;
  }
}

export class HelpOverlay {
  readonly el: HTMLElement;

  constructor(nomen: Nomenclature, keys: Shortcut[]) {
    const close = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close' }, '×');
    close.addEventListener('click', () => this.close());
    this.el = h('section', { id: 'help-overlay', class: 'dialog help', hidden: true, role: 'dialog', 'aria-label': 'Keyboard shortcuts' },
      h('div', { class: 'dialog-head' }, h('h2', {}, 'Keyboard shortcuts'), close),
      h('div', { class: 'help-columns' },
        h('table', { class: 'keys' }, h('tbody', {},
          ...ACTIONS.map((d) => h('tr', {}, h('td', {}, h('kbd', {}, d.keys)), h('td', {}, `${d.label}: ${d.hint}`))),
          h('tr', {}, h('td', {}, h('kbd', {}, 'Esc')), h('td', {}, 'Cancel the drawing or tool, close a dialog, clear the selection')))),
        h('table', { class: 'keys', id: 'help-classes' }, h('tbody', {},
          ...keys.map((s) => h('tr', { 'data-shortcut': s.key },
            h('td', {}, h('kbd', {}, s.key)),
            h('td', {}, swatch(nomen.color('cs', s.codeCs)), ' ', h('code', {}, s.codeCs), ' + ', swatch(nomen.color('us', s.codeUs)), ' ', h('code', {}, s.codeUs)),
            h('td', {}, s.label)))))),
      h('p', { class: 'muted' }, 'Digits set the classes of the selection at once. In the palette, type to filter by code or label; Enter applies.'));
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  toggle(): void {
    this.el.hidden = !this.el.hidden;
  }

  close(): void {
    this.el.hidden = true;
  }
}
