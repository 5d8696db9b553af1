import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeSummary, diffPrediction, samePolygon, type CurrentLike, type PredictedLike } from '../src/review/diff.js';

const square = (x: number, y: number, s: number) => [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]];
const pred = (id: number, cs: string, us: string, rings: number[][][], changed = false): PredictedLike => ({ id, code_cs: cs, code_us: us, changed, rings });
const cur = (id: number, cs: string, us: string, rings: number[][][], reviewed = false): CurrentLike => ({ id, codeCs: cs, codeUs: us, rings, reviewed });

test('polygons compare on the centimetre grid whatever the start, direction and closing point', () => {
  const a = square(0, 0, 10);
  const rotated = [[[10, 0], [10, 10], [0, 10], [0, 0]]];
  const reversed = [[[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]];
  assert.ok(samePolygon(a, rotated));
  assert.ok(samePolygon(a, reversed));
  assert.ok(samePolygon(a, [[[0.001, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]));
  assert.ok(!samePolygon(a, [[[0.02, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]));
  assert.ok(!samePolygon(a, [...a, [[2, 2], [3, 2], [3, 3], [2, 2]]]));
  const holes = [...square(0, 0, 10), [[1, 1], [2, 1], [2, 2], [1, 1]], [[5, 5], [6, 5], [6, 6], [5, 5]]];
  assert.ok(samePolygon(holes, [holes[0], holes[2], holes[1]]));
});

test('the list says what was reclassified, reshaped, created, deleted or only confirmed, with classes before and after', () => {
  const prediction = [
    pred(1, 'CS2.2.1', 'US1.1', square(0, 0, 100)), // untouched
    pred(2, 'CS2.2.1', 'US1.1', square(100, 0, 100), true), // reclassified
    pred(3, 'CS2.1.1.1', 'US1.2', square(200, 0, 100), true), // reshaped (lost a strip to 5)
    pred(4, 'CS1.1.1.1', 'US235', square(300, 0, 100), true), // merged into 2: gone
    pred(6, 'CS2.2.1', 'US1.1', square(0, 100, 100), true), // confirmed
    pred(7, 'CS2.2.1', 'US1.1', square(100, 100, 100), true), // both
  ];
  const current = [
    cur(1, 'CS2.2.1', 'US1.1', square(0, 0, 100)),
    cur(2, 'CS2.1.1.1', 'US1.2', square(100, 0, 100), true),
    cur(3, 'CS2.1.1.1', 'US1.2', [[[200, 0], [290, 0], [290, 100], [200, 100], [200, 0]]]),
    cur(5, 'CS1.2.2', 'US6.3', [[[290, 0], [300, 0], [300, 100], [290, 100], [290, 0]]]),
    cur(6, 'CS2.2.1', 'US1.1', [[[100, 100], [100, 200], [0, 200], [0, 100]]], true),
    cur(7, 'CS2.2.2', 'US1.1', square(100, 100, 90)),
  ];
  const list = diffPrediction(prediction, current);
  assert.deepEqual(list.changes.map((c) => `${c.id}:${c.kind}`), ['7:reclassified_reshaped', '2:reclassified', '3:reshaped', '5:created', '4:deleted', '6:confirmed']);
  const byId = new Map(list.changes.map((c) => [c.id, c]));
  assert.deepEqual(byId.get(2)?.before, { cs: 'CS2.2.1', us: 'US1.1' });
  assert.deepEqual(byId.get(2)?.after, { cs: 'CS2.1.1.1', us: 'US1.2' });
  assert.equal(byId.get(4)?.after, null);
  assert.equal(byId.get(4)?.areaBefore, 10_000);
  assert.equal(byId.get(5)?.before, null);
  assert.equal(byId.get(5)?.areaAfter, 1_000);
  assert.equal(byId.get(3)?.areaAfter, 9_000);
  assert.equal(list.unchanged, 1);
  assert.deepEqual([...list.highlightPrediction].sort(), [2, 3, 4, 7]);
  assert.deepEqual([...list.highlightCurrent].sort(), [2, 3, 5, 7]);
  assert.equal(list.counts.created, 1);
  assert.equal(list.counts.confirmed, 1);
  assert.equal(changeSummary(list), '2 reclassified, 2 reshaped, 1 created, 1 deleted');
});

test('an untouched tile has no change', () => {
  const list = diffPrediction([pred(1, 'CS2.2.1', 'US1.1', square(0, 0, 10))], [cur(1, 'CS2.2.1', 'US1.1', square(0, 0, 10))]);
  assert.equal(list.changes.length, 0);
  assert.equal(list.unchanged, 1);
  assert.equal(changeSummary(list), 'no change to the prediction');
});
