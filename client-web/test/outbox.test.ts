import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox, type StorageLike } from '../src/editor/outbox.js';

class MemStorage implements StorageLike {
  data = new Map<string, string>();
  getItem(k: string) { return this.data.get(k) ?? null; }
  setItem(k: string, v: string) { this.data.set(k, v); }
  removeItem(k: string) { this.data.delete(k); }
}

const cs = (id: string, tileKey = 't1', fid = 1, version = 1) => ({ id, tileKey, ops: [{ setClass: { feature: { id: fid, version }, codeCs: 'CS1.2.2', codeUs: '' } }] });

test('one change set per tile in flight, in order', () => {
  const o = new Outbox(null, 'k');
  const a = o.add(cs('a'), 'x', 'edit');
  o.add(cs('b'), 'x', 'edit');
  o.add(cs('c', 't2'), 'x', 'edit');
  assert.equal(o.next('t1'), a);
  o.markSent(a, 7);
  assert.equal(o.next('t1'), undefined);
  assert.equal(o.next('t2')?.cs.id, 'c');
  assert.equal(o.byRequest(7), a);
  o.remove('a');
  assert.equal(o.next('t1')?.cs.id, 'b');
  assert.deepEqual(o.tiles().sort(), ['t1', 't2']);
});

test('a drop puts what was in flight back in the queue, same ids', () => {
  const o = new Outbox(null, 'k');
  const a = o.add(cs('a'), 'x', 'edit');
  o.markSent(a, 3, 1000);
  assert.deepEqual(o.overdue(500, 2000).map((e) => e.cs.id), ['a']);
  o.requeue();
  assert.equal(a.status, 'queued');
  assert.equal(o.next('t1')?.cs.id, 'a');
});

test('survives a reload through the storage', () => {
  const s = new MemStorage();
  const o = new Outbox(s, 'k');
  const a = o.add(cs('a'), 'reshape', 'edit');
  o.markSent(a, 1);
  o.add(cs('b'), 'split', 'edit');
  const again = new Outbox(s, 'k');
  assert.deepEqual(again.entries().map((e) => [e.cs.id, e.status, e.label]), [['a', 'queued', 'reshape'], ['b', 'queued', 'split']]);
  again.remove('a');
  again.remove('b');
  assert.equal(s.data.size, 0);
  s.setItem('k', '{not json');
  assert.equal(new Outbox(s, 'k').size, 0);
});

test('queued change sets follow the versions our own acks produced', () => {
  const o = new Outbox(null, 'k');
  const a = o.add(cs('a', 't1', 1, 1), 'x', 'edit');
  o.markSent(a, 1);
  o.add(cs('b', 't1', 1, 1), 'x', 'edit');
  o.add(cs('c', 't1', 1, 2), 'x', 'edit'); // built on another version: left alone
  o.remove('a');
  o.remapVersions('t1', new Map([[1, { from: 1, to: 2 }]]));
  assert.equal(o.get('b')!.cs.ops[0].setClass!.feature.version, 2);
  assert.equal(o.get('c')!.cs.ops[0].setClass!.feature.version, 2);
});
