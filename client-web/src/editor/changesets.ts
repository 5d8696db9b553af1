// Building the ops of one user action from the tile model (versions the client has, geometry
// rounded to the 1 cm grid), and rebuilding them on newer versions after a conflict.
import type { Ring } from '../geometry.js';
import type { ModelFeature, TileData } from './model.js';
import { encodeLine, encodeRings, newChangeSetId, opRefs, type WireChangeSet, type WireOp, type WireRef } from './wire.js';

const ref = (f: ModelFeature): WireRef => ({ id: f.id, version: f.version });

/**
 * The classes the user chose (an empty code: that dimension not chosen, left as is). Sent as
 * chosen even where equal to the current code, so that "apply mine again" after a conflict
 * re-applies the whole choice. Nothing new at all: a confirm, or nothing when reviewed already.
 */
export function setClassOps(features: ModelFeature[], codeCs: string, codeUs: string): WireOp[] {
  const ops: WireOp[] = [];
  for (const f of features) {
    const changes = (codeCs && codeCs !== f.codeCs) || (codeUs && codeUs !== f.codeUs);
    if (changes) ops.push({ setClass: { feature: ref(f), codeCs, codeUs } });
    else if (!f.reviewed) ops.push({ confirm: { feature: ref(f) } });
  }
  return ops;
}

/** Confirms what is not reviewed yet (confirming a reviewed feature changes nothing). */
export function confirmOps(features: ModelFeature[]): WireOp[] {
  return features.filter((f) => !f.reviewed).map((f) => ({ confirm: { feature: ref(f) } }));
}

export function reshapeOp(tile: TileData, f: ModelFeature, rings: Ring[]): WireOp {
  return { reshape: { feature: ref(f), geometry: encodeRings(rings, tile.originXcm, tile.originYcm) } };
}

export function splitOp(tile: TileData, f: ModelFeature, line: number[][]): WireOp {
  return { split: { feature: ref(f), line: encodeLine(line, tile.originXcm, tile.originYcm), parts: [] } };
}

/** Merges into the first feature, with its classes unless others are given. */
export function mergeOp(features: ModelFeature[], codeCs = '', codeUs = ''): WireOp {
  return { merge: { features: features.map(ref), codeCs, codeUs } };
}

export function drawOp(tile: TileData, rings: Ring[], codeCs: string, codeUs: string): WireOp {
  return { draw: { geometry: encodeRings(rings, tile.originXcm, tile.originYcm), codeCs, codeUs } };
}

export function changeSet(tileKey: string, ops: WireOp[]): WireChangeSet {
  return { id: newChangeSetId(), tileKey, ops };
}

/**
 * "Apply mine again" after a conflict: the same ops on the versions held now, with a new id.
 * Ops on features deleted since are dropped (and counted), as are merges left with one feature.
 */
export function rebase(cs: WireChangeSet, current: (id: number) => { version: number } | undefined): { cs: WireChangeSet; dropped: number } {
  const ops: WireOp[] = [];
  let dropped = 0;
  for (const op of cs.ops) {
    const copy = JSON.parse(JSON.stringify(op)) as WireOp;
    if (copy.merge) copy.merge.features = copy.merge.features.filter((r) => current(r.id));
    const refs = opRefs(copy);
    if ((copy.merge && refs.length < 2) || refs.some((r) => !current(r.id))) {
      dropped++;
      continue;
    }
    for (const r of refs) r.version = current(r.id)!.version;
    ops.push(copy);
  }
  return { cs: { id: newChangeSetId(), tileKey: cs.tileKey, ops }, dropped };
}

/** What a change set does, for people. */
export function describeOps(ops: WireOp[]): string {
  const counts = new Map<string, number>();
  for (const op of ops) {
    const k = op.setClass ? 'class change' : op.confirm ? 'confirmation' : op.reshape ? 'reshape' : op.split ? 'split' : op.merge ? 'merge' : 'drawing';
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${n} ${k === 'class change' ? 'class changes' : `${k}s`}` : k)).join(', ');
}

export function groupByTile<T extends { tile: string }>(features: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const f of features) {
    const l = out.get(f.tile);
    if (l) l.push(f);
    else out.set(f.tile, [f]);
  }
  return out;
}

/**
 * The polygon a drawing created: the largest created feature with the classes drawn (pieces cut
 * off neighbours are created too). Null when the ops drew nothing.
 */
export function drawnFeature(ops: WireOp[], after: ModelFeature[], created: number[]): number | null {
  const d = ops.find((op) => op.draw)?.draw;
  if (!d) return null;
  const mine = after.filter((f) => created.includes(f.id) && f.codeCs === d.codeCs && f.codeUs === d.codeUs);
  mine.sort((x, y) => y.areaM2 - x.areaM2);
  return mine[0]?.id ?? null;
}
