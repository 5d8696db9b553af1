// Entry point: the main view when the session cookie is valid, the login page otherwise.
import 'ol/ol.css';
import './style.css';
import * as api from './api';
import { startApp } from './app';
import { renderLogin } from './ui/login';

const root = document.getElementById('app')!;

function showLogin(notice?: string): void {
  document.body.dataset.view = 'login';
  renderLogin(root, (user) => showApp(user), notice);
}

function showApp(user: api.User): void {
  document.body.dataset.view = 'app';
  void startApp({ root, user, loggedOut: (notice) => showLogin(notice) });
}

async function boot(): Promise<void> {
  let user: api.User | null = null;
  try {
    user = await api.me();
  } catch (e) {
    showLogin(e instanceof Error ? e.message : String(e));
    return;
  }
  if (user) showApp(user);
  else showLogin();
}

void boot();
