import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePolygon, type Ring } from '../src/geometry.js';
import { decodeLine, EditGeometryError, encodeLine, encodeRings, newChangeSetId, opKind, opRefs, ringsToCm, sameGeometry } from '../src/editor/wire.js';

const ox = 86_700_000; // 867 km in cm
const oy = 683_000_000;

test('encodes a polygon as cm deltas from the tile origin, without the closing point', () => {
  const rings: Ring[] = [[[867000, 6830000], [867010.5, 6830000], [867010.5, 6830020.25], [867000, 6830000]]];
  const w = encodeRings(rings, ox, oy);
  assert.deepEqual(w.ringSizes, [3]);
  assert.deepEqual(w.coords, [0, 0, 1050, 0, 0, 2025]);
  assert.deepEqual(decodePolygon(w, ox, oy), rings);
});

test('rounds edited coordinates to the centimetre and drops repeated points', () => {
  const rings: Ring[] = [[[867000.004, 6830000.001], [867000.001, 6830000.004], [867005.126, 6830000], [867005.12, 6830003.333], [867000, 6830000]]];
  const cm = ringsToCm(rings);
  assert.deepEqual(cm, [[[86700000, 683000000], [86700513, 683000000], [86700512, 683000333]]]);
  const w = encodeRings(rings, ox, oy);
  for (const c of w.coords) assert.ok(Number.isInteger(c));
});

test('deltas continue across rings (holes)', () => {
  const rings: Ring[] = [
    [[867000, 6830000], [867100, 6830000], [867100, 6830100], [867000, 6830100], [867000, 6830000]],
    [[867010, 6830010], [867010, 6830020], [867020, 6830020], [867010, 6830010]],
  ];
  const w = encodeRings(rings, ox, oy);
  assert.deepEqual(w.ringSizes, [4, 3]);
  assert.deepEqual(w.coords.slice(8, 10), [1000 - 0, 1000 - 10000]); // from (0,10000) cm to (1000,1000) cm
  assert.deepEqual(decodePolygon(w, ox, oy), rings);
});

test('a collapsed exterior is an error, a collapsed hole is dropped', () => {
  assert.throws(() => ringsToCm([[[1, 1], [1.001, 1], [1, 1.001], [1, 1]]]), EditGeometryError);
  const out = ringsToCm([[[0, 0], [10, 0], [10, 10], [0, 0]], [[1, 1], [1.001, 1], [1, 1]]]);
  assert.equal(out.length, 1);
});

test('encodes a line as deltas from the origin, continuing', () => {
  const line = [[867000.5, 6830000.5], [867100.25, 6830050], [867100.25, 6830050]];
  const w = encodeLine(line, ox, oy);
  assert.deepEqual(w.coords, [50, 50, 9975, 4950]);
  assert.deepEqual(decodeLine(w.coords, ox, oy), [[867000.5, 6830000.5], [867100.25, 6830050]]);
  assert.throws(() => encodeLine([[1, 1], [1.001, 1]], 0, 0), EditGeometryError);
});

test('compares geometries on the cm grid', () => {
  const a: Ring[] = [[[0, 0], [10, 0], [10, 10], [0, 0]]];
  const b: Ring[] = [[[0.001, 0], [10, 0.002], [10, 10], [0, 0]]];
  const c: Ring[] = [[[0, 0], [10, 0], [10, 10.5], [0, 0]]];
  assert.ok(sameGeometry(a, b));
  assert.ok(!sameGeometry(a, c));
});

test('op helpers', () => {
  const ref = { id: 7, version: 3 };
  assert.deepEqual(opRefs({ merge: { features: [ref, { id: 8, version: 1 }], codeCs: '', codeUs: '' } }).map((r) => r.id), [7, 8]);
  assert.deepEqual(opRefs({ draw: { geometry: { ringSizes: [], coords: [] }, codeCs: 'a', codeUs: 'b' } }), []);
  assert.equal(opKind({ setClass: { feature: ref, codeCs: 'CS1', codeUs: '' } }), 'set_class');
  const id = newChangeSetId();
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.notEqual(id, newChangeSetId());
});
