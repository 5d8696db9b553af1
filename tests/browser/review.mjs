#!/usr/bin/env node
// Browser test of the review workflow (SPEC §2–3), three people in three browser contexts:
//
//   TESSERA_URL=http://127.0.0.1:18080 TESSERA_USER=lea TESSERA_PASSWORD=... \
//   TESSERA_CONTROLLER=marc TESSERA_LEAD=sophie TESSERA_SCREENSHOT_DIR=/tmp/shots node tests/browser/review.mjs
//
// (with_server.sh creates marc, a controller, and sophie, a lead, with the same password.)
// Real mouse and keyboard actions on the page (Debian's chromium via playwright-core):
// the contributor opens a tile without blocking issues, changes the classes of a polygon inside
// it and submits it (the tool bar then says the tile is not open for editing); the controller,
// in a second browser, finds it in the review queue, opens it, claims the review (the
// contributor is told), sees the prediction against the correction with the swipe (screenshot
// review-swipe.png) and side by side (review-side.png), the changed polygon outlined and listed
// with its classes before → after, and rejects the tile with a reason, a comment and a comment
// pinned on that polygon; the contributor is told, sees the pin on the map, finds the tile on
// their "My work" page with the reason, the comment and the pinned comment (my-work.png),
// opens it from there with the pin on the map (review-pins.png), corrects it and submits it
// again; the lead, in a third browser, claims it, releases it, claims it again and approves it,
// and the contributor sees it approved; the lead reopens it and the contributor may edit it
// again; "Next tile" opens the best tile open for editing. Prints one line per check and, last, exactly "N passed, M failed"; exits 1 on any
// failure. Every wait is bounded and the whole run stops after 240 s at the latest.
import { join } from 'node:path';
import { PASSWORD, SHOTS, budget, login, newPage, pageErrors, run, step, waitForAck, waitUntil } from './harness.mjs';

const CONTROLLER = process.env.TESSERA_CONTROLLER || 'marc';
const LEAD = process.env.TESSERA_LEAD || 'sophie';
const CONTROLLER_PASSWORD = process.env.TESSERA_CONTROLLER_PASSWORD || PASSWORD;
const LEAD_PASSWORD = process.env.TESSERA_LEAD_PASSWORD || PASSWORD;
const PIN_TEXT = 'This is a pasture, not a crop field: see the hedges on the imagery.';
const REJECT_COMMENT = 'One polygon has the wrong classes; see the pinned comment.';

let lea; // the contributor's page
let marc; // the controller's
let sophie; // the lead's
let tile; // { key, x, y, size, state }
let edited; // { id, before: {cs, us}, after: {cs, us} }
const notes = [];

// ------------------------------------------------------------------ helpers

const hook = (page, fn, arg) => page.evaluate(fn, arg);


async function mapPx(page, p) {
  const box = await page.locator('#map').boundingBox();
  return [box.x + p[0], box.y + p[1]];
}

async function fitTile(page) {
  await hook(page, ([x, y, s]) => window.tessera.fit([x, y, x + s, y + s]), [tile.x, tile.y, tile.size]);
}


const lastAckId = (page) => hook(page, () => window.tessera.lastAck()?.changeSetId ?? '');

/** Opens a tile by a real click on its centre; waits for its polygons and its quality report. */
async function openByClick(page, t) {
  await hook(page, ([x, y, s]) => window.tessera.fit([x, y, x + s, y + s]), [t.x, t.y, t.size]);
  const c = await hook(page, ([x, y]) => window.tessera.pixelOf(x, y), [t.x + t.size / 2, t.y + t.size / 2]);
  await page.mouse.click(...(await mapPx(page, c)));
  await waitOpen(page, t.key);
}

async function waitOpen(page, key) {
  await waitUntil(page, (k) => window.tessera.openTiles().includes(k) && !window.tessera.loadingTiles().includes(k)
    && window.tessera.featureIds(k).length > 0 && window.tessera.qc(k)?.known, key, `tile ${key} opens with its quality report`,
  (k) => ({ open: window.tessera.openTiles(), loading: window.tessera.loadingTiles() }));
  await page.waitForTimeout(300); // the next click must not make a double click with this one
}

async function closeOthers(page, key) {
  for (const k of await hook(page, () => window.tessera.openTiles())) {
    if (k !== key) await page.click(`#open-tiles li[data-key="${k}"] button[aria-label="Close tile ${k}"]`);
  }
  await waitUntil(page, (k) => window.tessera.openTiles().join() === k, key, 'only the chosen tile stays open', () => window.tessera.openTiles());
}

/** A toast whose text matches, within the wait. */
async function toastText(page, re, what) {
  const h = await page.waitForFunction((src) => {
    const r = new RegExp(src);
    return [...document.querySelectorAll('.toast .toast-text')].map((e) => e.textContent.trim()).find((t) => r.test(t)) ?? null;
  }, re.source, { timeout: budget() }).catch(() => null);
  if (!h) {
    const all = await page.$$eval('.toast .toast-text', (es) => es.map((e) => e.textContent.trim()));
    throw new Error(`${what}: no toast /${re.source}/ (toasts: ${JSON.stringify(all)})`);
  }
  return h.jsonValue();
}

/**
 * Changes the classes of `id` with the palette shortcuts (a real click on the polygon, then a
 * digit), trying shortcuts until the tile keeps no blocking issue; returns the classes after.
 */
async function reclassify(page, id, avoid) {
  await fitTile(page);
  await page.keyboard.press('Escape');
  for (const key of ['6', '5', '9', '2', '3', '1', '7', '8']) {
    const f = await hook(page, (i) => window.tessera.featureById(i), id);
    const shortcut = await page.$eval(`#help-classes tr[data-shortcut="${key}"]`, (tr) => tr.textContent);
    if (shortcut.includes(f.codeCs) && shortcut.includes(f.codeUs)) continue; // the same classes
    if (avoid && shortcut.includes(avoid.cs) && shortcut.includes(avoid.us)) continue;
    await page.mouse.click(...(await mapPx(page, f.interiorPixel)));
    await waitUntil(page, (i) => JSON.stringify(window.tessera.selectedIds()) === JSON.stringify([i]), id, `polygon ${id} is selected`, () => window.tessera.selectedIds());
    const prev = await lastAckId(page);
    await page.keyboard.press(key);
    const ack = await waitForAck(page, prev, `shortcut ${key}`);
    if (ack.blocking === 0) {
      const after = await hook(page, (i) => window.tessera.featureById(i), id);
      return { cs: after.codeCs, us: after.codeUs, key };
    }
    notes.push(`shortcut ${key} made ${ack.blocking} blocking issue(s): undone`);
    const prevUndo = await lastAckId(page);
    await page.keyboard.press('Control+z');
    await waitForAck(page, prevUndo, 'undo');
    await page.waitForTimeout(300);
  }
  throw new Error(`no class change of polygon ${id} keeps the tile free of blocking issues`);
}

async function submit(page) {
  await waitUntil(page, () => !document.getElementById('qc-submit').disabled, null, 'Submit is enabled',
    () => document.getElementById('qc-submit')?.title);
  await page.click('#qc-submit');
  await waitUntil(page, (k) => window.tessera.tiles().find((t) => t.key === k)?.state === 'submitted', tile.key, 'the tile is submitted',
    (k) => window.tessera.tiles().find((t) => t.key === k)?.state);
}

/** The review queue in `page`, then the tile opened from it with "Claim review" offered. */
async function openFromQueue(page) {
  await page.click('#nav-review');
  await page.locator('#page[data-page="review-queue"][data-loaded="true"]').waitFor({ timeout: budget() });
  const row = page.locator(`#review-queue-list .queue-row[data-tile="${tile.key}"]`);
  await row.waitFor({ timeout: budget(5_000) });
  const cells = (await row.locator('td').allTextContents()).map((t) => t.trim());
  await page.click(`.queue-open[data-tile="${tile.key}"]`);
  await page.locator('#page').waitFor({ state: 'hidden', timeout: budget(5_000) });
  await waitOpen(page, tile.key);
  await page.waitForFunction(() => !window.tessera.map.getView().getAnimating(), null, { timeout: budget(3_000) });
  await waitUntil(page, (k) => window.tessera.review(k)?.mode === 'claimable', tile.key, 'the review panel offers the claim', (k) => window.tessera.review(k));
  return cells;
}

async function claim(page) {
  await waitUntil(page, () => !document.getElementById('review-claim')?.disabled, null, '"Claim review" is enabled',
    () => document.getElementById('review-claim')?.title);
  await page.click('#review-claim');
  await waitUntil(page, (k) => window.tessera.review(k)?.mode === 'reviewing', tile.key, 'the review is claimed', (k) => window.tessera.review(k));
}

// ------------------------------------------------------------------ steps

step('the contributor logs in: "My work" and "Next tile", no review queue', true, async () => {
  const who = await login(lea);
  const [work, next, review] = await Promise.all(['#nav-my-work', '#next-tile', '#nav-review'].map((s) => lea.locator(s).count()));
  if (work !== 1 || next !== 1 || review !== 0) throw new Error(`my work ${work}, next tile ${next}, review ${review}`);
  return who;
});

step('the contributor opens a tile without blocking issues', true, async () => {
  await lea.waitForFunction(() => (window.tessera?.tileCount() ?? 0) > 0, null, { timeout: budget() });
  const res = await lea.evaluate(async () => {
    const p = await (await fetch('api/v1/project')).json();
    const r = await fetch(`api/v1/tiles?bbox=${p.extent.join(',')}`);
    return { project: p, status: r.status, body: await r.json() };
  });
  const list = (res.status === 200 ? res.body.tiles : await hook(lea, () => window.tessera.tiles())) ?? [];
  const candidates = list.filter((t) => t.state === 'todo' && t.features >= 5)
    .sort((a, b) => a.features - b.features || a.key.localeCompare(b.key));
  if (!candidates.length) throw new Error(`no todo tile with features among ${list.length}`);
  const tried = [];
  for (const t of candidates.slice(0, 6)) {
    t.size ||= res.project.tile_size_m || 1000;
    await openByClick(lea, t);
    const q = await hook(lea, (k) => window.tessera.qc(k), t.key);
    tried.push(`${t.key}: ${q.blocking} blocking`);
    if (q.blocking === 0) {
      tile = t;
      break;
    }
  }
  if (!tile) throw new Error(`every candidate has blocking issues (${tried.join('; ')})`);
  await closeOthers(lea, tile.key);
  await fitTile(lea);
  if (await hook(lea, () => window.tessera.editLock())) throw new Error(`the tool bar is locked: ${await hook(lea, () => window.tessera.editLock())}`);
  return `${tile.key}, ${tile.features} polygons${tried.length > 1 ? ` (tried ${tried.join('; ')})` : ''}`;
});

step('the contributor changes the classes of a polygon inside the tile', true, async () => {
  const polys = await hook(lea, (k) => window.tessera.featureIds(k).map((id) => window.tessera.featureById(id))
    .map((f) => ({ id: f.id, cs: f.codeCs, us: f.codeUs, area: f.areaM2, border: f.vertices.some((v) => v.onBorder), pixel: f.interiorPixel })), tile.key);
  const box = await lea.locator('#map').boundingBox();
  // A large polygon whose inside is clear of the tool bar and the map's edges; one away from the
  // tile's border first (its class change cannot touch the edge matching with the neighbours).
  const inner = polys.filter((p) => p.pixel && p.pixel[1] > 110 && p.pixel[0] > 60 && p.pixel[0] < box.width - 60 && p.pixel[1] < box.height - 60)
    .sort((a, b) => Number(a.border) - Number(b.border) || b.area - a.area);
  if (!inner.length) throw new Error(`no polygon to click among ${polys.length}`);
  const target = inner[0];
  const after = await reclassify(lea, target.id);
  edited = { id: target.id, before: { cs: target.cs, us: target.us }, after };
  return `polygon ${target.id} (${Math.round(target.area)} m²): ${target.cs} + ${target.us} → ${after.cs} + ${after.us} (shortcut ${after.key})`;
});

step('the contributor submits it; the tool bar then says the tile is not open for editing', true, async () => {
  await submit(lea);
  await waitUntil(lea, () => /submitted for review: not open for editing/.test(document.getElementById('toolbar-lock')?.textContent ?? ''), null,
    'the tool bar says why it is disabled', () => document.getElementById('toolbar-lock')?.textContent);
  const disabled = await lea.$$eval('#tool-draw, #tool-split, #tool-reshape, #tool-class', (bs) => bs.map((b) => b.disabled));
  if (disabled.some((d) => !d)) throw new Error(`editing tools enabled: ${disabled}`);
  const title = await lea.getAttribute('#tool-draw', 'title');
  if (!/not open for editing/.test(title ?? '')) throw new Error(`draw tool title "${title}"`);
  // The keyboard is refused too, with the reason.
  await lea.keyboard.press('d');
  if ((await hook(lea, () => window.tessera.tool())) !== 'select') throw new Error('the draw tool came on');
  return (await lea.textContent('#toolbar-lock'))?.trim();
});

step('the controller (second browser) finds the tile in the review queue and claims it; the contributor is told', true, async () => {
  marc = await newPage();
  await login(marc, CONTROLLER, CONTROLLER_PASSWORD);
  const cells = await openFromQueue(marc);
  if (!cells.includes(tile.key) || !cells.some((c) => c === 'lea')) throw new Error(`queue row ${JSON.stringify(cells)}`);
  await claim(marc);
  const said = await toastText(lea, new RegExp(`${CONTROLLER} is reviewing tile ${tile.key}`), 'the contributor');
  await waitUntil(lea, (k) => /in review by/.test(document.getElementById('toolbar-lock')?.textContent ?? '') && window.tessera.review(k)?.state === 'in_review', tile.key,
    "the contributor's tool bar says who reviews it", () => document.getElementById('toolbar-lock')?.textContent);
  return `queue row ${cells.filter(Boolean).join(' | ')}; contributor told "${said}"`;
});

step('the review view: prediction | correction with the swipe, the changed polygon outlined and listed (review-swipe.png)', true, async () => {
  await waitUntil(marc, (k) => {
    const r = window.tessera.review(k);
    return r && r.prediction > 0 && r.compare === 'swipe' && r.changes.length > 0;
  }, tile.key, 'the prediction is compared with the correction', (k) => window.tessera.review(k));
  const r = await hook(marc, (k) => window.tessera.review(k), tile.key);
  const change = r.changes.find((c) => c.id === edited.id);
  if (!change || change.kind !== 'reclassified') throw new Error(`change of ${edited.id}: ${JSON.stringify(change)} among ${JSON.stringify(r.changes.slice(0, 5))}`);
  if (change.before.cs !== edited.before.cs || change.before.us !== edited.before.us || change.after.cs !== edited.after.cs || change.after.us !== edited.after.us) {
    throw new Error(`classes ${JSON.stringify(change)} vs ${JSON.stringify(edited)}`);
  }
  if (r.highlighted.prediction < 1 || r.highlighted.current < 1) throw new Error(`highlighted ${JSON.stringify(r.highlighted)}`);
  const row = marc.locator(`#review-changes .change-row[data-id="${edited.id}"][data-kind="reclassified"]`);
  await row.waitFor({ timeout: budget(5_000) });
  const rowText = (await row.textContent())?.replace(/\s+/g, ' ').trim();
  if (!rowText.includes(edited.before.cs) || !rowText.includes(edited.after.cs)) throw new Error(`row "${rowText}"`);
  // The divider is dragged with the mouse to a third of the map.
  await fitTile(marc);
  const box = await marc.locator('#map').boundingBox();
  const grip = await marc.locator('#review-swipe .swipe-grip').boundingBox();
  await marc.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
  await marc.mouse.down();
  await marc.mouse.move(box.x + box.width * 0.4, grip.y + grip.height / 2, { steps: 8 });
  await marc.mouse.move(box.x + box.width / 3, grip.y + grip.height / 2, { steps: 4 });
  await marc.mouse.up();
  const fraction = await hook(marc, (k) => window.tessera.review(k).swipe, tile.key);
  if (Math.abs(fraction - 1 / 3) > 0.03) throw new Error(`the divider is at ${fraction}`);
  // Clicking the change shows the polygon (selected, in view).
  await row.click();
  await waitUntil(marc, (i) => JSON.stringify(window.tessera.selectedIds()) === JSON.stringify([i]) && !window.tessera.map.getView().getAnimating(), edited.id,
    'the changed polygon is selected', () => window.tessera.selectedIds());
  // The divider through the polygon: its predicted classes left, the new ones right.
  const f = await hook(marc, (i) => window.tessera.featureById(i), edited.id);
  await hook(marc, (x) => window.tessera.setSwipe(x), f.interiorPixel[0] / box.width);
  await marc.keyboard.press('Escape');
  await marc.waitForTimeout(200);
  await marc.screenshot({ path: join(SHOTS, 'review-swipe.png') });
  return `${r.changes.length} change(s): ${(await marc.textContent('#review-summary'))?.trim()}; #${edited.id} "${rowText}"; highlighted ${JSON.stringify(r.highlighted)}; divider dragged to ${fraction.toFixed(2)}`;
});

step('side by side: the prediction in a second map moving with the first (review-side.png)', false, async () => {
  await marc.click('#compare-side');
  await marc.locator('#compare-map canvas').first().waitFor({ timeout: budget(5_000) });
  const [side, main] = [await marc.locator('#compare-map').boundingBox(), await marc.locator('#map').boundingBox()];
  if (!(side.x + side.width <= main.x + 4 && Math.abs(side.width - main.width) < 8)) throw new Error(`side ${JSON.stringify(side)}, main ${JSON.stringify(main)}`);
  if ((await hook(marc, (k) => window.tessera.review(k).compare, tile.key)) !== 'side') throw new Error('not in side-by-side mode');
  if (await marc.locator('#review-swipe').isVisible()) throw new Error('the swipe divider is still shown');
  await fitTile(marc);
  await marc.waitForTimeout(400);
  await marc.screenshot({ path: join(SHOTS, 'review-side.png') });
  await marc.click('#compare-swipe');
  await marc.locator('#compare-map').waitFor({ state: 'detached', timeout: budget(5_000) });
  return `prediction ${Math.round(side.width)} px | correction ${Math.round(main.width)} px`;
});

step('the controller rejects with a reason, a comment and a comment pinned on the polygon', true, async () => {
  await fitTile(marc);
  await hook(marc, () => window.tessera.setSwipe(0.15));
  const f = await hook(marc, (i) => window.tessera.featureById(i), edited.id);
  await marc.check('#review-reason-wrong_class');
  await marc.fill('#review-reject-comment', REJECT_COMMENT);
  await marc.click('#review-pin');
  await waitUntil(marc, () => window.tessera.review().pinMode, null, 'pin mode is on', () => window.tessera.review());
  await marc.mouse.click(...(await mapPx(marc, f.interiorPixel)));
  await marc.locator('#review-draft-pins .draft-pin').first().waitFor({ timeout: budget(5_000) });
  const pinFeature = await marc.getAttribute('#review-draft-pins .draft-pin', 'data-feature');
  if (pinFeature !== String(edited.id)) throw new Error(`the pin is on polygon "${pinFeature}", not ${edited.id}`);
  const reject = marc.locator('#review-reject');
  if (!(await reject.isDisabled())) throw new Error('Reject is enabled with a pinned comment without text');
  const why = await reject.getAttribute('title');
  await marc.fill('#review-draft-pins .draft-pin textarea', PIN_TEXT);
  await waitUntil(marc, () => !document.getElementById('review-reject').disabled, null, 'Reject is enabled', () => document.getElementById('review-reject').title);
  const draft = await hook(marc, (k) => window.tessera.review(k), tile.key);
  if (draft.pins.filter((p) => p.draft).length !== 1) throw new Error(`draft pins ${JSON.stringify(draft.pins)}`);
  await reject.click();
  await waitUntil(marc, (k) => window.tessera.tiles().find((t) => t.key === k)?.state === 'rejected' && window.tessera.review(k).mode === 'idle', tile.key,
    'the tile is rejected', (k) => window.tessera.review(k));
  const after = await hook(marc, (k) => window.tessera.review(k), tile.key);
  if (after.compare !== 'off' || await marc.locator('#review-swipe').isVisible()) throw new Error('the comparison stayed after the review');
  return `disabled before the text: "${why}"; then rejected`;
});

step('the contributor is told, and sees the pinned comment on the map', true, async () => {
  const said = await toastText(lea, new RegExp(`${CONTROLLER} rejected tile ${tile.key}: Wrong class`), 'the contributor');
  await waitUntil(lea, ([k, text]) => window.tessera.review(k)?.pins.some((p) => !p.draft && p.text === text), [tile.key, PIN_TEXT],
    'the pin is on the map', ([k]) => window.tessera.review(k)?.pins);
  const r = await hook(lea, (k) => window.tessera.review(k), tile.key);
  const pin = r.pins.find((p) => !p.draft);
  if (pin.featureId !== edited.id || pin.reason !== 'wrong_class') throw new Error(`pin ${JSON.stringify(pin)}`);
  if (await hook(lea, () => window.tessera.editLock())) throw new Error('the rejected tile is still locked');
  return `"${said}"`;
});

step('"My work" lists the tile rejected, with the reason, the comment and the pinned comment (my-work.png)', false, async () => {
  await lea.click('#nav-my-work');
  await lea.locator('#page[data-page="my-work"][data-loaded="true"]').waitFor({ timeout: budget() });
  const row = lea.locator(`#my-work-list .work-row[data-tile="${tile.key}"]`);
  await row.waitFor({ timeout: budget(5_000) });
  const [state, outcome] = [await row.getAttribute('data-state'), await row.getAttribute('data-outcome')];
  if (state !== 'rejected' || outcome !== 'rejected') throw new Error(`row state ${state}, outcome ${outcome}`);
  const reasons = await row.locator('.review-reason').evaluateAll((es) => es.map((e) => e.dataset.reason));
  const pins = await row.locator('.work-pin .pin-text').allTextContents();
  const comment = (await row.locator('.work-comment').textContent())?.trim();
  if (reasons.join() !== 'wrong_class' || pins.join() !== PIN_TEXT || comment !== REJECT_COMMENT) throw new Error(`reasons ${reasons}, pins ${pins}, comment "${comment}"`);
  const cells = (await row.locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  await lea.screenshot({ path: join(SHOTS, 'my-work.png') });
  return cells.slice(0, 5).join(' | ');
});

step('closed, then opened from "My work": the rejected tile shows its pinned comment (review-pins.png)', true, async () => {
  if (await lea.locator('#page').isVisible()) await lea.click('#page-close');
  await lea.click(`#open-tiles li[data-key="${tile.key}"] button[aria-label="Close tile ${tile.key}"]`);
  await waitUntil(lea, (k) => !window.tessera.openTiles().includes(k), tile.key,
    'the tile is closed', () => window.tessera.openTiles());
  if ((await hook(lea, (k) => window.tessera.review(k)?.pins.length ?? 0, tile.key)) !== 0) throw new Error('pins left on the map');
  await lea.click('#nav-my-work');
  await lea.locator('#page[data-page="my-work"][data-loaded="true"]').waitFor({ timeout: budget() });
  await lea.click(`#my-work-list .work-row[data-tile="${tile.key}"] td:first-child`);
  await lea.locator('#page').waitFor({ state: 'hidden', timeout: budget(5_000) });
  await waitOpen(lea, tile.key);
  await waitUntil(lea, ([k, text]) => window.tessera.review(k)?.pins.some((p) => !p.draft && p.text === text), [tile.key, PIN_TEXT],
    'the pin is on the map again (from the reviews)', ([k]) => window.tessera.review(k));
  await lea.waitForFunction(() => !window.tessera.map.getView().getAnimating(), null, { timeout: budget(3_000) });
  const pin = (await hook(lea, (k) => window.tessera.review(k), tile.key)).pins.find((p) => !p.draft);
  const box = await lea.locator('#map').boundingBox();
  if (!pin.pixel || pin.pixel[0] < 0 || pin.pixel[1] < 0 || pin.pixel[0] > box.width || pin.pixel[1] > box.height) throw new Error(`pin off the map at ${pin.pixel}`);
  const listed = await lea.locator('#review-panel #review-pins .review-pin').count();
  if (listed !== 1) throw new Error(`${listed} pins listed in the review panel`);
  await lea.screenshot({ path: join(SHOTS, 'review-pins.png') });
  return `pin at ${pin.pixel.map(Math.round)}; panel: ${(await lea.textContent('#review-last'))?.replace(/\s+/g, ' ').trim().slice(0, 160)}`;
});

step('the contributor corrects the polygon again and resubmits', true, async () => {
  const after = await reclassify(lea, edited.id, edited.after);
  edited.after2 = after;
  await submit(lea);
  return `${edited.after.cs} + ${edited.after.us} → ${after.cs} + ${after.us}; submitted`;
});

step('the lead (third browser) claims the review, releases it, claims it again and approves; the contributor is told', true, async () => {
  sophie = await newPage();
  await login(sophie, LEAD, LEAD_PASSWORD);
  await openFromQueue(sophie);
  await claim(sophie);
  // Released, the tile goes back to the queue (the contributor is told); claimed again.
  await waitUntil(sophie, () => !document.getElementById('review-release')?.disabled, null, '"Release review" is enabled', () => window.tessera.review());
  await sophie.click('#review-release');
  await waitUntil(sophie, (k) => window.tessera.review(k)?.mode === 'claimable' && window.tessera.review(k)?.compare === 'off', tile.key,
    'the review is released', (k) => window.tessera.review(k));
  const released = await toastText(lea, new RegExp(`${LEAD} released the review of tile ${tile.key}`), 'the contributor');
  await claim(sophie);
  // The previous rejection's pin is shown to the next reviewer.
  await waitUntil(sophie, ([k, text]) => window.tessera.review(k)?.pins.some((p) => !p.draft && p.text === text), [tile.key, PIN_TEXT],
    "the previous rejection's pin is on the map", ([k]) => window.tessera.review(k));
  await waitUntil(sophie, (k) => window.tessera.review(k)?.changes.length > 0, tile.key, 'the changes are listed', (k) => window.tessera.review(k));
  const change = (await hook(sophie, (k) => window.tessera.review(k), tile.key)).changes.find((c) => c.id === edited.id);
  if (change?.after?.cs !== edited.after2.cs || change?.after?.us !== edited.after2.us) throw new Error(`change ${JSON.stringify(change)}`);
  await sophie.fill('#review-approve-comment', 'Good now, thanks.');
  await waitUntil(sophie, () => !document.getElementById('review-approve').disabled, null, 'Approve is enabled', () => document.getElementById('review-approve').title);
  await sophie.click('#review-approve');
  await waitUntil(sophie, (k) => window.tessera.tiles().find((t) => t.key === k)?.state === 'approved', tile.key, 'the tile is approved',
    (k) => window.tessera.review(k));
  const said = await toastText(lea, new RegExp(`${LEAD} approved tile ${tile.key}`), 'the contributor');
  await waitUntil(lea, (k) => window.tessera.tiles().find((t) => t.key === k)?.state === 'approved'
    && /approved: not open for editing/.test(document.getElementById('toolbar-lock')?.textContent ?? '')
    && !window.tessera.review(k).pins.length, tile.key,
  "the contributor's map shows it approved, locked, without the pins", (k) => ({ lock: window.tessera.editLock(), review: window.tessera.review(k) }));
  return `"${released}"; "${said}"`;
});

step('"My work" then says approved', false, async () => {
  await lea.click('#nav-my-work');
  await lea.locator('#page[data-page="my-work"][data-loaded="true"]').waitFor({ timeout: budget() });
  const row = lea.locator(`#my-work-list .work-row[data-tile="${tile.key}"]`);
  const [state, outcome] = [await row.getAttribute('data-state'), await row.getAttribute('data-outcome')];
  if (state !== 'approved' || outcome !== 'approved') throw new Error(`row state ${state}, outcome ${outcome}`);
  await lea.click('#page-close');
  return `${state}, ${(await row.locator('.work-review').textContent())?.replace(/\s+/g, ' ').trim()}`;
});

step('the lead reopens the approved tile with a reason; the contributor may edit it again', false, async () => {
  await waitUntil(sophie, () => !document.getElementById('review-reopen')?.hidden && !document.getElementById('review-reopen')?.disabled, null,
    '"Reopen" is offered to the lead', () => document.getElementById('review-reopen')?.outerHTML);
  await sophie.fill('#review-reopen-reason', 'The hedges need another look.');
  await sophie.click('#review-reopen');
  await waitUntil(sophie, (k) => window.tessera.tiles().find((t) => t.key === k)?.state === 'in_progress', tile.key, 'the tile is reopened',
    (k) => window.tessera.review(k));
  const said = await toastText(lea, new RegExp(`${LEAD} reopened tile ${tile.key}: The hedges need another look`), 'the contributor');
  await waitUntil(lea, () => window.tessera.editLock() === null && !document.getElementById('tool-draw').disabled, null,
    "the contributor's tool bar is enabled again", () => window.tessera.editLock());
  return `"${said}"`;
});

step('"Next tile" opens the best tile open for editing', false, async () => {
  const before = await hook(lea, () => window.tessera.openTiles());
  await lea.click('#next-tile');
  const said = await toastText(lea, /^Next tile: /, 'the contributor');
  const key = /^Next tile: (\S+) /.exec(said)?.[1];
  await waitUntil(lea, (k) => window.tessera.openTiles().includes(k) && !window.tessera.loadingTiles().includes(k), key, `tile ${key} opens`,
    () => window.tessera.openTiles());
  const state = await hook(lea, (k) => window.tessera.tiles().find((t) => t.key === k)?.state, key);
  if (!['todo', 'in_progress', 'rejected'].includes(state)) throw new Error(`tile ${key} is ${state}`);
  return `"${said}" (open before: ${before.join(', ')})`;
});

step('no uncaught JavaScript error on the pages', false, async () => {
  if (pageErrors.length) throw new Error(pageErrors.slice(0, 3).join(' | '));
  return notes.join('; ');
});

run('review.mjs', 240_000, (p) => {
  lea = p;
});
