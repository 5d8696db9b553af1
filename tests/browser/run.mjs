#!/usr/bin/env node
// Browser test of the Tessera web client, against a running server.
//
//   TESSERA_URL=http://127.0.0.1:18080 TESSERA_USER=lea TESSERA_PASSWORD=... \
//   TESSERA_SCREENSHOT_DIR=/tmp/shots node tests/browser/run.mjs
//
// Drives Debian's chromium (TESSERA_CHROMIUM, default /usr/bin/chromium) with playwright-core:
// login (wrong password first), tile grid, a real mouse click on a tile that has features, the
// polygons drawn from its snapshot, a click on a polygon and the info panel, logout.
// Prints one line per check and, last, exactly "N passed, M failed"; exits 1 on any failure.
// Every wait is bounded and the whole run stops after 90 s at the latest.
import { join } from 'node:path';
import { BASE, PASSWORD, SHOTS, USER, WAIT_MS, budget, pageErrors, record, run, step } from './harness.mjs';


let page;
let tile; // the tile under test: { key, x, y, size, ... }

step('login page is shown', true, async () => {
  await page.goto(`${BASE}/`, { timeout: budget(), waitUntil: 'domcontentloaded' });
  await page.locator('#login-username').waitFor({ state: 'visible', timeout: budget() });
  await page.locator('#login-password').waitFor({ state: 'visible', timeout: budget() });
});

step('a wrong password shows an error message', false, async () => {
  await page.fill('#login-username', USER);
  await page.fill('#login-password', `${PASSWORD}-wrong`);
  await page.click('#login-submit');
  const err = page.locator('#login-error');
  await err.waitFor({ state: 'visible', timeout: budget() });
  const text = (await err.textContent())?.trim() ?? '';
  if (!text) throw new Error('the error box is empty');
  await page.screenshot({ path: join(SHOTS, 'login.png') });
  if (await page.locator('#map').count()) throw new Error('the main view opened with a wrong password');
  return `"${text}"`;
});

step('login succeeds and the header shows the user', true, async () => {
  await page.fill('#login-username', USER);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.locator('#user-name').waitFor({ state: 'visible', timeout: budget() });
  const name = (await page.textContent('#user-name'))?.trim();
  const role = (await page.textContent('#user-role'))?.trim();
  if (!name || !role) throw new Error(`user name "${name}" / role "${role}"`);
  if (!(await page.locator('#logout').isVisible())) throw new Error('no logout button');
  return `${name}, ${role}`;
});

step('the tile grid is drawn', true, async () => {
  // Either tiles, or the hint that the project is too large to list at this zoom.
  await page.waitForFunction(() => (window.tessera?.tileCount() ?? 0) > 0
    || !document.querySelector('.map-hint')?.hidden, null, { timeout: budget() });
  let note = '';
  if (!(await page.evaluate(() => window.tessera.tileCount()))) {
    note = ` after zooming in (${(await page.textContent('.map-hint'))?.trim()})`;
    await page.evaluate(() => {
      const [x0, y0, x1, y1] = window.tessera.project.extent;
      const s = window.tessera.project.tile_size_m || 1000;
      const cx = Math.floor((x0 + x1) / 2 / s) * s, cy = Math.floor((y0 + y1) / 2 / s) * s;
      window.tessera.fit([cx - 2 * s, cy - 2 * s, cx + 3 * s, cy + 3 * s]);
    });
  }
  await page.waitForFunction(() => window.tessera.tileCount() > 0
    && Number(document.getElementById('map')?.dataset.tileCount) > 0, null, { timeout: budget() });
  return `${await page.evaluate(() => window.tessera.tileCount())} tiles${note}`;
});

step('the WebSocket connects', true, async () => {
  await page.locator('#conn-status[data-state="connected"]').waitFor({ timeout: budget() });
});

step('the API lists a todo tile with features', true, async () => {
  const res = await page.evaluate(async () => {
    const p = await (await fetch('api/v1/project')).json();
    const r = await fetch(`api/v1/tiles?bbox=${p.extent.join(',')}`);
    return { project: p, status: r.status, body: await r.json() };
  });
  let list = res.body.tiles;
  if (res.status !== 200) {
    // A project too large for one bbox: fall back on the tiles the client listed for its view.
    console.log(`note: GET /api/v1/tiles for the project extent: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    list = await page.evaluate(() => window.tessera.tiles());
  }
  list ??= [];
  tile = list.find((t) => t.state === 'todo' && t.features > 0) ?? list.find((t) => t.state === 'todo');
  if (!tile) throw new Error(`no tile in state todo among ${list.length}`);
  tile.size ||= res.project.tile_size_m || 1000;
  return `${tile.key} (${tile.features} features)`;
});

step('clicking the tile draws its polygons', true, async () => {
  const { x, y, size } = tile;
  const box = await page.locator('#map').boundingBox();
  if (!box) throw new Error('no map element');
  // Zoom to the tile when it is too small on screen or off screen (the click itself is real).
  const visible = await page.evaluate(([x, y, size, w, hgt]) => {
    const a = window.tessera.pixelOf(x, y);
    const b = window.tessera.pixelOf(x + size, y + size);
    if (!a || !b) return false;
    const cx = (a[0] + b[0]) / 2, cy = (a[1] + b[1]) / 2;
    return b[0] - a[0] >= 120 && cx > 40 && cx < w - 40 && cy > 40 && cy < hgt - 40;
  }, [x, y, size, box.width, box.height]);
  if (!visible) {
    await page.evaluate(([x, y, size]) => window.tessera.fit([x - size, y - size, x + 2 * size, y + 2 * size]), [x, y, size]);
    await page.waitForFunction(([k]) => window.tessera.tiles().some((t) => t.key === k), [tile.key], { timeout: budget() });
  }
  const c = await page.evaluate(([x, y]) => window.tessera.pixelOf(x, y), [x + size / 2, y + size / 2]);
  await page.mouse.click(box.x + c[0], box.y + c[1]);
  await page.waitForFunction(([k]) => window.tessera.openTiles().includes(k) && !window.tessera.loadingTiles().includes(k)
    && window.tessera.featureCount() > 0, [tile.key], { timeout: budget() });
  const n = Number(await page.getAttribute('#map', 'data-feature-count'));
  if (!(n > 0)) throw new Error(`data-feature-count is ${n}`);
  await page.waitForTimeout(600); // let imagery and polygons render for the screenshot
  await page.screenshot({ path: join(SHOTS, 'map.png') });
  return `${n} polygons`;
});

const field = async (name) => ((await page.locator(`#feature-panel [data-field="${name}"]`).first().textContent({ timeout: budget(3_000) })) ?? '').trim();

step('clicking a polygon opens the info panel', true, async () => {
  const box = await page.locator('#map').boundingBox();
  const c = await page.evaluate(([k]) => window.tessera.featurePixel(k), [tile.key]);
  if (!c) throw new Error('no polygon pixel');
  await page.mouse.click(box.x + c[0], box.y + c[1]);
  await page.waitForFunction(() => !!document.getElementById('feature-panel')?.dataset.featureId, null, { timeout: budget() });
  await page.screenshot({ path: join(SHOTS, 'feature.png') });
  return `feature ${await page.getAttribute('#feature-panel', 'data-feature-id')}`;
});

step('the info panel shows a CS code and label', false, async () => {
  const code = await field('cs-code');
  const label = await field('cs-label');
  if (!/^CS/.test(code) || !label || label === 'unknown code') throw new Error(`CS "${code}" "${label}"`);
  return `${code} ${label}`;
});

step('the info panel shows a US code and label', false, async () => {
  const code = await field('us-code');
  const label = await field('us-label');
  if (!/^US/.test(code) || !label || label === 'unknown code') throw new Error(`US "${code}" "${label}"`);
  return `${code} ${label}`;
});

step('the info panel shows confidence and version', false, async () => {
  const conf = await field('confidence');
  const version = await field('version');
  if (!/^\d{1,3}\s?%$/.test(conf)) throw new Error(`confidence "${conf}"`);
  if (!/^\d+$/.test(version)) throw new Error(`version "${version}"`);
  return `confidence ${conf}, version ${version}`;
});

step('no uncaught JavaScript error on the page', false, async () => {
  if (pageErrors.length) throw new Error(pageErrors.slice(0, 3).join(' | '));
});

step('logout returns to the login page', false, async () => {
  await page.click('#logout');
  await page.locator('#login-username').waitFor({ state: 'visible', timeout: budget() });
  const me = await page.evaluate(async () => (await fetch('api/v1/me')).status);
  if (me !== 401) throw new Error(`GET /api/v1/me after logout: HTTP ${me}`);
});

run('run.mjs', 90_000, (p) => {
  page = p;
});
