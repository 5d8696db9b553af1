import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePolygon, type Ring } from '../src/geometry.js';
import { TileModel, type WireFeatureLike } from '../src/editor/model.js';

const ox = 86_700_000;
const oy = 683_000_000;
const sq = (x0: number, y0: number, s: number): Ring[] => [[[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s], [x0, y0]]];
const wf = (id: number, version: number, rings: Ring[], codeCs = 'CS2.2.1'): WireFeatureLike => ({ id, version, codeCs, codeUs: 'US1.1', geometry: encodePolygon(rings, ox, oy) });

function tile(): TileModel {
  const m = new TileModel();
  m.setSnapshot({ tileKey: '0867_6830', seq: 5, originXCm: ox, originYCm: oy, sizeM: 1000, features: [wf(1, 1, sq(867000, 6830000, 10)), wf(2, 4, sq(867010, 6830000, 10))] });
  return m;
}

test('a snapshot fills the tile', () => {
  const m = tile();
  assert.equal(m.tile('0867_6830')?.seq, 5);
  assert.equal(m.features('0867_6830').length, 2);
  assert.equal(m.get(2)?.version, 4);
  assert.equal(m.get(1)?.areaM2, 100);
});

test('newer versions replace, older ones are ignored, deleted ids stay deleted', () => {
  const m = tile();
  let r = m.apply('0867_6830', [wf(1, 2, sq(867000, 6830000, 12), 'CS1.2.2')], []);
  assert.equal(r.upserted.length, 1);
  assert.equal(m.get(1)?.codeCs, 'CS1.2.2');
  r = m.apply('0867_6830', [wf(1, 1, sq(867000, 6830000, 10))], []);
  assert.equal(r.upserted.length, 0);
  assert.equal(m.get(1)?.version, 2);
  r = m.apply('0867_6830', [], [2]);
  assert.deepEqual(r.removed, [2]);
  r = m.apply('0867_6830', [wf(2, 9, sq(867010, 6830000, 10))], []);
  assert.equal(r.upserted.length, 0);
  assert.equal(m.get(2), undefined);
  r = m.apply('0867_6830', [wf(3, 1, sq(867020, 6830000, 5))], []);
  assert.equal(m.get(3)?.tile, '0867_6830');
});

test('undecodable features are reported, not thrown', () => {
  const m = new TileModel();
  const res = m.setSnapshot({ tileKey: 'k', originXCm: 0, originYCm: 0, features: [{ id: 1, version: 1, geometry: { ringSizes: [4], coords: [0, 0] } }] });
  assert.equal(res.features.length, 0);
  assert.equal(res.rejected[0].id, 1);
});
