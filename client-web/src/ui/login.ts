// The login page.
import * as api from '../api';
import { h } from './dom';

export function renderLogin(root: HTMLElement, onLoggedIn: (user: api.User) => void, notice?: string): void {
  const username = h('input', { id: 'login-username', name: 'username', type: 'text', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('div', { id: 'login-error', class: 'login-error', role: 'alert', hidden: !notice }, notice ?? '');
  if (notice) error.classList.add('login-notice');
  const submit = h('button', { id: 'login-submit', type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h('form', { class: 'login-form', novalidate: true },
    h('label', { for: 'login-username' }, 'Username'), username,
    h('label', { for: 'login-password' }, 'Password'), password,
    error, submit);

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void (async () => {
      error.hidden = true;
      error.classList.remove('login-notice');
      if (!username.value.trim() || !password.value) {
        showError('Enter your username and password.');
        return;
      }
      submit.disabled = true;
      submit.textContent = 'Signing in…';
      try {
        const res = await api.login(username.value.trim(), password.value);
        onLoggedIn(res.user);
      } catch (e) {
        const msg = e instanceof api.ApiError
          ? e.status === 401 ? `Sign-in failed: ${e.message || 'wrong username or password'}.`.replace(/\.\.$/, '.') : e.message
          : String(e);
        showError(msg);
        password.select();
      } finally {
        submit.disabled = false;
        submit.textContent = 'Sign in';
      }
    })();
  });

  function showError(msg: string): void {
    error.textContent = msg;
    error.hidden = false;
  }

  root.replaceChildren(
    h('div', { class: 'login-page', id: 'login-page' },
      h('div', { class: 'login-card' },
        h('div', { class: 'brand brand-large' }, logo(), h('span', {}, 'Tessera')),
        h('p', { class: 'login-subtitle' }, 'Collaborative correction of the OCS GE land-cover database'),
        form),
      h('p', { class: 'login-footer' }, 'OCS GE nomenclature © IGN · Lambert-93 (EPSG:2154)')),
  );
  username.focus();
}

/** The Tessera mark: a 3×3 mosaic. */
export function logo(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'logo');
  svg.setAttribute('aria-hidden', 'true');
  const colors = ['#FF377A', '#80BE00', '#1B6B2E', '#FFFFA8', '#3d8fd6', '#A600CC', '#2e9d4f', '#e8a317', '#8a96a3'];
  colors.forEach((c, i) => {
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', String(1 + (i % 3) * 7.5));
    r.setAttribute('y', String(1 + Math.floor(i / 3) * 7.5));
    r.setAttribute('width', '6.5');
    r.setAttribute('height', '6.5');
    r.setAttribute('rx', '1.2');
    r.setAttribute('fill', c);
    svg.append(r);
  });
  return svg;
}
