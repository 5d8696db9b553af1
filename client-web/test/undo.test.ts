import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePolygon, type Ring } from '../src/geometry.js';
import { buildInverse, largestFormerOwner, recordEntry, remapAfterRestore, type FeatureState } from '../src/editor/undo.js';
import { rebase, setClassOps } from '../src/editor/changesets.js';
import type { ModelFeature } from '../src/editor/model.js';

const rect = (x0: number, y0: number, x1: number, y1: number): Ring[] => [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
const st = (id: number, version: number, rings: Ring[], codeCs = 'CS2.2.1', codeUs = 'US1.1'): FeatureState => {
  const r = rings[0];
  const area = Math.abs((r[1][0] - r[0][0]) * (r[2][1] - r[1][1]));
  return { id, version, codeCs, codeUs, rings, areaM2: area };
};

test('a set_class is undone by setting the old classes back, on the acked version', () => {
  const before = new Map([[1, st(1, 3, rect(0, 0, 10, 10))]]);
  const e = recordEntry('t', 'class change', (id) => before.get(id), [st(1, 4, rect(0, 0, 10, 10), 'CS1.2.2', 'US6.3')], [], [])!;
  assert.ok(e);
  assert.deepEqual(buildInverse(e, 0, 0), [{ setClass: { feature: { id: 1, version: 4 }, codeCs: 'CS2.2.1', codeUs: 'US1.1' } }]);
});

test('a split is undone by reshaping the kept part back (the new part vanishes)', () => {
  const before = new Map([[1, st(1, 2, rect(0, 0, 20, 10))]]);
  const e = recordEntry('t', 'split', (id) => before.get(id), [st(1, 3, rect(0, 0, 12, 10)), st(9, 1, rect(12, 0, 20, 10))], [9], [])!;
  assert.deepEqual(e.created, [9]);
  const ops = buildInverse(e, 0, 0);
  assert.equal(ops.length, 1);
  assert.deepEqual(ops[0].reshape!.feature, { id: 1, version: 3 });
  assert.deepEqual(decodePolygon(ops[0].reshape!.geometry, 0, 0), rect(0, 0, 20, 10));
});

test('a merge is undone by drawing the deleted feature first, then reshaping', () => {
  const before = new Map([[1, st(1, 2, rect(0, 0, 10, 10))], [2, st(2, 5, rect(10, 0, 20, 10), 'CS1.1.1.1', 'US235')]]);
  const e = recordEntry('t', 'merge', (id) => before.get(id), [st(1, 3, rect(0, 0, 20, 10))], [], [2])!;
  const ops = buildInverse(e, 0, 0);
  assert.ok(ops[0].draw);
  assert.equal(ops[0].draw!.codeCs, 'CS1.1.1.1');
  assert.deepEqual(decodePolygon(ops[0].draw!.geometry, 0, 0), rect(10, 0, 20, 10));
  assert.ok(ops[1].reshape);
});

test('reshapes of features that lost area come first', () => {
  const before = new Map([[1, st(1, 1, rect(0, 0, 10, 10))], [2, st(2, 1, rect(10, 0, 20, 10))]]);
  const e = recordEntry('t', 'reshape', (id) => before.get(id), [st(1, 2, rect(0, 0, 14, 10)), st(2, 2, rect(14, 0, 20, 10))], [], [])!;
  const ops = buildInverse(e, 0, 0);
  assert.deepEqual(ops.map((o) => o.reshape!.feature.id), [2, 1]);
});

test('an ack the model already holds (replayed after a reload) is not undoable', () => {
  const before = new Map([[1, st(1, 4, rect(0, 0, 10, 10))]]);
  assert.equal(recordEntry('t', 'x', (id) => before.get(id), [st(1, 4, rect(0, 0, 10, 10))], [], []), null);
  assert.equal(recordEntry('t', 'x', () => undefined, [], [], [5]), null);
});

test('undoing further back follows the versions (and ids) the undo produced', () => {
  const A0 = st(1, 1, rect(0, 0, 10, 10));
  const A1 = st(1, 2, rect(0, 0, 10, 10), 'CS1.2.2');
  const A2 = st(1, 3, rect(0, 0, 10, 10), 'CS1.1.1.1');
  const first = recordEntry('t', 'a', () => A0, [A1], [], [])!;
  const second = recordEntry('t', 'b', () => A1, [A2], [], [])!;
  // undo of `second` acked: feature 1 is back to A1's content as version 4
  remapAfterRestore([first], second, [st(1, 4, rect(0, 0, 10, 10), 'CS1.2.2')], []);
  assert.equal(first.after[0].version, 4);
  assert.equal(buildInverse(first, 0, 0)[0].setClass!.feature.version, 4);
});

test('a deleted feature drawn again by an undo gets its new id in older entries', () => {
  const B = st(2, 3, rect(10, 0, 20, 10));
  const older = recordEntry('t', 'a', () => st(2, 2, rect(10, 0, 20, 10), 'CS1.2.2'), [B], [], [])!;
  const merge = recordEntry('t', 'm', (id) => (id === 1 ? st(1, 1, rect(0, 0, 10, 10)) : B), [st(1, 2, rect(0, 0, 20, 10))], [], [2])!;
  remapAfterRestore([older], merge, [st(1, 3, rect(0, 0, 10, 10)), st(77, 1, rect(10, 0, 20, 10))], [77]);
  assert.equal(older.after[0].id, 77);
  assert.equal(older.before[0].id, 77);
  assert.equal(buildInverse(older, 0, 0)[0].setClass!.feature.id, 77);
});

test('the former owner of a leftover piece is the old feature that covered it', () => {
  const e = recordEntry('t', 's', (id) => (id === 1 ? st(1, 1, rect(0, 0, 20, 10)) : st(2, 1, rect(20, 0, 40, 10))),
    [st(1, 2, rect(0, 0, 15, 10)), st(2, 2, rect(20, 0, 40, 10), 'CS1.1.1.1')], [], [])!;
  assert.equal(largestFormerOwner(e, rect(15, 0, 20, 10))?.id, 1);
});

const mf = (id: number, version: number, codeCs: string, reviewed = false): ModelFeature => ({
  ...st(id, version, rect(0, 0, 1, 1), codeCs), tile: 't', reviewed, prediction: null, updatedAtMs: 0, author: '',
});

test('set_class sends the choice, and confirms an unchanged class', () => {
  const ops = setClassOps([mf(1, 1, 'CS2.2.1'), mf(2, 1, 'CS1.2.2')], 'CS2.2.1', 'US6.3');
  assert.deepEqual(ops[0], { setClass: { feature: { id: 1, version: 1 }, codeCs: 'CS2.2.1', codeUs: 'US6.3' } });
  assert.deepEqual(setClassOps([mf(2, 1, 'CS1.2.2')], '', 'US6.3'), [{ setClass: { feature: { id: 2, version: 1 }, codeCs: '', codeUs: 'US6.3' } }]);
  assert.deepEqual(setClassOps([mf(3, 2, 'CS2.2.1')], 'CS2.2.1', 'US1.1'), [{ confirm: { feature: { id: 3, version: 2 } } }]);
  assert.deepEqual(setClassOps([mf(3, 2, 'CS2.2.1', true)], 'CS2.2.1', 'US1.1'), []);
});

test('"apply mine again" rebuilds the ops on current versions with a new id', () => {
  const cs = { id: 'old', tileKey: 't', ops: [
    { setClass: { feature: { id: 1, version: 1 }, codeCs: 'CS1.2.2', codeUs: '' } },
    { merge: { features: [{ id: 2, version: 1 }, { id: 3, version: 1 }], codeCs: '', codeUs: '' } },
  ] };
  const now = new Map([[1, { version: 5 }], [2, { version: 2 }]]);
  const r = rebase(cs, (id) => now.get(id));
  assert.notEqual(r.cs.id, 'old');
  assert.equal(r.dropped, 1); // the merge lost feature 3
  assert.deepEqual(r.cs.ops, [{ setClass: { feature: { id: 1, version: 5 }, codeCs: 'CS1.2.2', codeUs: '' } }]);
  assert.equal(cs.ops[0].setClass!.feature.version, 1); // the original is untouched
});
