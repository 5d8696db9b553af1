// The top bar: brand, project, connection status, user and logout.
import type { User } from '../api';
import type { ConnState } from '../socket';
import { h } from './dom';
import { logo } from './login';

const CONN_LABELS: Record<ConnState, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export type SaveState = 'saved' | 'saving' | 'offline' | 'conflict';

export function saveStateText(state: SaveState, n: number): string {
  const changes = n === 1 ? '1 change' : `${n} changes`;
  switch (state) {
    case 'saved': return 'All changes saved';
    case 'saving': return `Saving… (${n} pending)`;
    case 'offline': return `Offline — ${changes} waiting`;
    case 'conflict': return `Conflict — ${changes} not saved, your decision is needed`;
  }
}

export function roleLabel(role: string): string {
  return role ? role.charAt(0).toUpperCase() + role.slice(1) : 'Unknown role';
}

export class Header {
  readonly el: HTMLElement;
  private readonly m_conn: HTMLButtonElement;
  private readonly m_connText: HTMLSpanElement;
  private readonly m_project: HTMLSpanElement;
  private readonly m_save: HTMLSpanElement;
  /** Links to the pages and "Next tile", set by the app according to the role. */
  readonly nav: HTMLElement;

  constructor(user: User, onLogout: () => void, onRetry: () => void) {
    this.m_connText = h('span', { class: 'conn-text' }, CONN_LABELS.connecting);
    this.m_conn = h('button', { id: 'conn-status', type: 'button', class: 'conn conn-connecting', 'data-state': 'connecting', title: 'Connection to the server' },
      h('span', { class: 'conn-dot' }), this.m_connText);
    this.m_conn.addEventListener('click', onRetry);
    this.m_project = h('span', { class: 'project-name', id: 'project-name' });
    this.m_save = h('span', { id: 'save-state', class: 'save-state save-saved', 'data-state': 'saved', 'data-pending': 0, role: 'status', 'aria-live': 'polite' },
      saveStateText('saved', 0));
    const logoutBtn = h('button', { id: 'logout', type: 'button', class: 'btn btn-ghost' }, 'Log out');
    logoutBtn.addEventListener('click', onLogout);
    this.nav = h('nav', { class: 'topnav', id: 'topnav', 'aria-label': 'Pages' });
    const name = user.display_name || user.username;
    const initials = name.split(/\s+/).map((p) => p.charAt(0)).join('').slice(0, 2).toUpperCase();
    this.el = h('header', { class: 'topbar' },
      h('div', { class: 'brand' }, logo(), h('span', {}, 'Tessera')),
      h('span', { class: 'topbar-sep' }),
      this.m_project,
      this.nav,
      h('div', { class: 'topbar-spacer' }),
      this.m_save,
      this.m_conn,
      h('div', { class: 'user', title: `${user.username} (${user.role})` },
        h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials),
        h('span', { class: 'user-text' },
          h('span', { id: 'user-name', class: 'user-name' }, name),
          h('span', { id: 'user-role', class: `role role-${user.role}` }, roleLabel(user.role)))),
      logoutBtn);
  }

  setProject(name: string, srid: number): void {
    this.m_project.replaceChildren(h('strong', {}, name), h('span', { class: 'muted' }, ` · EPSG:${srid}`));
  }

  setSaveState(state: SaveState, pending: number): void {
    this.m_save.className = `save-state save-${state}`;
    this.m_save.dataset.state = state;
    this.m_save.dataset.pending = String(pending);
    this.m_save.textContent = saveStateText(state, pending);
  }

  setConnection(state: ConnState, detail: string): void {
    this.m_conn.className = `conn conn-${state}`;
    this.m_conn.dataset.state = state;
    this.m_conn.title = state === 'reconnecting' ? `${detail} — click to retry now` : detail;
    this.m_connText.textContent = CONN_LABELS[state];
  }
}
