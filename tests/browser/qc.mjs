#!/usr/bin/env node
// Browser test of the quality controls in the editor, against a running server.
//
//   TESSERA_URL=http://127.0.0.1:18080 TESSERA_USER=lea TESSERA_PASSWORD=... \
//   TESSERA_SCREENSHOT_DIR=/tmp/shots node tests/browser/qc.mjs
//
// Real mouse and keyboard actions on the page (Debian's chromium via playwright-core): log in,
// open a tile (preferably one without blocking issues, so that it can be submitted at the end)
// and read its quality panel (counts, groups, markers on the map); draw a 20 m × 20 m polygon
// in the middle of a large polygon (400 m², under the 2,500 m² minimum mapping unit), see the
// panel list the below_mmu issue as introduced by this change, its marker emphasised, and the
// Submit button disabled with the reason; zoom out, click the issue and see the map centred on
// it with its polygon selected (screenshot qc.png); undo the drawing and see the issue fixed;
// "Check tile" runs the whole-tile check; "Submit" submits the tile (its state shows in the
// tile panel and the grid; Submit is then disabled saying why). Screenshot qc-submitted.png.
// Prints one line per check and, last, exactly "N passed, M failed"; exits 1 on any failure.
// Every wait is bounded and the whole run stops after 150 s at the latest.
import { join } from 'node:path';
import { SHOTS, budget, login, pageErrors, run, step, waitForAck as ackOf, waitUntil as untilOn } from './harness.mjs';

let page;
let box; // the map element's bounding box
let tile; // { key, x, y, size, state }
let initial; // the tile's QC when opened: { blocking, warnings }
let spot; // where the square is drawn: { x, y, host }
let drawnId = null; // the polygon drawn
let introducedKey = ''; // its below_mmu issue
const notes = [];

// ------------------------------------------------------------------ helpers

const hook = (fn, arg) => page.evaluate(fn, arg);
const waitForAck = (prevId, what) => ackOf(page, prevId, what, { warnings: true });
const waitUntil = (fn, arg, what, describe, ms) => untilOn(page, fn, arg, what, describe, ms);
const qc = (key) => hook((k) => window.tessera.qc(k), key);
const mapPx = (p) => [box.x + p[0], box.y + p[1]];
const lastAckId = () => hook(() => window.tessera.lastAck()?.changeSetId ?? '');



const panelState = () => {
  const p = document.getElementById('qc-panel');
  const s = document.getElementById('qc-submit');
  return {
    tile: p?.dataset.tile, known: p?.dataset.known, blocking: p?.dataset.blocking, warnings: p?.dataset.warnings,
    seq: p?.dataset.seq, wholeSeq: p?.dataset.wholeSeq, state: p?.dataset.state,
    submitDisabled: s?.disabled, submitTitle: s?.title, reason: document.getElementById('qc-submit-reason')?.textContent,
    lastChange: document.getElementById('qc-last-change')?.textContent ?? null,
    rows: [...document.querySelectorAll('#qc-issues .qc-issue')].length,
  };
};

/** Opens a tile by a real click on its centre; waits for its polygons and its quality report. */
async function openTile(t) {
  await hook(([x, y, s]) => window.tessera.fit([x, y, x + s, y + s]), [t.x, t.y, t.size]);
  const c = await hook(([x, y]) => window.tessera.pixelOf(x, y), [t.x + t.size / 2, t.y + t.size / 2]);
  await page.mouse.click(...mapPx(c));
  await waitUntil((k) => window.tessera.openTiles().includes(k) && !window.tessera.loadingTiles().includes(k)
    && window.tessera.featureIds(k).length > 0 && window.tessera.qc(k)?.known, t.key, `tile ${t.key} opens with its quality report`,
  (k) => ({ open: window.tessera.openTiles(), loading: window.tessera.loadingTiles(), qc: !!window.tessera.qc(k) }));
  // The next click must not make a double click with this one.
  await page.waitForTimeout(300);
}

/** Distance from a point to a closed ring's edges (metres). */
function ringDistance(p, ring) {
  let best = Infinity;
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i], b = ring[(i + 1) % ring.length];
    const dx = b[0] - a[0], dy = b[1] - a[1];
    const len2 = dx * dx + dy * dy || 1;
    const u = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
    best = Math.min(best, Math.hypot(p[0] - a[0] - u * dx, p[1] - a[1] - u * dy));
  }
  return best;
}

function inside(p, ring) {
  let c = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

// ------------------------------------------------------------------ steps

step('login', true, async () => {
  const who = await login(page);
  const empty = await page.locator('#qc-panel').textContent();
  if (!/Open a tile/.test(empty ?? '')) throw new Error(`quality panel before any tile: "${empty}"`);
  return who;
});

step('a tile is opened and its quality panel shows the counts', true, async () => {
  await page.waitForFunction(() => (window.tessera?.tileCount() ?? 0) > 0 || !document.querySelector('.map-hint')?.hidden, null, { timeout: budget() });
  const res = await page.evaluate(async () => {
    const p = await (await fetch('api/v1/project')).json();
    const r = await fetch(`api/v1/tiles?bbox=${p.extent.join(',')}`);
    return { project: p, status: r.status, body: await r.json() };
  });
  const list = (res.status === 200 ? res.body.tiles : await hook(() => window.tessera.tiles())) ?? [];
  // Few large polygons: room to draw in one. Open candidates until one has no blocking issue
  // (and some warnings, to see the list), so that it can be submitted at the end.
  const candidates = list.filter((t) => ['todo', 'in_progress', 'rejected'].includes(t.state) && t.features >= 5)
    .sort((a, b) => a.features - b.features || a.key.localeCompare(b.key));
  if (!candidates.length) throw new Error(`no editable tile with features among ${list.length}`);
  box = await page.locator('#map').boundingBox();
  const tried = [];
  let fallback = null;
  for (const t of candidates.slice(0, 5)) {
    t.size ||= res.project.tile_size_m || 1000;
    await openTile(t);
    const q = await qc(t.key);
    tried.push(`${t.key}: ${q.blocking} blocking, ${q.warnings} warnings`);
    if (q.blocking === 0 && q.warnings > 0) {
      tile = t;
      break;
    }
    if (q.blocking === 0 && !fallback) fallback = t;
  }
  tile ??= fallback ?? candidates[0];
  if (tried.length > 1) notes.push(`tried ${tried.join('; ')}`);
  // The others are closed (the sidebar's × buttons): the tile worked on is then the chosen one.
  const key = tile.key;
  for (const k of await hook(() => window.tessera.openTiles())) {
    if (k !== key) await page.click(`#open-tiles li[data-key="${k}"] button[aria-label="Close tile ${k}"]`);
  }
  await waitUntil((k) => window.tessera.openTiles().join() === k, key, 'only the chosen tile stays open', () => window.tessera.openTiles());
  await hook(([x, y, s]) => window.tessera.fit([x, y, x + s, y + s]), [tile.x, tile.y, tile.size]);
  await page.keyboard.press('Escape');
  await waitUntil((k) => document.getElementById('qc-panel')?.dataset.tile === k, key, `the quality panel shows tile ${key}`, panelState);
  const q = await qc(key);
  initial = { blocking: q.blocking, warnings: q.warnings };
  const p = await hook(panelState);
  if (p.known !== 'true' || p.blocking !== String(q.blocking) || p.warnings !== String(q.warnings)) throw new Error(`panel ${JSON.stringify(p)} vs ${q.blocking}/${q.warnings}`);
  const totals = (await page.textContent('#qc-totals'))?.replace(/\s+/g, ' ').trim();
  const want = `${q.blocking} blocking issue${q.blocking === 1 ? '' : 's'} · ${q.warnings} warning${q.warnings === 1 ? '' : 's'}`;
  if (totals !== want) throw new Error(`totals read "${totals}", expected "${want}"`);
  // Groups: blocking first, then warnings, with counts that add up to the rows.
  const groups = await page.$$eval('#qc-issues .qc-group', (gs) => gs.map((g) => ({
    severity: g.dataset.severity, count: Number(g.dataset.count), rows: g.querySelectorAll('.qc-issue').length,
    codes: [...g.querySelectorAll('.qc-code')].map((c) => `${c.dataset.code}:${c.dataset.count}`),
  })));
  const order = groups.map((g) => g.severity).join(',');
  if (!['', 'blocking', 'warning', 'blocking,warning'].includes(order)) throw new Error(`groups in order ${order}`);
  for (const g of groups) if (g.count !== g.rows) throw new Error(`group ${g.severity}: count ${g.count}, ${g.rows} rows`);
  if (q.issues.length !== groups.reduce((n, g) => n + g.rows, 0)) throw new Error(`${q.issues.length} issues, ${p.rows} rows`);
  const markers = await hook((k) => window.tessera.qcMarkers(k), key);
  if (markers.length !== q.issues.length) throw new Error(`${markers.length} markers for ${q.issues.length} issues`);
  return `${key} (${tile.state}): "${totals}"; ${groups.map((g) => `${g.severity} [${g.codes.join(' ')}]`).join(', ') || 'no issue'}; ${markers.length} markers`;
});

step('a 20 m × 20 m polygon drawn in a large polygon is acknowledged', true, async () => {
  // The point farthest inside the largest polygons (without holes first).
  const polys = await hook((k) => window.tessera.featureIds(k).map((id) => window.tessera.featureById(id))
    .map((f) => ({ id: f.id, codeCs: f.codeCs, codeUs: f.codeUs, area: f.areaM2, holes: f.holes, ring: f.vertices.map((v) => [v.x, v.y]) })), tile.key);
  polys.sort((a, b) => Math.sign(a.holes) - Math.sign(b.holes) || b.area - a.area);
  let best = null;
  for (const f of polys.slice(0, 4)) {
    const xs = f.ring.map((p) => p[0]), ys = f.ring.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const step = Math.max(5, Math.min(x1 - x0, y1 - y0) / 40);
    for (let x = x0 + step / 2; x < x1; x += step) {
      for (let y = y0 + step / 2; y < y1; y += step) {
        if (!inside([x, y], f.ring)) continue;
        const d = ringDistance([x, y], f.ring);
        if (!best || d > best.d) best = { x, y, d, host: f };
      }
    }
    if (best && best.d > 60) break;
  }
  if (!best || best.d < 35) throw new Error(`no point 35 m inside a polygon (best ${best?.d?.toFixed(1)} m)`);
  spot = best;
  // Zoomed in (~0.15 m a pixel): the square is large on screen, far from any snapping edge.
  await hook(([x, y]) => window.tessera.fit([x - 60, y - 60, x + 60, y + 60]), [spot.x, spot.y]);
  const corners = [[-10, -10], [10, -10], [10, 10], [-10, 10]].map(([dx, dy]) => [spot.x + dx, spot.y + dy]);
  const px = [];
  for (const c of corners) px.push(await hook(([x, y]) => window.tessera.pixelOf(x, y), c));
  const prev = await lastAckId();
  const before = await hook((k) => window.tessera.featureIds(k).length, tile.key);
  await page.keyboard.press('d');
  await waitUntil(() => window.tessera.tool() === 'draw', null, 'the draw tool is on', () => window.tessera.tool());
  for (const p of px.slice(0, 3)) {
    await page.mouse.click(...mapPx(p));
    await page.waitForTimeout(350); // not a double click
  }
  await page.mouse.dblclick(...mapPx(px[3]));
  await page.locator('#palette').waitFor({ state: 'visible', timeout: budget(5_000) });
  // Classes unlike the host's: a meadow in a forest, a forest in anything else.
  const chip = spot.host.codeCs.startsWith('CS2.1.1') ? '1' : '2';
  await page.click(`#palette .chip[data-shortcut="${chip}"]`);
  const ack = await waitForAck(prev, 'draw');
  if (ack.created.length !== 1) throw new Error(`created ${JSON.stringify(ack.created)}`);
  drawnId = ack.created[0];
  const after = await hook((k) => window.tessera.featureIds(k).length, tile.key);
  const f = await hook((i) => window.tessera.featureById(i), drawnId);
  if (!f || Math.abs(f.areaM2 - 400) > 15) throw new Error(`drawn polygon ${drawnId}: ${f?.areaM2} m²`);
  return `polygon ${drawnId} (${f.codeCs} + ${f.codeUs}, ${f.areaM2.toFixed(1)} m²) in ${spot.host.id} (${spot.host.codeCs}, ${spot.d.toFixed(0)} m from its edge); ${before} → ${after} polygons; ack: ${ack.introduced.length} introduced, ${ack.fixed.length} fixed, ${ack.blocking} blocking`;
});

step('the panel lists the below_mmu issue as introduced by my change; its marker is emphasised', true, async () => {
  const ack = await hook(() => window.tessera.lastAck());
  const issue = ack.introduced.find((i) => i.code === 'below_mmu' && i.features.includes(drawnId));
  if (!issue) throw new Error(`the ack introduced ${JSON.stringify(ack.introduced)}`);
  if (issue.severity !== 'blocking') throw new Error(`severity ${issue.severity}`);
  introducedKey = issue.key;
  const row = page.locator(`#qc-issues .qc-issue[data-key="${issue.key}"]`);
  await row.waitFor({ state: 'visible', timeout: budget(5_000) });
  const [introduced, code, severity, text] = [await row.getAttribute('data-introduced'), await row.getAttribute('data-code'),
    await row.getAttribute('data-severity'), (await row.locator('.qc-message').textContent())?.trim()];
  if (introduced !== 'true' || code !== 'below_mmu' || severity !== 'blocking') throw new Error(`row: introduced ${introduced}, ${code}, ${severity}`);
  if (!(await row.locator('xpath=ancestor::div[@data-severity="blocking"]').count())) throw new Error('the row is not in the blocking group');
  const line = page.locator('#qc-last-change');
  const lineText = (await line.textContent())?.trim() ?? '';
  const n = ack.introduced.length;
  if (!lineText.includes(`+${n} introduced`) || (await line.getAttribute('data-introduced')) !== String(n)) throw new Error(`last change line "${lineText}"`);
  const q = await qc(tile.key);
  if (q.blocking !== ack.blocking || q.blocking < initial.blocking + 1) throw new Error(`blocking ${initial.blocking} → ${q.blocking} (ack says ${ack.blocking})`);
  const p = await hook(panelState);
  if (p.blocking !== String(q.blocking)) throw new Error(`panel says ${p.blocking} blocking`);
  const markers = await hook((k) => window.tessera.qcMarkers(k), tile.key);
  const m = markers.find((x) => x.key === issue.key);
  if (!m || m.severity !== 'blocking' || !m.mine) throw new Error(`marker ${JSON.stringify(m)}`);
  const emphasized = await hook(() => window.tessera.qcEmphasized());
  if (emphasized < 1) throw new Error('no marker emphasised');
  return `"${text}"; "${lineText}"; ${q.blocking} blocking; marker at ${m.pixel?.map(Math.round)} (${emphasized} emphasised)`;
});

step('Submit is disabled and says why', false, async () => {
  const q = await qc(tile.key);
  const submit = page.locator('#qc-submit');
  if (!(await submit.isDisabled())) throw new Error('Submit is enabled');
  const want = `${q.blocking} blocking issue${q.blocking === 1 ? '' : 's'} to fix before submitting`;
  const [title, reason] = [await submit.getAttribute('title'), (await page.textContent('#qc-submit-reason'))?.trim()];
  if (title !== want || reason !== want || !(await page.locator('#qc-submit-reason').isVisible())) throw new Error(`title "${title}", reason "${reason}", expected "${want}"`);
  return `"${reason}"`;
});

step('clicking the issue centres the map on it and selects its polygon (qc.png)', false, async () => {
  await page.keyboard.press('Escape'); // clears the selection (the drawing selected the new polygon)
  await waitUntil(() => window.tessera.selectedIds().length === 0, null, 'the selection is cleared', () => window.tessera.selectedIds());
  await hook(([x, y, s]) => window.tessera.fit([x, y, x + s, y + s]), [tile.x, tile.y, tile.size]);
  const wide = await hook(() => window.tessera.map.getView().getResolution());
  const q = await qc(tile.key);
  const issue = q.issues.find((i) => i.key === introducedKey);
  await page.click(`#qc-issues .qc-issue[data-key="${introducedKey}"]`);
  await waitUntil(([x, y, r]) => {
    const v = window.tessera.map.getView();
    const c = v.getCenter();
    return !v.getAnimating() && Math.hypot(c[0] - x, c[1] - y) < 1 && v.getResolution() < r / 2;
  }, [issue.x, issue.y, wide], 'the view is centred on the issue, zoomed in',
  () => ({ center: window.tessera.map.getView().getCenter(), resolution: window.tessera.map.getView().getResolution() }));
  await waitUntil((id) => JSON.stringify(window.tessera.selectedIds()) === JSON.stringify([id]), drawnId, `polygon ${drawnId} is selected`, () => window.tessera.selectedIds());
  const focused = await page.locator(`#qc-issues .qc-issue.focused[data-key="${introducedKey}"]`).count();
  if (!focused) throw new Error('the clicked row is not marked');
  const panel = await page.getAttribute('#feature-panel', 'data-feature-id');
  if (panel !== String(drawnId)) throw new Error(`the info panel shows ${panel}`);
  await page.screenshot({ path: join(SHOTS, 'qc.png') });
  const r = await hook(() => window.tessera.map.getView().getResolution());
  return `resolution ${wide.toFixed(2)} → ${r.toFixed(2)} m/px, centred on (${issue.x.toFixed(1)}, ${issue.y.toFixed(1)})`;
});

step('Ctrl+Z undoes the drawing and the issue is fixed', true, async () => {
  const prev = await lastAckId();
  await page.keyboard.press('Control+z');
  const ack = await waitForAck(prev, 'undo');
  if (!ack.fixed.some((i) => i.key === introducedKey)) throw new Error(`the undo fixed ${JSON.stringify(ack.fixed)}`);
  await waitUntil((k) => !document.querySelector(`#qc-issues .qc-issue[data-key="${k}"]`), introducedKey, 'the row is gone', panelState);
  const line = page.locator('#qc-last-change');
  const lineText = (await line.textContent())?.trim() ?? '';
  if (!lineText.includes(`\u2212${ack.fixed.length} fixed`) || (await line.getAttribute('data-fixed')) !== String(ack.fixed.length)) throw new Error(`last change line "${lineText}"`);
  const q = await qc(tile.key);
  if (q.issues.some((i) => i.key === introducedKey)) throw new Error('the issue is still listed');
  if (q.blocking !== initial.blocking) throw new Error(`blocking ${initial.blocking} at first, ${q.blocking} after the undo`);
  const markers = await hook((k) => window.tessera.qcMarkers(k), tile.key);
  if (markers.some((m) => m.key === introducedKey)) throw new Error('its marker is still on the map');
  if (await hook((i) => window.tessera.featureById(i), drawnId)) throw new Error(`polygon ${drawnId} is still there`);
  return `"${lineText}"; ${q.blocking} blocking, ${q.warnings} warnings`;
});

step('"Check tile" runs the whole-tile check', false, async () => {
  const before = await qc(tile.key);
  if (before.wholeTileSeq >= before.seq) notes.push(`whole-tile check already at ${before.wholeTileSeq} (seq ${before.seq})`);
  else if (!(await page.locator('#qc-stale').isVisible())) throw new Error('no note that the tile changed since its last whole check');
  await page.click('#qc-check');
  await waitUntil(() => {
    const q = window.tessera.qc();
    return q && !q.checking && q.wholeTileSeq === q.seq && q.wholeTileSeq > 0;
  }, null, 'the report of the whole tile arrives', () => window.tessera.qc());
  await waitUntil(() => !document.getElementById('qc-stale') && !document.getElementById('qc-check').disabled, null, 'the panel shows it', panelState);
  const q = await qc(tile.key);
  return `whole-tile check at seq ${q.wholeTileSeq}: ${q.blocking} blocking, ${q.warnings} warnings`;
});

step('Submit submits the tile; its state shows and Submit says why it is now disabled (qc-submitted.png)', false, async () => {
  const q = await qc(tile.key);
  const submit = page.locator('#qc-submit');
  if (q.blocking > 0) {
    // A tile with blocking issues of its own (another data set): it cannot be submitted.
    if (!(await submit.isDisabled())) throw new Error(`${q.blocking} blocking issues, but Submit is enabled`);
    return `not submitted: ${q.blocking} blocking issues in the data (Submit disabled: "${await submit.getAttribute('title')}")`;
  }
  await waitUntil(() => !document.getElementById('qc-submit').disabled, null, 'Submit is enabled', panelState);
  await submit.click();
  await waitUntil((k) => window.tessera.tiles().find((t) => t.key === k)?.state === 'submitted' && window.tessera.qc(k)?.state === 'submitted',
    tile.key, 'the tile is submitted', (k) => ({ grid: window.tessera.tiles().find((t) => t.key === k)?.state, panel: document.getElementById('qc-panel')?.dataset.state }));
  await waitUntil(() => /Submitted/.test(document.querySelector('#tile-panel .panel-title')?.textContent ?? ''), null, 'the tile panel shows it',
    () => document.querySelector('#tile-panel .panel-title')?.textContent);
  const [title, reason] = [await submit.getAttribute('title'), (await page.textContent('#qc-submit-reason'))?.trim()];
  if (!(await submit.isDisabled()) || !/submitted for review: no longer open for editing/.test(title ?? '') || reason !== title) throw new Error(`Submit: disabled ${await submit.isDisabled()}, "${title}" / "${reason}"`);
  const toastText = await page.locator('.toast-success .toast-text').first().textContent({ timeout: budget(3_000) }).catch(() => '');
  await hook(([x, y, s]) => window.tessera.fit([x - s / 2, y - s / 2, x + 1.5 * s, y + 1.5 * s]), [tile.x, tile.y, tile.size]);
  await page.waitForFunction(() => !window.tessera.map.getView().getAnimating(), null, { timeout: budget(3_000) });
  await page.screenshot({ path: join(SHOTS, 'qc-submitted.png') });
  return `"${reason}"; toast "${toastText?.trim()}"`;
});

step('no uncaught JavaScript error on the page', false, async () => {
  if (pageErrors.length) throw new Error(pageErrors.slice(0, 3).join(' | '));
  return notes.join('; ');
});

run('qc.mjs', 150_000, (p) => {
  page = p;
});
