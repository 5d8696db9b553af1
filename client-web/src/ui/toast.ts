// Non-blocking notifications, stacked in the bottom-right corner.
import { h } from './dom';

export type ToastKind = 'error' | 'warning' | 'info' | 'success';

let container: HTMLElement | null = null;

function host(): HTMLElement {
  if (!container || !container.isConnected) {
    container = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(container);
  }
  return container;
}

/** Shows a message for a few seconds (errors stay longer); identical messages are not stacked. */
export function toast(message: string, kind: ToastKind = 'error', ms?: number): void {
  const box = host();
  for (const el of Array.from(box.children)) {
    if ((el as HTMLElement).dataset.message === message) el.remove();
  }
  const close = h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss' }, '×');
  const el = h('div', { class: `toast toast-${kind}`, 'data-message': message }, h('span', { class: 'toast-text' }, message), close);
  const remove = () => {
    el.classList.add('leaving');
    window.setTimeout(() => el.remove(), 200);
  };
  close.addEventListener('click', remove);
  box.append(el);
  while (box.children.length > 5) box.firstElementChild?.remove();
  window.setTimeout(remove, ms ?? (kind === 'error' ? 9000 : 4500));
}
