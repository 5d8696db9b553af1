#!/usr/bin/env node
// Browser test of the collaborative editor, against a running server.
//
//   TESSERA_URL=http://127.0.0.1:18080 TESSERA_USER=lea TESSERA_PASSWORD=... \
//   TESSERA_SCREENSHOT_DIR=/tmp/shots node tests/browser/edit.mjs
//
// A correction session with real mouse and keyboard actions on the map (Debian's chromium via
// playwright-core, TESSERA_CHROMIUM): log in, open a tile with features, select a polygon and
// set its classes with the palette, then with a digit shortcut, confirm it, claim the tile,
// drag a vertex (reshape), split a polygon with a line, undo the split (Ctrl+Z), redo it and
// undo it again; after every edit the ack is awaited and checked (versions, classes, areas,
// feature counts, "All changes saved"). Screenshot edit.png at the end.
// Prints one line per check and, last, exactly "N passed, M failed"; exits 1 on any failure.
// Every wait is bounded and the whole run stops after 150 s at the latest.
import { join } from 'node:path';
import { SHOTS, USER, WAIT_MS, budget, login, pageErrors, record, run, step, waitForAck as ackOf } from './harness.mjs';


let page;
let box; // the map element's bounding box
let tile; // { key, x, y, size }
let target; // the polygon under edit: its id
let resolution; // of the view fitted to the tile
const notes = [];

// ------------------------------------------------------------------ helpers

const hook = (fn, arg) => page.evaluate(fn, arg);
const waitForAck = (prevId, what) => ackOf(page, prevId, what, { warnings: true });
const feature = (id) => hook((i) => window.tessera.featureById(i), id);
const field = async (name) => ((await page.locator(`#feature-panel [data-field="${name}"]`).first().textContent({ timeout: budget(3_000) })) ?? '').trim();
const mapPx = (p) => [box.x + p[0], box.y + p[1]];


const lastAckId = () => hook(() => window.tessera.lastAck()?.changeSetId ?? '');

async function expectSaved() {
  await page.locator('#save-state[data-state="saved"]').waitFor({ timeout: budget() });
  const text = (await page.textContent('#save-state'))?.trim();
  if (text !== 'All changes saved') throw new Error(`save state reads "${text}"`);
}

/** Clicks (a real mouse click) the interior of polygon `id` in the select tool. */
async function clickFeature(id, modifiers = []) {
  const f = await feature(id);
  if (!f?.interiorPixel) throw new Error(`polygon ${id} is not on screen`);
  for (const m of modifiers) await page.keyboard.down(m);
  await page.mouse.click(...mapPx(f.interiorPixel));
  for (const m of modifiers) await page.keyboard.up(m);
  // OpenLayers takes two clicks within 250 ms for a double click (zoom): none follows too soon.
  await page.waitForTimeout(300);
}

/** Where a click lands on the map itself: not under the tool bar or the controls, in map pixels. */
async function safeArea() {
  const tb = await page.locator('#toolbar').boundingBox();
  return { minx: 50, miny: (tb ? tb.y + tb.height - box.y : 60) + 12, maxx: box.width - 20, maxy: box.height - 45 };
}

/** The view must still show the tile as fitted (a stray double click would zoom it). */
async function checkView() {
  const r = await hook(() => window.tessera.map.getView().getResolution());
  if (Math.abs(r - resolution) > 1e-6) {
    notes.push(`view resolution changed ${resolution.toFixed(3)} → ${r.toFixed(3)}; fitted again`);
    await hook(([x, y, s]) => window.tessera.fit([x, y, x + s, y + s]), [tile.x, tile.y, tile.size]);
  }
}

/** Waits until polygon `id` is the one the info panel shows; says what is selected otherwise. */
async function waitSelected(id) {
  const ok = await page.waitForFunction((i) => document.getElementById('feature-panel')?.dataset.featureId === String(i), id, { timeout: budget(5_000) })
    .then(() => true, () => false);
  if (ok) return;
  const s = await hook(() => ({ sel: window.tessera.selectedIds(), tool: window.tessera.tool(), panel: document.getElementById('feature-panel')?.dataset.featureId }));
  throw new Error(`clicked polygon ${id}, but the selection is ${JSON.stringify(s.sel)} (tool ${s.tool}, panel "${s.panel}")`);
}

async function selectTarget() {
  await checkView();
  if (await hook(() => window.tessera.tool()) !== 'select') await page.keyboard.press('Escape');
  await page.keyboard.press('Escape'); // clears the selection, so that the click below is what selects
  await clickFeature(target);
  await waitSelected(target);
}

// Segment intersection in pixels, to choose a vertex move that keeps the outline simple.
function cross(a, b, c, d) {
  const o = (p, q, r) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return o(a, b, c) * o(a, b, d) < 0 && o(c, d, a) * o(c, d, b) < 0;
}
function simple(ring) {
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (cross(ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n])) return false;
    }
  }
  return true;
}

/** Vertex moves of ~20 px that keep polygon `f` simple and inside the tile, best first. */
function vertexMoves(f, tilePx) {
  const ring = f.vertices.map((v) => v.pixel);
  const out = [];
  const [cx, cy] = f.interiorPixel;
  f.vertices.forEach((v, i) => {
    if (v.onBorder || !v.pixel) return;
    const [x, y] = v.pixel;
    const len = Math.hypot(cx - x, cy - y) || 1;
    const dirs = [[(cx - x) / len, (cy - y) / len], [(x - cx) / len, (y - cy) / len], [1, 0], [0, 1], [-1, 0], [0, -1]];
    for (const [dx, dy] of dirs) {
      const to = [x + 20 * dx, y + 20 * dy];
      if (to[0] < tilePx.minx + 8 || to[0] > tilePx.maxx - 8 || to[1] < tilePx.miny + 8 || to[1] > tilePx.maxy - 8) continue;
      const moved = ring.map((p, k) => (k === i ? to : p));
      // Keep clear of the other vertices (the snap would pull the vertex onto them).
      if (ring.some((p, k) => k !== i && Math.hypot(p[0] - to[0], p[1] - to[1]) < 14)) continue;
      if (simple(moved)) out.push({ index: i, from: [x, y], to });
    }
  });
  return out;
}

// ------------------------------------------------------------------ steps

step('login', true, async () => {
  const who = await login(page);
  await expectSaved();
  return who;
});

step('the editing tool bar is shown with shortcut tooltips', false, async () => {
  const titles = await page.$$eval('#toolbar button', (bs) => bs.map((b) => `${b.id}|${b.title}`));
  const want = { 'tool-select': 'S', 'tool-reshape': 'R', 'tool-split': 'X', 'tool-draw': 'D', 'tool-merge': 'M', 'tool-confirm': 'C', 'tool-undo': 'Ctrl+Z', 'tool-redo': 'Ctrl+' };
  for (const [id, key] of Object.entries(want)) {
    const t = titles.find((x) => x.startsWith(`${id}|`));
    if (!t || !t.includes(key)) throw new Error(`${id}: tooltip "${t ?? 'missing'}"`);
  }
  return `${titles.length} tools`;
});

step('a tile with features is opened', true, async () => {
  await page.waitForFunction(() => (window.tessera?.tileCount() ?? 0) > 0 || !document.querySelector('.map-hint')?.hidden, null, { timeout: budget() });
  const res = await page.evaluate(async () => {
    const p = await (await fetch('api/v1/project')).json();
    const r = await fetch(`api/v1/tiles?bbox=${p.extent.join(',')}`);
    return { project: p, status: r.status, body: await r.json() };
  });
  let list = res.status === 200 ? res.body.tiles : await hook(() => window.tessera.tiles());
  list ??= [];
  const editable = list.filter((t) => ['todo', 'in_progress', 'rejected'].includes(t.state) && t.features >= 6);
  editable.sort((a, b) => b.features - a.features);
  tile = editable[0];
  if (!tile) throw new Error(`no editable tile with features among ${list.length}`);
  tile.size ||= res.project.tile_size_m || 1000;
  const { x, y, size } = tile;
  // The tile fills the map, so that ~20 px moves stay inside one polygon.
  await hook(([x, y, s]) => window.tessera.fit([x, y, x + s, y + s]), [x, y, size]);
  await page.waitForFunction((k) => window.tessera.tiles().some((t) => t.key === k), tile.key, { timeout: budget() });
  box = await page.locator('#map').boundingBox();
  const c = await hook(([x, y]) => window.tessera.pixelOf(x, y), [x + size / 2, y + size / 2]);
  await page.mouse.click(...mapPx(c));
  await page.waitForFunction((k) => window.tessera.openTiles().includes(k) && !window.tessera.loadingTiles().includes(k)
    && window.tessera.featureIds(k).length > 0, tile.key, { timeout: budget() });
  await page.waitForTimeout(400); // the next click must not make a double click with this one
  resolution = await hook(() => window.tessera.map.getView().getResolution());
  const n = await hook((k) => window.tessera.featureIds(k).length, tile.key);
  return `${tile.key} (${tile.state}, ${n} polygons)`;
});

step('a click selects a polygon and the info panel shows it', true, async () => {
  // The largest polygon without holes that lies whole in the clickable part of the map, with a
  // vertex off the tile border: room to drag a vertex and to draw a line across it.
  const area = await safeArea();
  target = await hook(([k, a]) => {
    const t = window.tessera;
    const inside = (f) => f.vertices.every((v) => v.pixel && v.pixel[0] > a.minx + 25 && v.pixel[0] < a.maxx - 25 && v.pixel[1] > a.miny + 25 && v.pixel[1] < a.maxy - 25);
    const all = t.featureIds(k).map((id) => t.featureById(id)).filter((f) => f.interiorPixel && f.vertices.some((v) => !v.onBorder) && inside(f));
    // Simple polygons first (a hole only makes the vertex and the line harder to place).
    all.sort((x, y) => Math.sign(x.holes) - Math.sign(y.holes) || y.areaM2 - x.areaM2);
    return all[0]?.id ?? null;
  }, [tile.key, area]);
  if (target === null) throw new Error('no polygon wholly on screen with a vertex inside the tile');
  await selectTarget();
  const ids = await hook(() => window.tessera.selectedIds());
  if (ids.length !== 1 || ids[0] !== target) throw new Error(`selection ${JSON.stringify(ids)}`);
  const f = await feature(target);
  return `polygon ${target} (${f.areaM2.toFixed(0)} m², ${f.vertices.length} vertices, ${f.holes} holes), ${await field('cs-code')} + ${await field('us-code')}, version ${await field('version')}`;
});

step('the palette sets the classes (typed filter, click, Apply)', false, async () => {
  const before = await feature(target);
  const cs = before.codeCs === 'CS2.1.2' ? 'CS2.2.2' : 'CS2.1.2';
  const [us, word] = before.codeUs === 'US6.2' ? ['US6.6', 'inconnu'] : ['US6.2', 'abandon'];
  const prev = await lastAckId();
  await page.keyboard.press('p');
  await page.locator('#palette').waitFor({ state: 'visible', timeout: budget(5_000) });
  // By code for CS, by (French) label for US.
  await page.locator('#palette-search').pressSequentially(cs.slice(2), { delay: 20 });
  let shown = await page.$$eval('#palette-cs .palette-item', (els) => els.map((e) => e.dataset.code));
  if (!shown.includes(cs) || shown.length > 2) throw new Error(`filter "${cs.slice(2)}" shows ${JSON.stringify(shown)}`);
  await page.click(`#palette-cs .palette-item[data-code="${cs}"]`);
  await page.fill('#palette-search', '');
  await page.locator('#palette-search').pressSequentially(word, { delay: 20 });
  shown = await page.$$eval('#palette-us .palette-item', (els) => els.map((e) => e.dataset.code));
  if (!shown.includes(us) || shown.length > 2) throw new Error(`filter "${word}" shows ${JSON.stringify(shown)}`);
  await page.click(`#palette-us .palette-item[data-code="${us}"]`);
  await page.click('#palette-apply');
  const ack = await waitForAck(prev, 'set class');
  await expectSaved();
  const after = await feature(target);
  if (after.codeCs !== cs || after.codeUs !== us) throw new Error(`classes now ${after.codeCs} + ${after.codeUs}`);
  if (after.version !== before.version + 1) throw new Error(`version ${before.version} → ${after.version}`);
  const [pc, pu, pv] = [await field('cs-code'), await field('us-code'), await field('version')];
  if (pc !== cs || pu !== us || pv !== String(before.version + 1)) throw new Error(`panel shows ${pc} + ${pu}, version ${pv}`);
  return `${before.codeCs}+${before.codeUs} v${before.version} → ${cs}+${us} v${after.version} (ack seq ${ack.seq})`;
});

step('a digit shortcut sets a frequent CS/US pair', false, async () => {
  await selectTarget();
  const before = await feature(target);
  const keys = await page.$$eval('#help-classes tr[data-shortcut]', (rows) => rows.map((r) => ({ key: r.dataset.shortcut, codes: [...r.querySelectorAll('code')].map((c) => c.textContent) })));
  const k = keys.find((x) => x.codes[0] !== before.codeCs && x.codes[1] !== before.codeUs);
  if (!k) throw new Error('no shortcut listed in the help overlay');
  const prev = await lastAckId();
  await page.keyboard.press(k.key);
  await waitForAck(prev, `key ${k.key}`);
  await expectSaved();
  const after = await feature(target);
  if (after.codeCs !== k.codes[0] || after.codeUs !== k.codes[1] || after.version !== before.version + 1) {
    throw new Error(`after key ${k.key}: ${after.codeCs} + ${after.codeUs} v${after.version}`);
  }
  if ((await field('cs-code')) !== k.codes[0]) throw new Error(`panel shows ${await field('cs-code')}`);
  return `key ${k.key} → ${k.codes.join(' + ')}, version ${after.version}`;
});

step('the help overlay lists the shortcuts on "?"', false, async () => {
  await page.keyboard.press('?');
  await page.locator('#help-overlay').waitFor({ state: 'visible', timeout: budget(3_000) });
  const n = await page.locator('#help-classes tr').count();
  await page.keyboard.press('Escape');
  await page.locator('#help-overlay').waitFor({ state: 'hidden', timeout: budget(3_000) });
  if (n < 5) throw new Error(`${n} class shortcuts listed`);
  return `${n} class shortcuts`;
});

step('"c" confirms a polygon not yet reviewed', false, async () => {
  const other = await hook(([k, t, a]) => {
    const w = window.tessera;
    const ok = (p) => p && p[0] > a.minx && p[0] < a.maxx && p[1] > a.miny && p[1] < a.maxy;
    const all = w.featureIds(k).map((id) => w.featureById(id)).filter((f) => f.id !== t && !f.reviewed && ok(f.interiorPixel));
    all.sort((x, y) => y.areaM2 - x.areaM2);
    return all[0]?.id ?? null;
  }, [tile.key, target, await safeArea()]);
  if (other === null) throw new Error('every polygon is reviewed already');
  await page.keyboard.press('Escape');
  await clickFeature(other);
  await waitSelected(other);
  const before = await feature(other);
  const prev = await lastAckId();
  await page.keyboard.press('c');
  await waitForAck(prev, 'confirm');
  const after = await feature(other);
  if (!after.reviewed || after.version !== before.version + 1) throw new Error(`reviewed ${after.reviewed}, version ${before.version} → ${after.version}`);
  if ((await field('reviewed')) !== 'Yes') throw new Error(`panel: reviewed "${await field('reviewed')}"`);
  return `polygon ${other}: version ${after.version}, reviewed`;
});

step('"Work on this tile" claims the lease', false, async () => {
  const holder = await page.getAttribute('#lease-holder', 'data-holder');
  if (holder && holder !== USER) {
    // Held by someone else (a database used before): the panel must say so and not offer it.
    if (!(await page.locator('#lease-claim').isDisabled())) throw new Error(`held by ${holder} but the claim button is enabled`);
    return `held by ${holder}: shown, claim disabled`;
  }
  if (holder !== USER) await page.click('#lease-claim');
  await page.waitForFunction(() => /You are working/.test(document.getElementById('lease-holder')?.textContent ?? ''), null, { timeout: budget(5_000) });
  return (await page.textContent('#lease-holder'))?.trim();
});

step('reshape: dragging a vertex ~20 px is acknowledged', false, async () => {
  await selectTarget();
  await page.keyboard.press('r');
  await page.waitForFunction(() => window.tessera.tool() === 'reshape', null, { timeout: budget(3_000) });
  const f = await feature(target);
  const a = await hook(([x, y]) => window.tessera.pixelOf(x, y), [tile.x, tile.y + tile.size]);
  const b = await hook(([x, y]) => window.tessera.pixelOf(x, y), [tile.x + tile.size, tile.y]);
  const safe = await safeArea();
  const moves = vertexMoves(f, { minx: Math.max(a[0], safe.minx), miny: Math.max(a[1], safe.miny), maxx: Math.min(b[0], safe.maxx), maxy: Math.min(b[1], safe.maxy) });
  if (!moves.length) throw new Error('no vertex can move 20 px and keep the polygon simple');
  const errors = [];
  for (const m of moves.slice(0, 4)) {
    const prev = await lastAckId();
    const cur = await feature(target);
    await page.mouse.move(...mapPx(m.from));
    await page.mouse.move(...mapPx([m.from[0] + 0.5, m.from[1] + 0.5]));
    await page.mouse.down();
    await page.mouse.move(...mapPx([(m.from[0] + m.to[0]) / 2, (m.from[1] + m.to[1]) / 2]), { steps: 4 });
    await page.mouse.move(...mapPx(m.to), { steps: 4 });
    await page.mouse.up();
    try {
      const ack = await waitForAck(prev, 'reshape');
      const after = await feature(target);
      if (after.version !== cur.version + 1) throw new Error(`version ${cur.version} → ${after.version}`);
      if (Math.abs(after.areaM2 - cur.areaM2) < 0.01) throw new Error(`area unchanged (${cur.areaM2} m²)`);
      await expectSaved();
      await page.keyboard.press('Escape');
      return `vertex ${m.index} moved; version ${after.version}, area ${cur.areaM2.toFixed(1)} → ${after.areaM2.toFixed(1)} m²; ${ack.features.length} polygons changed`;
    } catch (e) {
      errors.push(String(e.message ?? e));
      if ((await hook(() => window.tessera.pendingCount())) > 0) break;
    }
  }
  await page.keyboard.press('Escape');
  throw new Error(errors.join(' / '));
});

let beforeSplit = -1;
step('split: a line across a polygon adds polygons', true, async () => {
  await selectTarget();
  const f = await feature(target);
  const before = await hook((k) => window.tessera.featureIds(k).length, tile.key);
  const xs = f.vertices.map((v) => v.pixel[0]);
  const ys = f.vertices.map((v) => v.pixel[1]);
  const [cx, cy] = f.interiorPixel;
  // Two clicks outside the polygon on opposite sides, across its interior point.
  const lines = [
    [[Math.min(...xs) - 12, cy], [Math.max(...xs) + 12, cy]],
    [[cx, Math.min(...ys) - 12], [cx, Math.max(...ys) + 12]],
  ];
  const errors = [];
  for (const [p, q] of lines) {
    const prev = await lastAckId();
    await page.keyboard.press('x');
    await page.waitForFunction(() => window.tessera.tool() === 'split', null, { timeout: budget(3_000) });
    await page.mouse.click(...mapPx(p));
    await page.waitForTimeout(350); // not a double click
    await page.mouse.dblclick(...mapPx(q));
    try {
      const ack = await waitForAck(prev, 'split');
      await expectSaved();
      const after = await hook((k) => window.tessera.featureIds(k).length, tile.key);
      if (after <= before) throw new Error(`${before} polygons before, ${after} after`);
      beforeSplit = before;
      if (!ack.created.length) throw new Error('the ack lists no created polygon');
      return `${before} → ${after} polygons (created ${ack.created.join(', ')})`;
    } catch (e) {
      errors.push(String(e.message ?? e));
      await page.keyboard.press('Escape');
    }
  }
  throw new Error(errors.join(' / '));
});

let splitCount = 0;
// A split may create more than one polygon (a line can cut a polygon into three): undo must
// bring back the count from before it.
step('Ctrl+Z undoes the split', false, async () => {
  const afterSplit = await hook((k) => window.tessera.featureIds(k).length, tile.key);
  splitCount = afterSplit;
  const prev = await lastAckId();
  await page.keyboard.press('Control+z');
  await waitForAck(prev, 'undo');
  await expectSaved();
  const n = await hook((k) => window.tessera.featureIds(k).length, tile.key);
  if (n !== beforeSplit) throw new Error(`${beforeSplit} before the split, ${afterSplit} after, ${n} after undo`);
  return `${afterSplit} → ${n} polygons`;
});

step('Ctrl+Shift+Z redoes it and Ctrl+Z undoes it again', false, async () => {
  let prev = await lastAckId();
  await page.keyboard.press('Control+Shift+z');
  await waitForAck(prev, 'redo');
  let n = await hook((k) => window.tessera.featureIds(k).length, tile.key);
  if (n !== splitCount) throw new Error(`${n} polygons after redo, ${splitCount} expected`);
  prev = await lastAckId();
  await page.keyboard.press('Control+z');
  await waitForAck(prev, 'undo again');
  await expectSaved();
  n = await hook((k) => window.tessera.featureIds(k).length, tile.key);
  if (n !== beforeSplit) throw new Error(`${n} polygons after the second undo, ${beforeSplit} expected`);
  return `${splitCount} ↔ ${n} polygons`;
});

step('screenshot edit.png after the session', false, async () => {
  await selectTarget();
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(SHOTS, 'edit.png') });
  return notes.join('; ');
});

step('no uncaught JavaScript error on the page', false, async () => {
  if (pageErrors.length) throw new Error(pageErrors.slice(0, 3).join(' | '));
});

run('edit.mjs', 150_000, (p) => {
  page = p;
});
