#!/usr/bin/env node
// Browser test of the lead's dashboard (issue "Workflow", point 5), two people in two browser
// contexts:
//
//   TESSERA_URL=http://127.0.0.1:18080 TESSERA_USER=lea TESSERA_PASSWORD=... TESSERA_LEAD=sophie \
//   TESSERA_ZONE=nord TESSERA_SCREENSHOT_DIR=/tmp/shots node tests/browser/dashboard.mjs
//
// (with_server.sh creates sophie, a lead, with the same password, and the zones "nord" and
// "sud-ouest".) Real mouse and keyboard actions on the page (Debian's chromium via
// playwright-core): the contributor, who has no "Dashboard" in the header (and whom the server
// refuses the dashboards), changes the classes of a polygon of a tile without blocking issues and
// submits it; the lead, in a second browser, approves it from the review queue, then opens the
// dashboard: the per-state counts add up to the tile count shown, which is the number of tiles
// on the overview map (one approved); the burn-down and the throughput charts are drawn; the
// contributor and the lead are on the leaderboards; the quality issues are listed by code; a
// zone is picked (its counts, its burn-down, its tiles outlined on the map); every "CSV" link
// answers 200 with text/csv (screenshot dashboard.png); a click on a tile of the overview map
// opens it on the main map. Prints one line per check and, last, exactly "N passed, M failed";
// exits 1 on any failure. Every wait is bounded and the whole run stops after 200 s at the latest.
import { join } from 'node:path';
import { PASSWORD, SHOTS, budget, login, newPage, pageErrors, run, step, waitForAck, waitUntil } from './harness.mjs';

const LEAD = process.env.TESSERA_LEAD || 'sophie';
const LEAD_PASSWORD = process.env.TESSERA_LEAD_PASSWORD || PASSWORD;
const ZONE = process.env.TESSERA_ZONE || '';

let lea; // the contributor's page
let sophie; // the lead's
let tile; // { key, x, y, size, state, features }
let project;
const notes = [];

// ------------------------------------------------------------------ helpers

const hook = (page, fn, arg) => page.evaluate(fn, arg);


async function mapPx(page, p, sel = '#map') {
  const box = await page.locator(sel).boundingBox();
  return [box.x + p[0], box.y + p[1]];
}


const lastAckId = (page) => hook(page, () => window.tessera.lastAck()?.changeSetId ?? '');

async function waitOpen(page, key) {
  await waitUntil(page, (k) => window.tessera.openTiles().includes(k) && !window.tessera.loadingTiles().includes(k)
    && window.tessera.featureIds(k).length > 0 && window.tessera.qc(k)?.known, key, `tile ${key} opens with its quality report`,
  (k) => ({ open: window.tessera.openTiles(), loading: window.tessera.loadingTiles() }));
  await page.waitForTimeout(300); // the next click must not make a double click with this one
}

async function openByClick(page, t) {
  await hook(page, ([x, y, s]) => window.tessera.fit([x, y, x + s, y + s]), [t.x, t.y, t.size]);
  const c = await hook(page, ([x, y]) => window.tessera.pixelOf(x, y), [t.x + t.size / 2, t.y + t.size / 2]);
  await page.mouse.click(...(await mapPx(page, c)));
  await waitOpen(page, t.key);
}

/** The dashboard's figures as the page shows them. */
const dash = (page) => hook(page, () => window.tessera.dashboard());

async function openDashboard(page) {
  await page.click('#nav-dashboard');
  await page.locator('#page[data-page="dashboard"][data-loaded="true"]').waitFor({ timeout: budget() });
  await waitUntil(page, () => (window.tessera.dashboard()?.mapTiles ?? 0) > 0, null, 'the overview map lists the tiles', () => window.tessera.dashboard());
}

/** Fetches a link of the page with the page's session: status, content type, body. */
const fetchText = (page, href) => hook(page, async (u) => {
  const r = await fetch(u, { credentials: 'same-origin' });
  return { status: r.status, type: r.headers.get('content-type') ?? '', disposition: r.headers.get('content-disposition') ?? '', body: await r.text() };
}, href);

// ------------------------------------------------------------------ steps

step('the contributor logs in: no "Dashboard" in the header, and the server refuses the dashboards', true, async () => {
  const who = await login(lea);
  if (await lea.locator('#nav-dashboard').count()) throw new Error('the contributor has a Dashboard link');
  const r = await fetchText(lea, 'api/v1/dashboard/states');
  if (r.status !== 403) throw new Error(`GET /api/v1/dashboard/states as a contributor: ${r.status}`);
  return `${who}; /api/v1/dashboard/states → 403`;
});

step('the contributor changes the classes of a polygon of a tile without blocking issues, and submits it', true, async () => {
  await lea.waitForFunction(() => (window.tessera?.tileCount() ?? 0) > 0, null, { timeout: budget() });
  project = await hook(lea, () => window.tessera.project);
  const list = (await hook(lea, async () => (await (await fetch(`api/v1/tiles?bbox=${window.tessera.project.extent.join(',')}`)).json()).tiles)) ?? [];
  const candidates = list.filter((t) => t.state === 'todo' && t.features >= 5 && t.qc_blocking === 0)
    .sort((a, b) => a.features - b.features || a.key.localeCompare(b.key));
  if (!candidates.length) throw new Error(`no todo tile without blocking issues among ${list.length}`);
  for (const t of candidates.slice(0, 4)) {
    t.size ||= project.tile_size_m || 1000;
    await openByClick(lea, t);
    if ((await hook(lea, (k) => window.tessera.qc(k).blocking, t.key)) === 0) {
      tile = t;
      break;
    }
  }
  if (!tile) throw new Error('every candidate has blocking issues once opened');
  await hook(lea, ([x, y, s]) => window.tessera.fit([x, y, x + s, y + s]), [tile.x, tile.y, tile.size]);
  const box = await lea.locator('#map').boundingBox();
  const polys = await hook(lea, (k) => window.tessera.featureIds(k).map((id) => window.tessera.featureById(id))
    .map((f) => ({ id: f.id, cs: f.codeCs, us: f.codeUs, area: f.areaM2, pixel: f.interiorPixel })), tile.key);
  const inner = polys.filter((p) => p.pixel && p.pixel[1] > 110 && p.pixel[0] > 60 && p.pixel[0] < box.width - 60 && p.pixel[1] < box.height - 60)
    .sort((a, b) => b.area - a.area);
  if (!inner.length) throw new Error(`no polygon to click among ${polys.length}`);
  const target = inner[0];
  let done = null;
  for (const key of ['6', '5', '9', '2', '3', '1', '7', '8']) {
    const f = await hook(lea, (i) => window.tessera.featureById(i), target.id);
    const shortcut = await lea.$eval(`#help-classes tr[data-shortcut="${key}"]`, (tr) => tr.textContent);
    if (shortcut.includes(f.codeCs) && shortcut.includes(f.codeUs)) continue;
    await lea.mouse.click(...(await mapPx(lea, f.interiorPixel)));
    await waitUntil(lea, (i) => JSON.stringify(window.tessera.selectedIds()) === JSON.stringify([i]), target.id, `polygon ${target.id} is selected`, () => window.tessera.selectedIds());
    const prev = await lastAckId(lea);
    await lea.keyboard.press(key);
    const ack = await waitForAck(lea, prev, `shortcut ${key}`);
    if (ack.blocking === 0) {
      done = key;
      break;
    }
    const prevUndo = await lastAckId(lea);
    await lea.keyboard.press('Control+z');
    await waitForAck(lea, prevUndo, 'undo');
    await lea.waitForTimeout(300);
  }
  if (!done) throw new Error(`no class change of polygon ${target.id} keeps the tile free of blocking issues`);
  await waitUntil(lea, () => !document.getElementById('qc-submit').disabled, null, 'Submit is enabled', () => document.getElementById('qc-submit')?.title);
  await lea.click('#qc-submit');
  await waitUntil(lea, (k) => window.tessera.tiles().find((t) => t.key === k)?.state === 'submitted', tile.key, 'the tile is submitted',
    (k) => window.tessera.tiles().find((t) => t.key === k)?.state);
  return `${tile.key}: polygon ${target.id} (shortcut ${done}), submitted`;
});

step('the lead (second browser) has "Dashboard" in the header and approves the tile from the review queue', true, async () => {
  sophie = await newPage();
  await login(sophie, LEAD, LEAD_PASSWORD);
  if ((await sophie.locator('#nav-dashboard').count()) !== 1) throw new Error('no Dashboard link for the lead');
  await sophie.click('#nav-review');
  await sophie.locator('#page[data-page="review-queue"][data-loaded="true"]').waitFor({ timeout: budget() });
  await sophie.click(`.queue-open[data-tile="${tile.key}"]`);
  await waitOpen(sophie, tile.key);
  await waitUntil(sophie, (k) => window.tessera.review(k)?.mode === 'claimable' && !document.getElementById('review-claim')?.disabled, tile.key,
    'the review can be claimed', (k) => window.tessera.review(k));
  await sophie.click('#review-claim');
  await waitUntil(sophie, (k) => window.tessera.review(k)?.mode === 'reviewing' && !document.getElementById('review-approve')?.disabled, tile.key,
    'the review is claimed, Approve enabled', (k) => window.tessera.review(k));
  await sophie.click('#review-approve');
  await waitUntil(sophie, (k) => window.tessera.tiles().find((t) => t.key === k)?.state === 'approved', tile.key, 'the tile is approved',
    (k) => window.tessera.review(k));
  return `${tile.key} approved by ${LEAD}`;
});

step('the dashboard: per-state counts add up to the tile count shown, which is the overview map\'s', true, async () => {
  await openDashboard(sophie);
  const d = await dash(sophie);
  if (Object.keys(d.errors).length) throw new Error(`cards failed: ${JSON.stringify(d.errors)}`);
  // What the table shows, read from the page.
  const rows = await sophie.$$eval('#dash-states-table tr.state-row', (trs) => trs.map((tr) => ({ state: tr.dataset.state, tiles: Number(tr.dataset.tiles), text: tr.cells[1].textContent.trim() })));
  const total = Number(await sophie.getAttribute('#dash-states-table tr.total-row', 'data-tiles'));
  const totalText = (await sophie.textContent('#dash-states-total'))?.replace(/\s/g, '');
  const sum = rows.reduce((a, r) => a + r.tiles, 0);
  const kpi = (await sophie.textContent('.kpi[data-kpi="tiles"] .kpi-value'))?.replace(/\s/g, '');
  const mapCount = Number(await sophie.getAttribute('#dash-map-count', 'data-tiles'));
  const mapAttr = Number(await sophie.getAttribute('#dash-map', 'data-tile-count'));
  if (rows.length !== 7) throw new Error(`${rows.length} state rows`);
  if (sum !== total || String(total) !== totalText || String(total) !== kpi) throw new Error(`rows sum to ${sum}, total ${total} ("${totalText}"), key figure "${kpi}"`);
  if (total !== mapCount || total !== mapAttr || total !== d.mapTiles) throw new Error(`total ${total}, map ${mapCount}/${mapAttr}/${d.mapTiles}`);
  if (rows.some((r) => String(r.tiles) !== r.text.replace(/\s/g, ''))) throw new Error(`row texts ${JSON.stringify(rows)}`);
  const approved = rows.find((r) => r.state === 'approved').tiles;
  if (approved !== 1 || (d.mapByState.approved ?? 0) !== 1) throw new Error(`approved: table ${approved}, map ${d.mapByState.approved}`);
  for (const r of rows) {
    if ((d.mapByState[r.state] ?? 0) !== r.tiles) throw new Error(`${r.state}: table ${r.tiles}, map ${d.mapByState[r.state] ?? 0}`);
  }
  const segs = await sophie.$$eval('#dash-state-bar rect.seg', (rs) => rs.map((r) => ({ key: r.dataset.key, value: Number(r.dataset.value) })));
  if (segs.reduce((a, s) => a + s.value, 0) !== total) throw new Error(`stacked bar ${JSON.stringify(segs)}`);
  return `${rows.filter((r) => r.tiles).map((r) => `${r.state} ${r.tiles}`).join(' + ')} = ${total} = ${mapCount} tiles on the map; bar ${segs.length} segments`;
});

step('the charts are drawn: burn-down areas and line, throughput bars', false, async () => {
  const progress = await sophie.$eval('#dash-progress-chart', (s) => ({ points: Number(s.dataset.points), areas: s.querySelectorAll('path.area').length, line: s.querySelectorAll('path.line').length, w: s.getBoundingClientRect().width }));
  if (progress.points < 1 || progress.areas < 2 || progress.line !== 1 || progress.w < 200) throw new Error(`burn-down ${JSON.stringify(progress)}`);
  const edits = await sophie.$eval('#dash-throughput-edits', (s) => ({ bars: Number(s.dataset.bars), keys: [...s.querySelectorAll('rect.bar')].map((r) => r.dataset.key) }));
  const flows = await sophie.$eval('#dash-throughput-flows', (s) => ({ bars: Number(s.dataset.bars), keys: [...new Set([...s.querySelectorAll('rect.bar')].map((r) => r.dataset.key))] }));
  if (edits.bars < 1) throw new Error(`change-set bars ${JSON.stringify(edits)}`);
  if (!flows.keys.includes('submissions') || !flows.keys.includes('approvals')) throw new Error(`flow bars ${JSON.stringify(flows)}`);
  const totals = (await sophie.textContent('#dash-throughput-totals'))?.replace(/\s+/g, ' ').trim();
  return `burn-down: ${progress.points} day(s), ${progress.areas} state bands and the line; throughput: ${edits.bars} change-set bar(s), flows ${flows.keys.join(', ')}; "${totals}"`;
});

step('the leaderboards: the contributor and the lead, the quality issues by code, the conflicts', false, async () => {
  const lea_ = sophie.locator('#dash-contributors-table tr.contrib-row[data-user="lea"]');
  await lea_.waitFor({ timeout: budget(5_000) });
  const cells = (await lea_.locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  if (Number(await lea_.getAttribute('data-submissions')) !== 1 || Number(await lea_.getAttribute('data-change-sets')) < 1) throw new Error(`lea's row ${cells.join(' | ')}`);
  if (!cells.some((c) => c.startsWith('100 %'))) throw new Error(`lea's approval rate: ${cells.join(' | ')}`);
  const ctl = sophie.locator(`#dash-controllers-table tr.controller-row[data-user="${LEAD}"]`);
  await ctl.waitFor({ timeout: budget(5_000) });
  const ctlCells = (await ctl.locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  if (Number(await ctl.getAttribute('data-reviews')) !== 1) throw new Error(`${LEAD}'s row ${ctlCells.join(' | ')}`);
  const qc = await sophie.$$eval('#dash-qc-table tr.qc-row', (trs) => trs.map((tr) => `${tr.dataset.code} ${tr.dataset.severity} ${tr.dataset.issues}`));
  if (!qc.length) throw new Error('no quality row');
  const conflicts = await sophie.getAttribute('#dash-conflicts-total', 'data-total');
  return `lea: ${cells.slice(1).join(' | ')}; ${LEAD}: ${ctlCells.slice(1, 7).join(' | ')}; qc: ${qc.join(', ')}; conflicts ${conflicts}`;
});

step('every "CSV" link answers 200 with text/csv and a header row (dashboard.png)', false, async () => {
  const hrefs = await sophie.$$eval('a.csv-link', (as) => as.map((a) => a.getAttribute('href')));
  if (hrefs.length < 7) throw new Error(`${hrefs.length} CSV links`);
  const seen = [];
  for (const href of hrefs) {
    const r = await fetchText(sophie, href);
    if (r.status !== 200 || !r.type.startsWith('text/csv') || !/\r?\n/.test(r.body)) throw new Error(`${href}: ${r.status} ${r.type} "${r.body.slice(0, 80)}"`);
    seen.push(`${href.replace(/^api\/v1\/dashboard\//, '')} → ${r.body.split(/\r?\n/)[0].split(',').length} columns`);
  }
  const states = await fetchText(sophie, hrefs.find((h) => h.startsWith('api/v1/dashboard/states')));
  if (!states.body.startsWith('scope,zone,state,tiles,area_m2')) throw new Error(`states CSV "${states.body.slice(0, 60)}"`);
  // The whole page in one picture: the viewport grown to the page's height for the shot.
  const height = await hook(sophie, () => document.getElementById('page').scrollHeight + document.querySelector('.topbar').offsetHeight);
  await sophie.setViewportSize({ width: 1440, height: Math.min(4000, Math.max(900, height + 10)) });
  await sophie.waitForTimeout(600);
  await sophie.screenshot({ path: join(SHOTS, 'dashboard.png') });
  await sophie.setViewportSize({ width: 1440, height: 900 });
  return seen.join('; ');
});

step('a zone is picked: its counts add up to its tiles, its burn-down, its tiles outlined; its CSV too', false, async () => {
  const d0 = await dash(sophie);
  const zone = ZONE || d0.zones[0];
  if (!zone) throw new Error('no zone is defined (with_server.sh defines "nord")');
  await sophie.selectOption('#dashboard-zone', zone);
  await waitUntil(sophie, (z) => document.getElementById('dashboard').dataset.zone === z
    && document.querySelector(`#dash-progress[data-zone="${z}"][data-state="ready"]`) !== null
    && window.tessera.dashboard().zone === z, zone, `zone ${zone} is shown`, () => window.tessera.dashboard());
  const d = await dash(sophie);
  const zoneRow = await hook(sophie, async (z) => {
    const r = await (await fetch('api/v1/zones')).json();
    return r.zones.find((x) => x.name === z);
  }, zone);
  const mapCount = Number(await sophie.getAttribute('#dash-map-count', 'data-tiles'));
  if (d.tiles !== zoneRow.tiles || d.sum !== d.tiles || d.tiles >= d0.tiles) throw new Error(`zone ${zone}: ${d.sum} by state, ${d.tiles} tiles, ${zoneRow.tiles} in the zone, ${d0.tiles} in the project`);
  if (zoneRow.kind === 'tiles' && mapCount !== d.tiles) throw new Error(`${mapCount} tiles outlined on the map for ${d.tiles}`);
  const subtitle = (await sophie.textContent('#dash-states .dash-sub'))?.trim();
  if (subtitle !== `Zone ${zone}`) throw new Error(`states card says "${subtitle}"`);
  const href = await sophie.getAttribute('#dash-progress a.csv-link', 'href');
  if (!href.includes(`zone=${encodeURIComponent(zone)}`)) throw new Error(`progress CSV link ${href}`);
  const csv = await fetchText(sophie, href);
  const lines = csv.body.trim().split(/\r?\n/);
  const last = lines[lines.length - 1].split(',');
  if (csv.status !== 200 || Number(last[last.length - 1]) !== d.tiles) throw new Error(`${href}: ${csv.status}, last row ${lines[lines.length - 1]}`);
  // Back to the whole project.
  await sophie.selectOption('#dashboard-zone', '');
  await waitUntil(sophie, () => window.tessera.dashboard().zone === null && document.querySelector('#dash-progress[data-zone=""][data-state="ready"]') !== null, null,
    'the whole project again', () => window.tessera.dashboard());
  return `${zone}: ${Object.entries(d.byState).filter(([, n]) => n).map(([s, n]) => `${s} ${n}`).join(' + ')} = ${d.tiles} tiles (${mapCount} outlined); progress CSV last row ${lines[lines.length - 1]}`;
});

step('a click on a tile of the overview map opens it on the main map', false, async () => {
  const other = await hook(sophie, (k) => window.tessera.tiles().find((t) => t.key !== k && t.features > 0) ?? null, tile.key);
  if (!other) throw new Error('no other tile');
  const size = other.size || project.tile_size_m || 1000;
  const px = await hook(sophie, ([x, y]) => window.tessera.dashboardPixelOf(x, y), [other.x + size / 2, other.y + size / 2]);
  if (!px) throw new Error('no pixel on the overview map');
  await sophie.mouse.click(...(await mapPx(sophie, px, '#dash-map')));
  await sophie.locator('#page').waitFor({ state: 'hidden', timeout: budget(5_000) });
  await waitUntil(sophie, (k) => window.tessera.openTiles().includes(k) && !window.tessera.loadingTiles().includes(k), other.key, `tile ${other.key} opens`,
    () => window.tessera.openTiles());
  if ((await hook(sophie, () => window.tessera.page())) !== null) throw new Error('the page is still shown');
  return `${other.key} opened`;
});

step('no uncaught JavaScript error on the pages', false, async () => {
  if (pageErrors.length) throw new Error(pageErrors.slice(0, 3).join(' | '));
  return notes.join('; ');
});

run('dashboard.mjs', 200_000, (p) => {
  lea = p;
});
