import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePolygon, type Ring } from '../src/geometry.js';
import { TileSync, type LayerLike } from '../src/editor/sync.js';
import type { ModelFeature } from '../src/editor/model.js';

const sq = (x0: number, s: number): Ring[] => [[[x0, 0], [x0 + s, 0], [x0 + s, s], [x0, s], [x0, 0]]];
const wf = (id: number, version: number, codeCs = 'CS2.2.1') => ({ id, version, codeCs, codeUs: 'US1.1', geometry: encodePolygon(sq(id * 10, 10), 0, 0) });

class StubLayer implements LayerLike {
  drawn = new Map<number, ModelFeature>();
  setTile(_k: string, fs: ModelFeature[]) { this.drawn = new Map(fs.map((f) => [f.id, f])); }
  removeTile() { this.drawn.clear(); }
  upsert(f: ModelFeature) { this.drawn.set(f.id, f); }
  remove(id: number) { this.drawn.delete(id); }
}

function setup() {
  const layer = new StubLayer();
  const resyncs: [string, number][] = [];
  const sync = new TileSync(layer, { resync: (t, a) => (resyncs.push([t, a]), 42) });
  sync.snapshot({ tileKey: 'T', seq: 10, originXCm: 0, originYCm: 0, features: [wf(1, 1), wf(2, 1)] });
  return { layer, resyncs, sync };
}

test('changes in order advance the sequence; duplicates are ignored', () => {
  const { layer, sync, resyncs } = setup();
  assert.ok(sync.change({ tileKey: 'T', seq: 11, features: [wf(1, 2, 'CS1.2.2')], deleted: [] }));
  assert.equal(sync.lastSeq('T'), 11);
  assert.equal(layer.drawn.get(1)?.codeCs, 'CS1.2.2');
  assert.equal(sync.change({ tileKey: 'T', seq: 11, features: [wf(1, 2)], deleted: [] }), null);
  assert.equal(sync.change({ tileKey: 'T', seq: 9, features: [], deleted: [2] }), null);
  assert.ok(layer.drawn.has(2));
  assert.equal(resyncs.length, 0);
});

test('a gap asks for a resync once, and the missed changes close it', () => {
  const { sync, resyncs, layer } = setup();
  sync.change({ tileKey: 'T', seq: 13, features: [wf(3, 1)], deleted: [2] });
  assert.deepEqual(resyncs, [['T', 10]]);
  assert.equal(sync.lastSeq('T'), 10);
  assert.ok(!layer.drawn.has(2) && layer.drawn.has(3)); // applied at once: states converge by version
  sync.change({ tileKey: 'T', seq: 14, features: [], deleted: [] });
  assert.equal(resyncs.length, 1); // one resync in flight per tile
  sync.change({ tileKey: 'T', seq: 11, features: [wf(1, 2)], deleted: [] });
  sync.change({ tileKey: 'T', seq: 12, features: [wf(2, 2)], deleted: [] }); // older state of a deleted feature
  assert.ok(!layer.drawn.has(2));
  assert.equal(sync.lastSeq('T'), 14);
  sync.resyncDone('T', 14);
  assert.ok(!sync.resyncing('T'));
});

test('our ack moves the sequence, and its pushed change is then a duplicate', () => {
  const { sync } = setup();
  sync.ack('T', 11, [wf(1, 2)], []);
  assert.equal(sync.lastSeq('T'), 11);
  assert.equal(sync.change({ tileKey: 'T', seq: 11, features: [wf(1, 2)], deleted: [] }), null);
  // an ack ahead of a change not received yet waits for it
  sync.ack('T', 13, [wf(2, 2)], []);
  assert.equal(sync.lastSeq('T'), 11);
  assert.ok(sync.change({ tileKey: 'T', seq: 12, features: [], deleted: [] }));
  assert.equal(sync.lastSeq('T'), 13);
});

test('a snapshot (e.g. answering a resync) resets the tile and its sequence', () => {
  const { sync, layer } = setup();
  sync.change({ tileKey: 'T', seq: 15, features: [], deleted: [] });
  sync.snapshot({ tileKey: 'T', seq: 20, originXCm: 0, originYCm: 0, features: [wf(5, 3)] });
  assert.equal(sync.lastSeq('T'), 20);
  assert.deepEqual([...layer.drawn.keys()], [5]);
});
