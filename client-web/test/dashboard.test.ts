import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dashboardPath, formatArea, formatCount, formatDuration, formatRate, maySeeDashboards, num, parseConflicts, parseContributors,
  parseControllers, parseProgress, parseQc, parseStates, parseThroughput, parseZones, pct, percentages, periodRange, rankContributors,
  rankControllers, remaining, scopeStates, shortDay, stateBreakdown, topReasons, zoneTileKeys, type Contributor,
} from '../src/dashboard/data.js';
import {
  groupedBars, labelIndices, linearScale, linePath, maxOf, niceMax, pointXs, slotCenter, stackedAreas, stackSegments, ticks,
} from '../src/dashboard/chart.js';

// As GET /api/v1/dashboard/states answers (server/src/api/dashboards.cpp).
const STATES = {
  states: ['todo', 'in_progress', 'submitted', 'in_review', 'approved', 'rejected', 'published'],
  project: {
    tiles: 25, area_m2: 25_000_000,
    by_state: {
      todo: { tiles: 20, area_m2: 20_000_000 }, in_progress: { tiles: 2, area_m2: 2_000_000 }, submitted: { tiles: 1, area_m2: 1_000_000 },
      in_review: { tiles: 0, area_m2: 0 }, approved: { tiles: 2, area_m2: 2_000_000 }, rejected: { tiles: 0, area_m2: 0 }, published: { tiles: 0, area_m2: 0 },
    },
  },
  zones: [
    { zone: 'nord', tiles: 10, area_m2: 10_000_000, by_state: { todo: { tiles: 9, area_m2: 9_000_000 }, approved: { tiles: 1, area_m2: 1_000_000 } } },
    { zone: 'sud', tiles: 3, area_m2: 3_000_000, by_state: { todo: { tiles: 3, area_m2: 3_000_000 } } },
  ],
};

test('only leads and admins see the dashboards', () => {
  assert.equal(maySeeDashboards('lead'), true);
  assert.equal(maySeeDashboards('admin'), true);
  assert.equal(maySeeDashboards('controller'), false);
  assert.equal(maySeeDashboards('contributor'), false);
  assert.equal(maySeeDashboards(''), false);
});

test('numbers are read defensively', () => {
  assert.equal(num(3), 3);
  assert.equal(num('4.5'), 4.5);
  assert.equal(num(null), 0);
  assert.equal(num(undefined), 0);
  assert.equal(num('x'), 0);
  assert.equal(num(NaN), 0);
  assert.equal(num(Infinity), 0);
  assert.equal(num({}), 0);
});

test('states: the project and every zone; per-state rows in lifecycle order add up to the tiles', () => {
  const d = parseStates(STATES);
  assert.equal(d.project?.tiles, 25);
  assert.deepEqual(d.zones.map((z) => z.zone), ['nord', 'sud']);
  const b = stateBreakdown(scopeStates(d, null), d.states);
  assert.deepEqual(b.rows.map((r) => r.state), STATES.states);
  assert.equal(b.tiles, 25);
  assert.equal(b.sum, 25);
  assert.equal(b.done, 2);
  assert.equal(b.donePct, 8);
  assert.deepEqual(b.rows.map((r) => r.tilePct), [80, 8, 4, 0, 8, 0, 0]);
  assert.equal(b.rows.reduce((a, r) => a + r.areaPct, 0), 100);
  // A zone: the states it lacks count 0.
  const n = stateBreakdown(scopeStates(d, 'nord'), d.states);
  assert.equal(n.tiles, 10);
  assert.equal(n.sum, 10);
  assert.equal(n.rows.find((r) => r.state === 'in_review')?.tiles, 0);
  assert.equal(n.donePct, 10);
  assert.equal(scopeStates(d, 'nowhere'), null);
  // ?zone=NAME answers without the project.
  const one = parseStates({ states: STATES.states, zones: [STATES.zones[0]] });
  assert.equal(one.project, null);
  assert.equal(scopeStates(one, 'nord')?.tiles, 10);
});

test('states: missing or malformed fields never throw; unknown states are kept', () => {
  const empty = parseStates(null);
  assert.equal(empty.project, null);
  assert.deepEqual(empty.zones, []);
  assert.equal(empty.states.length, 7);
  const b = stateBreakdown(null);
  assert.equal(b.tiles, 0);
  assert.equal(b.rows.length, 7);
  assert.ok(b.rows.every((r) => r.tilePct === 0));
  // No totals: summed from the states; a state the client does not know is listed last.
  const d = parseStates({ project: { by_state: { todo: { tiles: '3', area_m2: 30 }, archived: { tiles: 1, area_m2: 10 }, bad: 'x' } } });
  assert.equal(d.project?.tiles, 4);
  assert.equal(d.project?.area_m2, 40);
  assert.deepEqual(d.states.slice(-2), ['archived', 'bad']);
  const r = stateBreakdown(d.project, d.states);
  assert.equal(r.sum, 4);
  assert.equal(r.rows.find((x) => x.state === 'archived')?.tiles, 1);
  assert.equal(parseStates({ zones: [{ name: 'est', tiles: 1 }] }).zones[0].zone, 'est');
});

test('percentages add up to 100 by largest remainders', () => {
  assert.deepEqual(percentages([1, 1, 1]), [34, 33, 33]);
  assert.deepEqual(percentages([2, 1]), [67, 33]);
  assert.deepEqual(percentages([0, 0]), [0, 0]);
  assert.deepEqual(percentages([]), []);
  assert.deepEqual(percentages([5, -1, NaN, 5]), [50, 0, 0, 50]);
  const p = percentages([24, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual(p, [96, 4, 0, 0, 0, 0, 0]);
  for (const vals of [[1, 2, 3, 4, 5, 6, 7], [999, 1, 1], [1, 1, 1, 1, 1, 1, 1], [0.3, 0.3, 0.4]]) {
    assert.equal(percentages(vals).reduce((a, v) => a + v, 0), 100, String(vals));
  }
  // A value never gets a point it does not have when others have remainders.
  assert.deepEqual(percentages([1, 0, 2]), [33, 0, 67]);
  assert.equal(pct(1, 3), 33);
  assert.equal(pct(1, 0), 0);
});

test('progress: days in order, states per day, what is left to finish', () => {
  const p = parseProgress({
    states: STATES.states,
    days: [
      { day: '2026-05-02', todo: 20, in_progress: 3, approved: 2, total: 25 },
      { day: '2026-05-01', todo: 25, total: 25 },
      { nope: 1 },
    ],
    zone: null,
  });
  assert.deepEqual(p.days.map((d) => d.day), ['2026-05-01', '2026-05-02']);
  assert.equal(p.days[1].tiles.in_progress, 3);
  assert.equal(p.days[1].tiles.published, 0);
  assert.deepEqual(remaining(p.days), [25, 23]);
  assert.equal(p.zone, null);
  assert.equal(parseProgress({ zone: 'nord', days: [{ day: '2026-05-01', todo: 2 }] }).days[0].total, 2);
  assert.equal(parseProgress({ zone: 'nord' }).zone, 'nord');
  assert.deepEqual(parseProgress(undefined).days, []);
  assert.equal(parseProgress({ days: [{ day: '2026-05-01', tiles: { todo: 4, approved: 1 } }] }).days[0].total, 5);
});

test('throughput: every key per day, totals from the answer or summed', () => {
  const t = parseThroughput({ days: [{ day: '2026-05-01', change_sets: 4, ops: 9, submissions: 1 }], totals: { change_sets: 4, ops: 9, submissions: 1, approvals: 0, rejections: 0, reopens: 0 } });
  assert.equal(t.days[0].approvals, 0);
  assert.equal(t.days[0].ops, 9);
  assert.equal(t.totals.change_sets, 4);
  const u = parseThroughput({ days: [{ day: '2026-05-02', change_sets: 2 }, { day: '2026-05-01', change_sets: 3, rejections: 1 }] });
  assert.deepEqual(u.days.map((d) => d.day), ['2026-05-01', '2026-05-02']);
  assert.equal(u.totals.change_sets, 5);
  assert.equal(u.totals.rejections, 1);
});

const person = (username: string, extra: Partial<Contributor> = {}): Contributor => ({
  user_id: 1, username, change_sets: 0, ops: 0, submissions: 0, tiles_submitted: 0, approved: 0, rejected: 0, approval_rate: null, rework: 0, ...extra,
});

test('contributors: rates, leaderboard order and shared ranks', () => {
  const c = parseContributors({
    contributors: [
      { user_id: 2, username: 'lea', change_sets: 2, ops: 3, submissions: 2, tiles_submitted: 1, approved: 1, rejected: 1, approval_rate: 0.5, rework: 1 },
      { user_id: 3, username: 'paul', change_sets: 5, approved: 2, rejected: 0 },
      { user_id: 0, username: null, change_sets: 1 },
    ],
    totals: { change_sets: 8, approval_rate: null },
  });
  assert.equal(c.contributors[0].approval_rate, 0.5);
  assert.equal(c.contributors[1].approval_rate, 1); // not given: computed from the verdicts
  assert.equal(c.contributors[2].approval_rate, null);
  assert.equal(c.contributors[2].username, '');
  assert.equal(c.totals.change_sets, 8);
  assert.ok(!('username' in c.totals));
  const ranked = rankContributors([
    person('b', { change_sets: 3, submissions: 1 }), person('a', { change_sets: 3, submissions: 1 }),
    person('c', { change_sets: 9 }), person('d', { change_sets: 3, submissions: 2 }), person('e', { change_sets: 3, submissions: 1, approval_rate: 0.9 }),
  ]);
  assert.deepEqual(ranked.map((r) => `${r.rank}${r.username}`), ['1c', '2d', '3e', '4a', '4b']);
});

test('controllers: reasons in the answer, totals, leaderboard', () => {
  const d = parseControllers({
    controllers: [
      { user_id: 4, username: 'marc', claimed: 3, approved: 1, rejected: 1, released: 1, lapsed: 0, median_review_s: 95, reasons: { wrong_class: 1, wrong_boundary: 0, odd_reason: 2 } },
      { user_id: 5, username: 'chloe', claimed: 2, approved: 2, rejected: 0, median_review_s: null, reasons: {} },
    ],
    totals: { claimed: 5, approved: 3, rejected: 1, released: 1, lapsed: 0, reasons: { wrong_class: 1, wrong_boundary: 0 } },
  });
  assert.equal(d.controllers[0].median_review_s, 95);
  assert.equal(d.controllers[1].median_review_s, null);
  assert.deepEqual(d.reasons, ['wrong_class', 'wrong_boundary', 'odd_reason']);
  assert.equal(d.totals.reasons.odd_reason, 2); // not in the totals: summed
  assert.equal(d.totals.claimed, 5);
  const r = rankControllers(d.controllers);
  assert.deepEqual(r.map((x) => [x.username, x.reviews, x.rank]), [['marc', 2, 1], ['chloe', 2, 2]]); // as many reviews: more claimed first
  assert.deepEqual(topReasons(d.controllers[0].reasons), [{ reason: 'odd_reason', count: 2 }, { reason: 'wrong_class', count: 1 }]);
  assert.deepEqual(parseControllers({}).controllers, []);
  assert.equal(parseControllers({ controllers: [{ claimed: 2 }] }).totals.claimed, 2);
});

test('quality issues and conflicts', () => {
  const q = parseQc({ issues: [{ code: 'below_mmu', severity: 'blocking', issues: 283, tiles: 15 }, { code: 'sliver', severity: 'warning', issues: 67, tiles: 16 }] });
  assert.deepEqual(q.totals, { blocking: 283, warning: 67 });
  assert.equal(parseQc({ issues: [], totals: { blocking: 1, warning: 2 } }).totals.warning, 2);
  const c = parseConflicts({ total: 3, days: [{ day: '2026-05-02', conflicts: 1, users: 1 }, { day: '2026-05-01', conflicts: 2, users: 2 }], tiles: [{ tile: '0866_6826', conflicts: 3, users: 2, last_at: '2026-05-02T10:00:00Z' }], users: [{ user_id: 2, username: 'lea', conflicts: 3, tiles: 1 }] });
  assert.equal(c.total, 3);
  assert.deepEqual(c.days.map((d) => d.day), ['2026-05-01', '2026-05-02']);
  assert.equal(c.tiles[0].tile, '0866_6826');
  assert.equal(parseConflicts({ days: [{ day: '2026-05-01', conflicts: 4 }] }).total, 4);
  assert.deepEqual(parseConflicts('nonsense'), { total: 0, days: [], tiles: [], users: [] });
});

test('zones: sorted by name; the tiles known only for zones defined by tiles', () => {
  const z = parseZones({ zones: [
    { name: 'sud', kind: 'commune', codes: ['55029'], tiles: 4, members: ['lea'] },
    { name: 'nord', kind: 'tiles', codes: ['0866_6829', '0867_6829'], tiles: 2 },
    { kind: 'tiles' },
  ] });
  assert.deepEqual(z.map((x) => x.name), ['nord', 'sud']);
  assert.deepEqual([...zoneTileKeys(z[0])!], ['0866_6829', '0867_6829']);
  assert.equal(zoneTileKeys(z[1]), null);
  assert.equal(zoneTileKeys(null), null);
  assert.deepEqual(z[0].members, []);
});

test('periods and URLs: each dashboard gets only the parameters it takes', () => {
  const now = new Date(Date.UTC(2026, 2, 3, 22, 0, 0));
  assert.deepEqual(periodRange('all', now), {});
  assert.deepEqual(periodRange('7d', now), { from: '2026-02-25', to: '2026-03-03' });
  assert.deepEqual(periodRange('30d', now), { from: '2026-02-02', to: '2026-03-03' });
  const p = { zone: 'nord ouest', from: '2026-02-25', to: '2026-03-03', limit: 10, by: 'tile', user: '' };
  assert.equal(dashboardPath('states', p), 'api/v1/dashboard/states?zone=nord+ouest');
  assert.equal(dashboardPath('states', p, true), 'api/v1/dashboard/states?zone=nord+ouest&format=csv');
  assert.equal(dashboardPath('progress', p), 'api/v1/dashboard/progress?zone=nord+ouest&from=2026-02-25&to=2026-03-03');
  assert.equal(dashboardPath('throughput', p, true), 'api/v1/dashboard/throughput?from=2026-02-25&to=2026-03-03&format=csv');
  assert.equal(dashboardPath('qc', p), 'api/v1/dashboard/qc');
  assert.equal(dashboardPath('controllers', {}, true), 'api/v1/dashboard/controllers?format=csv');
  assert.equal(dashboardPath('conflicts', p), 'api/v1/dashboard/conflicts?from=2026-02-25&to=2026-03-03&limit=10&by=tile');
  assert.equal(dashboardPath('contributors', { user: 'lea', zone: 'x' }), 'api/v1/dashboard/contributors?user=lea');
});

test('figures as text', () => {
  assert.equal(formatCount(1234567), '1\u202f234\u202f567');
  assert.equal(formatCount(12), '12');
  assert.equal(formatCount(-1500), '−1\u202f500');
  assert.equal(formatArea(0), '0 ha');
  assert.equal(formatArea(850), '850 m²');
  assert.equal(formatArea(25_000), '2.5 ha');
  assert.equal(formatArea(25_000_000), '2\u202f500 ha');
  assert.equal(formatArea(2_500_000_000), '2\u202f500 km²');
  assert.equal(formatDuration(null), '—');
  assert.equal(formatDuration(0), '0 s');
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(200), '3 min 20 s');
  assert.equal(formatDuration(180), '3 min');
  assert.equal(formatDuration(7500), '2 h 05 min');
  assert.equal(formatDuration(3 * 86400 + 4 * 3600 + 5), '3 d 4 h');
  assert.equal(formatDuration(86400), '1 d');
  assert.equal(formatRate(null), '—');
  assert.equal(formatRate(0.5), '50 %');
  assert.equal(formatRate(2 / 3), '67 %');
  assert.equal(shortDay('2026-05-01'), '1 May');
  assert.equal(shortDay('2026-11-21'), '21 Nov');
  assert.equal(shortDay('yesterday'), 'yesterday');
});

// ------------------------------------------------------------------ chart geometry

test('scales and ticks', () => {
  const y = linearScale(0, 10, 100, 0);
  assert.equal(y(0), 100);
  assert.equal(y(10), 0);
  assert.equal(y(5), 50);
  assert.equal(linearScale(3, 3, 7, 9)(100), 7);
  assert.deepEqual([0, 1, 3, 7, 11, 20, 26, 0.3, 1200].map(niceMax), [1, 1, 5, 10, 20, 20, 50, 0.5, 2000]);
  assert.deepEqual(ticks(25), [0, 10, 20, 30]);
  assert.deepEqual(ticks(0), [0, 1]);
  assert.deepEqual(ticks(1), [0, 1]);
  assert.deepEqual(ticks(3), [0, 1, 2, 3]);
  assert.deepEqual(ticks(100), [0, 25, 50, 75, 100]);
  assert.deepEqual(ticks(1, 4, false), [0, 0.25, 0.5, 0.75, 1]);
  for (const m of [1, 2, 7, 13, 99, 250, 1001]) {
    const t = ticks(m);
    assert.ok(t[t.length - 1] >= m, `top of ${m}`);
    assert.ok(t.length <= 7, `${m}: ${t}`);
    assert.ok(t.every((v) => Number.isInteger(v)));
  }
});

test('labels: at most the number asked, first and last always', () => {
  assert.deepEqual(labelIndices(0, 5), []);
  assert.deepEqual(labelIndices(1, 5), [0]);
  assert.deepEqual(labelIndices(4, 5), [0, 1, 2, 3]);
  for (const [n, m] of [[30, 6], [31, 6], [90, 10], [8, 3], [100, 2]]) {
    const l = labelIndices(n, m);
    assert.ok(l.length <= m, `${n}/${m}: ${l}`);
    assert.equal(l[0], 0);
    assert.equal(l[l.length - 1], n - 1);
    assert.deepEqual(l, [...l].sort((a, b) => a - b));
  }
  assert.deepEqual(labelIndices(10, 1), [9]);
});

test('a stacked bar: segments for positive values, widths adding up to the width', () => {
  const segs = stackSegments([{ key: 'todo', value: 24 }, { key: 'in_progress', value: 0 }, { key: 'approved', value: 1 }], 500);
  assert.deepEqual(segs.map((s) => s.key), ['todo', 'approved']);
  assert.equal(segs[0].x, 0);
  assert.equal(segs[0].w, 480);
  assert.equal(segs[1].x, 480);
  assert.equal(segs[1].w, 20);
  const thirds = stackSegments([{ key: 'a', value: 1 }, { key: 'b', value: 1 }, { key: 'c', value: 1 }], 100);
  assert.ok(Math.abs(thirds.reduce((a, s) => a + s.w, 0) - 100) < 1e-9);
  assert.equal(thirds[2].x + thirds[2].w, 100);
  assert.deepEqual(stackSegments([{ key: 'a', value: 0 }], 100), []);
  assert.deepEqual(stackSegments([{ key: 'a', value: 1 }], 0), []);
});

test('stacked areas: bands stacked from the bottom, a single day drawn across', () => {
  assert.deepEqual(pointXs(0, 100), []);
  assert.deepEqual(pointXs(1, 100), [0, 100]);
  assert.deepEqual(pointXs(3, 100), [0, 50, 100]);
  const areas = stackedAreas([
    { key: 'approved', values: [0, 5] },
    { key: 'rejected', values: [0, 0] },
    { key: 'todo', values: [10, 5] },
  ], 100, 50, 10);
  assert.deepEqual(areas.map((a) => a.key), ['approved', 'todo']);
  assert.deepEqual(areas[0].top, [50, 25]);
  assert.deepEqual(areas[1].top, [0, 0]);
  assert.equal(areas[0].path, 'M0,50L100,25L100,50L0,50Z');
  assert.equal(areas[1].path, 'M0,0L100,0L100,25L0,50Z');
  const one = stackedAreas([{ key: 'todo', values: [25] }], 200, 100, 50);
  assert.equal(one[0].path, 'M0,50L200,50L200,100L0,100Z');
  assert.deepEqual(stackedAreas([], 100, 100, 1), []);
  assert.equal(linePath([10, 0], 100, 50, 10), 'M0,0L100,50');
  assert.equal(linePath([5], 100, 50, 10), 'M0,25L100,25');
  assert.equal(linePath([], 100, 50, 10), '');
});

test('grouped bars: one per non-zero value, side by side in their slot, capped in width', () => {
  const rows = [{ a: 2, b: 0 }, { a: 1, b: 4 }];
  assert.equal(maxOf(rows, ['a', 'b']), 4);
  assert.equal(maxOf([], ['a']), 0);
  const bars = groupedBars(rows, ['a', 'b'], 200, 100, 4);
  assert.deepEqual(bars.map((b) => `${b.slot}${b.key}${b.value}`), ['0a2', '1a1', '1b4']);
  const [a0, a1, b1] = bars;
  assert.equal(a0.h, 50);
  assert.equal(a0.y, 50);
  assert.equal(b1.h, 100);
  assert.equal(b1.y, 0);
  assert.ok(a1.x >= 100 && b1.x + b1.w <= 200);
  assert.equal(b1.x, a1.x + a1.w);
  // Bars never wider than the cap, centred in a wide slot.
  const wide = groupedBars([{ a: 1 }], ['a'], 600, 100, 1);
  assert.equal(wide[0].w, 28);
  assert.equal(wide[0].x, 286);
  // Many days: at least one pixel each.
  const many = groupedBars(Array.from({ length: 500 }, () => ({ a: 1, b: 1 })), ['a', 'b'], 300, 10, 1);
  assert.ok(many.every((b) => b.w >= 1));
  assert.deepEqual(groupedBars([], ['a'], 100, 100, 1), []);
  assert.equal(slotCenter(0, 2, 200), 50);
  assert.equal(slotCenter(1, 2, 200), 150);
});
