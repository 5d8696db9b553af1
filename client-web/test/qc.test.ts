import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupIssues, mineText, QcStore, QcTile, submitBlockReason, toIssue, type SubmitContext, type WireIssueLike } from '../src/editor/qc.js';

const B = 1;
const W = 2;
const issue = (key: string, code: string, severity: number, features: number[] = [], message = key): WireIssueLike => ({
  key, code, severity, features, xCm: 88010050, yCm: 684010025, message, areaM2: 400,
});
const keys = (t: QcTile) => [...t.issues.keys()].sort();

function tile(): QcTile {
  const t = new QcTile('0880_6840');
  t.report({ seq: 10, wholeTileSeq: 10, blocking: 1, warnings: 1, issues: [issue('a', 'below_mmu', B, [1]), issue('b', 'sliver', W, [2])] });
  return t;
}

test('an issue is read in metres with its severity', () => {
  const i = toIssue(issue('k', 'overlap', B, [3, 4]));
  assert.deepEqual(i, { key: 'k', code: 'overlap', severity: 'blocking', features: [3, 4], x: 880100.5, y: 6840100.25, message: 'k', areaM2: 400 });
  assert.equal(toIssue({ key: 'u', severity: 0 }).severity, 'warning');
});

test('a delta removes the fixed keys, adds or replaces the introduced ones and takes the counts', () => {
  const t = tile();
  assert.ok(t.delta({ seq: 11, fixed: [issue('a', 'below_mmu', B)], introduced: [issue('c', 'below_mmu', B, [5]), issue('b', 'sliver', W, [2], 'thinner')], blocking: 1, warnings: 1 }, true));
  assert.deepEqual(keys(t), ['b', 'c']);
  assert.equal(t.issues.get('b')?.message, 'thinner');
  assert.equal(t.blocking, 1);
  assert.equal(t.seq, 11);
});

test('an ack and the push of the same change apply once; a late older delta does not undo a newer one', () => {
  const t = tile();
  const d = { seq: 12, introduced: [issue('c', 'below_mmu', B)], blocking: 2, warnings: 1 };
  t.delta(d, true);
  t.delta(d, false);
  assert.deepEqual(keys(t), ['a', 'b', 'c']);
  // seq 14 fixes c; seq 13, received after it, introduced it again: the later state wins
  t.delta({ seq: 14, fixed: [issue('c', 'below_mmu', B)], blocking: 1, warnings: 1 }, true);
  t.delta({ seq: 13, introduced: [issue('c', 'below_mmu', B)], blocking: 2, warnings: 1 }, true);
  assert.deepEqual(keys(t), ['a', 'b']);
  assert.equal(t.blocking, 1, 'the counts of the latest delta');
});

test('a pushed change without issues keeps the counts (it carries none)', () => {
  const t = tile();
  t.delta({ seq: 11, blocking: 0, warnings: 0 }, false);
  assert.equal(t.blocking, 1);
  assert.equal(t.warnings, 1);
  t.delta({ seq: 12, blocking: 0, warnings: 1 }, true); // an ack always carries them
  assert.equal(t.blocking, 0);
});

test('a full report replaces the list; deltas after it still apply, older reports are ignored', () => {
  const t = tile();
  t.delta({ seq: 12, introduced: [issue('c', 'gap', B)], blocking: 2, warnings: 1 }, true);
  assert.ok(t.report({ seq: 11, wholeTileSeq: 11, blocking: 1, warnings: 0, issues: [issue('d', 'edge_mismatch', B)] }));
  assert.deepEqual(keys(t), ['c', 'd'], 'the report at 11, then the delta at 12');
  assert.equal(t.blocking, 2, 'the counts of the delta, which is newer');
  assert.equal(t.wholeTileSeq, 11);
  assert.ok(t.report({ seq: 12, wholeTileSeq: 12, blocking: 0, warnings: 0, issues: [] }));
  assert.deepEqual(keys(t), []);
  assert.equal(t.report({ seq: 11, blocking: 5, warnings: 0, issues: [issue('x', 'gap', B)] }), false);
  assert.deepEqual(keys(t), []);
  assert.equal(t.delta({ seq: 12, introduced: [issue('y', 'gap', B)] }, true), false, 'already in the report');
  assert.deepEqual(keys(t), []);
});

test('the store follows snapshots, reports and deltas of open tiles, and my last change', () => {
  const s = new QcStore();
  assert.equal(s.report({ tileKey: 'T', seq: 1, issues: [] }), null, 'not open');
  const t = s.snapshot({ tileKey: 'T', seq: 5, qc: { seq: 5, blocking: 0, warnings: 0, issues: [] } });
  assert.ok(t.known);
  assert.ok(s.delta({ tileKey: 'T', seq: 6, introduced: [issue('n', 'below_mmu', B, [9])], blocking: 1, warnings: 0 },
    { countsValid: true, mine: { changeSetId: 'cs-1', atMs: 1 } }));
  assert.ok(t.isMine('n'));
  assert.equal(mineText(t.mine!), 'Your last change: +1 introduced, \u22120 fixed');
  // the undo fixes it
  s.delta({ tileKey: 'T', seq: 7, fixed: [issue('n', 'below_mmu', B, [9])], blocking: 0, warnings: 0 }, { countsValid: true, mine: { changeSetId: 'cs-2', atMs: 2 } });
  assert.equal(t.isMine('n'), false);
  assert.equal(t.blocking, 0);
  assert.equal(mineText(t.mine!), 'Your last change: +0 introduced, \u22121 fixed');
  assert.equal(t.mine!.fixed[0].code, 'below_mmu');
  // someone else's change does not change "mine"
  s.delta({ tileKey: 'T', seq: 8, introduced: [issue('o', 'sliver', W)], blocking: 0, warnings: 1 }, { countsValid: false });
  assert.equal(t.mine!.changeSetId, 'cs-2');
  // a resubscription: a fresh list, my last change kept
  const again = s.snapshot({ tileKey: 'T', seq: 8, qc: { seq: 8, blocking: 0, warnings: 1, issues: [issue('o', 'sliver', W)] } });
  assert.equal(again.mine?.changeSetId, 'cs-2');
  const none = s.snapshot({ tileKey: 'U', seq: 3 });
  assert.equal(none.known, false);
  s.drop('T');
  assert.equal(s.tile('T'), undefined);
});

test('issues are grouped blocking first, then by code, with counts', () => {
  const groups = groupIssues([
    toIssue(issue('w1', 'sliver', W)), toIssue(issue('b2', 'overlap', B)), toIssue(issue('b1', 'below_mmu', B, [], 'z')),
    toIssue(issue('b3', 'below_mmu', B, [], 'a')), toIssue(issue('w2', 'incoherent_cs_us', W)),
  ]);
  assert.deepEqual(groups.map((g) => [g.severity, g.count, g.codes.map((c) => `${c.code}:${c.issues.map((i) => i.key).join(',')}`)]), [
    ['blocking', 3, ['below_mmu:b3,b1', 'overlap:b2']],
    ['warning', 2, ['incoherent_cs_us:w2', 'sliver:w1']],
  ]);
  assert.equal(groups[0].codes[0].label, 'Below the minimum mapping unit');
  assert.deepEqual(groupIssues([]), []);
});

test('the submit button says why it is disabled', () => {
  const ok: SubmitContext = { state: 'in_progress', blocking: 0, known: true, pending: 0, connected: true, submitting: false, heldBy: null, role: 'contributor' };
  assert.equal(submitBlockReason(ok), null);
  assert.equal(submitBlockReason({ ...ok, state: 'todo' }), null);
  assert.equal(submitBlockReason({ ...ok, state: 'rejected' }), null);
  assert.equal(submitBlockReason({ ...ok, blocking: 3 }), '3 blocking issues to fix before submitting');
  assert.equal(submitBlockReason({ ...ok, blocking: 1 }), '1 blocking issue to fix before submitting');
  assert.match(submitBlockReason({ ...ok, state: 'submitted', blocking: 3 })!, /submitted for review: no longer open for editing/);
  for (const state of ['in_review', 'approved', 'published']) assert.match(submitBlockReason({ ...ok, state })!, /no longer open for editing/);
  assert.match(submitBlockReason({ ...ok, pending: 1 })!, /not|saved/);
  assert.match(submitBlockReason({ ...ok, connected: false })!, /Offline/);
  assert.match(submitBlockReason({ ...ok, heldBy: 'marc' })!, /marc is working/);
  assert.match(submitBlockReason({ ...ok, role: 'admin' })!, /Administrators/);
  assert.equal(submitBlockReason({ ...ok, submitting: true }), 'Submitting…');
  assert.match(submitBlockReason({ ...ok, known: false })!, /not arrived/);
});
