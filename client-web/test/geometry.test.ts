import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePolygon, encodePolygon, GeometryError, parseTileKey, polygonArea, tileKey, tileOrigin, toNum } from '../src/geometry.js';

const ox = 86_700_000; // 867 km in centimetres
const oy = 683_000_000;

test('decodes a square with a hole, deltas running across rings', () => {
  // exterior (0,0) (1000,0) (1000,1000) (0,1000) in metres from the origin; hole 100..200 m
  const cm = (m: number) => m * 100;
  const pts = [
    [0, 0], [1000, 0], [1000, 1000], [0, 1000],
    [100, 100], [100, 200], [200, 200], [200, 100],
  ].map(([x, y]) => [ox + cm(x), oy + cm(y)]);
  const coords: number[] = [];
  let px = ox, py = oy;
  for (const [x, y] of pts) { coords.push(x - px, y - py); px = x; py = y; }
  const rings = decodePolygon({ ringSizes: [4, 4], coords }, ox, oy);
  assert.equal(rings.length, 2);
  assert.deepEqual(rings[0], [[867000, 6830000], [868000, 6830000], [868000, 6831000], [867000, 6831000], [867000, 6830000]]);
  assert.deepEqual(rings[1][0], [867100, 6830100]);
  assert.deepEqual(rings[1][4], rings[1][0]);
  assert.equal(polygonArea(rings), 1_000_000 - 10_000);
});

test('keeps centimetre precision and accepts Long-like values', () => {
  const long = (n: number) => ({ toNumber: () => n });
  const rings = decodePolygon({ ringSizes: [3], coords: [long(1), long(-1), 12345, 0, 0, 6789] }, long(ox), oy);
  assert.deepEqual(rings[0].slice(0, 3), [[867000.01, 6829999.99], [867123.46, 6829999.99], [867123.46, 6830067.88]]);
});

test('round-trips through encodePolygon', () => {
  const rings = [[[867000.5, 6830000.25], [867010, 6830000.25], [867010, 6830020], [867000.5, 6830000.25]]] as [number, number][][];
  const wire = encodePolygon(rings, ox, oy);
  assert.deepEqual(decodePolygon(wire, ox, oy), rings);
});

test('rejects inconsistent sizes', () => {
  assert.throws(() => decodePolygon({ ringSizes: [4], coords: [0, 0, 1, 1] }, 0, 0), GeometryError);
  assert.throws(() => decodePolygon({ ringSizes: [2], coords: [0, 0, 1, 1] }, 0, 0), GeometryError);
  assert.throws(() => decodePolygon({ ringSizes: [], coords: [] }, 0, 0), GeometryError);
});

test('tile keys', () => {
  assert.equal(tileKey(867000, 6830000), '0867_6830');
  assert.deepEqual(parseTileKey('0867_6830'), [867000, 6830000]);
  assert.deepEqual(tileOrigin(867999.9, 6830000.1, 1000), [867000, 6830000]);
  assert.equal(parseTileKey('bad'), null);
  assert.equal(toNum(undefined), 0);
});
