// Keyboard shortcuts of the editor (listed in the help overlay, `?`). Keys typed into a field
// are left alone; dialogs handle their own keys.
import type { EditorUi } from './ui';
import type { Action } from './toolbar';

const PLAIN: Record<string, Action> = {
  s: 'select',
  r: 'reshape',
  x: 'split',
  d: 'draw',
  m: 'merge',
  c: 'confirm',
  Enter: 'confirm',
  p: 'class',
  '?': 'help',
};

function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

export function bindKeys(ui: EditorUi): () => void {
  const onKey = (ev: KeyboardEvent) => {
    if (ev.key === 'Escape' && ui.palette.isOpen && !ev.defaultPrevented) {
      ui.palette.close(true); // the palette without the focus in its field
      return;
    }
    if (ev.defaultPrevented || typing(ev.target) || ui.dialogOpen) return;
    if (ev.key === 'Escape') {
      if (ui.helpOpen) ui.closeHelp();
      else if (!ui.tools.cancel()) ui.select([]);
      ev.preventDefault();
      return;
    }
    const mod = ev.ctrlKey || ev.metaKey;
    if (mod && !ev.altKey) {
      const k = ev.key.toLowerCase();
      if (k === 'z' || k === 'y') {
        ev.preventDefault();
        ui.action(k === 'y' || ev.shiftKey ? 'redo' : 'undo');
      }
      return;
    }
    if (ev.altKey) return;
    if (/^[1-9]$/.test(ev.key)) {
      ev.preventDefault();
      ui.shortcut(ev.key);
      return;
    }
    const a = PLAIN[ev.key] ?? PLAIN[ev.key.toLowerCase()];
    if (!a) return;
    // Enter on a focused button is that button's.
    if (ev.key === 'Enter' && (ev.target as HTMLElement | null)?.tagName === 'BUTTON') return;
    ev.preventDefault();
    ui.action(a);
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
