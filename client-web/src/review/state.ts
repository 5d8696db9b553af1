// The review state model (SPEC §2–3): which tiles are open for editing and why not, who reviews
// a tile, what the user may do about its review (claim, release, approve, reject, reopen) and why
// not, the rejection being written (reasons, comment, pinned comments) and its wire form, the
// last decision of a tile and the pinned comments to show, and what a TileStateChanged says.
// Pure, without runtime dependencies beyond reasons.ts, so that `npm test` runs it in Node.
import { reasonLabel, reasonValue, type ReasonName } from './reasons.js';

export const OPEN_STATES: readonly string[] = ['todo', 'in_progress', 'rejected'];
/** The states a lead can reopen from. */
export const CLOSED_STATES: readonly string[] = ['submitted', 'in_review', 'approved', 'rejected', 'published'];
export const MAX_TEXT_BYTES = 2000;
export const MAX_PINS = 200;

export function isOpenForEditing(state: string): boolean {
  return OPEN_STATES.includes(state);
}

export function mayReview(role: string): boolean {
  return role === 'controller' || role === 'lead';
}

/** Who may edit (and so submit, and ask for a next tile). */
export function mayEdit(role: string): boolean {
  return role === 'contributor' || role === 'controller' || role === 'lead';
}

const STATE_WORDS: Record<string, string> = {
  todo: 'to do', in_progress: 'in progress', submitted: 'submitted for review', in_review: 'in review',
  approved: 'approved', rejected: 'rejected', published: 'published',
};

export function stateWords(state: string): string {
  return STATE_WORDS[state] ?? state.replace(/_/g, ' ');
}

/** Why the tile cannot be edited now (null: it can). */
export function editLockReason(tile: string, state: string, reviewer: string | null = null): string | null {
  if (!state || isOpenForEditing(state)) return null;
  switch (state) {
    case 'submitted': return `Tile ${tile} is submitted for review: not open for editing`;
    case 'in_review': return `Tile ${tile} is in review${reviewer ? ` by ${reviewer}` : ''}: not open for editing`;
    case 'approved': return `Tile ${tile} is approved: not open for editing (a lead can reopen it)`;
    case 'published': return `Tile ${tile} is published: not open for editing`;
    default: return `Tile ${tile} is ${stateWords(state)}: not open for editing`;
  }
}

// ------------------------------------------------------------------ reviews as the HTTP API lists them

/** A comment a reviewer pinned on the map: a point (metres) and, when on one, a feature. */
export interface ReviewCommentLike {
  feature: number | null;
  x: number;
  y: number;
  reason: string;
  text: string;
  author: string;
  at: string;
}

/** One review of a tile: `outcome` null while it is open; approved, rejected, released or lapsed. */
export interface ReviewLike {
  id: number;
  reviewer: string;
  outcome: string | null;
  reasons: string[];
  comment: string;
  claimed_at: string;
  ended_at: string | null;
  comments: ReviewCommentLike[];
}

/** The last approval or rejection among reviews listed newest first (releases and lapses skipped). */
export function lastDecision<R extends ReviewLike>(reviews: readonly R[]): R | null {
  return reviews.find((r) => r.outcome === 'approved' || r.outcome === 'rejected') ?? null;
}

/** The review in progress (claimed, not ended), if any. */
export function openReview<R extends ReviewLike>(reviews: readonly R[]): R | null {
  return reviews.find((r) => r.outcome === null && !r.ended_at) ?? null;
}

/**
 * The pinned comments to show on a tile: those of its last rejection, until the tile is approved
 * or published (the contributor works them off, the next reviewer checks them).
 */
export function pinsToShow<R extends ReviewLike>(state: string, reviews: readonly R[]): ReviewCommentLike[] {
  if (state === 'approved' || state === 'published') return [];
  const d = lastDecision(reviews);
  return d?.outcome === 'rejected' ? d.comments : [];
}

export function outcomeLabel(outcome: string | null | undefined): string {
  switch (outcome) {
    case 'approved': return 'Approved';
    case 'rejected': return 'Rejected';
    case 'released': return 'Released';
    case 'lapsed': return 'Lapsed';
    case null: case undefined: case '': return 'In review';
    default: return outcome;
  }
}

/**
 * Who reviews the tile now: only while it is in review; what the server last said (a state change
 * to in_review names who claimed it), else the open review listed, else the lease holder.
 */
export function currentReviewer(state: string, claimedBy: string | null, reviews: readonly ReviewLike[], leaseHolder: string | null): string | null {
  if (state !== 'in_review') return null;
  return claimedBy || openReview(reviews)?.reviewer || leaseHolder || null;
}

// ------------------------------------------------------------------ what the user may do

export interface ReviewContext {
  state: string;
  role: string;
  /** The user's name. */
  me: string;
  reviewer: string | null;
  connected: boolean;
  /** A review request of this tile waits for its answer. */
  busy: boolean;
  /** The tile's blocking quality issues (approval needs none). */
  blocking: number;
  /** The user edited the tile (four-eyes: someone else reviews it); undefined when not known. */
  editedByMe?: boolean;
  /** Why the rejection being written cannot be sent (rejectProblem), null when it can. */
  rejectProblem?: string | null;
}

/** A button: whether it is offered, and why it is disabled (null: enabled). */
export interface ActionState {
  shown: boolean;
  reason: string | null;
}

/**
 * none: the user does not review; claimable: submitted, waiting for a reviewer; reviewing: the user
 * holds the review; held: someone else reviews it; idle: nothing to review.
 */
export type ReviewMode = 'none' | 'claimable' | 'reviewing' | 'held' | 'idle';

export interface ReviewActions {
  mode: ReviewMode;
  claim: ActionState;
  release: ActionState;
  approve: ActionState;
  reject: ActionState;
  reopen: ActionState;
}

const HIDDEN: ActionState = { shown: false, reason: null };

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function reviewActions(c: ReviewContext): ReviewActions {
  const reviews = mayReview(c.role);
  const holding = c.state === 'in_review' && !!c.reviewer && c.reviewer === c.me;
  const mode: ReviewMode = !reviews ? 'none'
    : c.state === 'submitted' ? 'claimable'
      : c.state === 'in_review' ? (holding ? 'reviewing' : 'held')
        : 'idle';
  const common = !c.connected ? 'Offline: wait until the connection is back' : c.busy ? 'Waiting for the server…' : null;
  const shown = (on: boolean, reason: string | null): ActionState => (on ? { shown: true, reason } : HIDDEN);
  return {
    mode,
    claim: shown(mode === 'claimable', common ?? (c.editedByMe ? 'You edited this tile: someone else must review it (four-eyes)' : null)),
    release: shown(mode === 'reviewing', common),
    approve: shown(mode === 'reviewing', common ?? (c.blocking > 0 ? `${plural(c.blocking, 'blocking issue')}: reject the tile or have them fixed` : null)),
    reject: shown(mode === 'reviewing', common ?? c.rejectProblem ?? null),
    reopen: shown(c.role === 'lead' && CLOSED_STATES.includes(c.state), common),
  };
}

// ------------------------------------------------------------------ the rejection being written

export interface DraftPin {
  /** Local id, for the list and the map marker. */
  id: number;
  /** Metres, project CRS. */
  x: number;
  y: number;
  /** The feature under the pin, 0 when none. */
  featureId: number;
  reason: ReasonName | '';
  text: string;
}

export interface RejectDraft {
  reasons: ReasonName[];
  comment: string;
  pins: DraftPin[];
}

export function emptyDraft(): RejectDraft {
  return { reasons: [], comment: '', pins: [] };
}

export function textBytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** The tile's square in metres [minx, miny, maxx, maxy], to check the pins against. */
export type Box = [number, number, number, number];

/** Why the rejection cannot be sent (null: it can); the server says the same. */
export function rejectProblem(d: RejectDraft, box?: Box): string | null {
  if (d.reasons.length === 0) return 'Choose at least one reason';
  if (textBytes(d.comment) > MAX_TEXT_BYTES) return 'The comment is longer than 2,000 characters';
  if (d.pins.length > MAX_PINS) return `At most ${MAX_PINS} pinned comments`;
  for (let i = 0; i < d.pins.length; i++) {
    const p = d.pins[i];
    const n = `Pinned comment ${i + 1}`;
    if (!p.reason) return `${n} needs a reason`;
    if (!p.text.trim()) return `${n} needs a text`;
    if (textBytes(p.text) > MAX_TEXT_BYTES) return `${n} is longer than 2,000 characters`;
    if (box && (p.x < box[0] || p.x > box[2] || p.y < box[1] || p.y > box[3])) return `${n} lies outside the tile`;
  }
  return null;
}

/** The reason a new pin starts with: the first reason chosen, else "wrong class". */
export function defaultPinReason(d: RejectDraft): ReasonName {
  return d.reasons[0] ?? 'wrong_class';
}

/** tessera.v1.RejectTile of a draft (reasons as wire values, pins in absolute centimetres). */
export function rejectMessage(tile: string, d: RejectDraft): {
  tileKey: string; reasons: number[]; comment: string;
  comments: { featureId: number; xCm: number; yCm: number; reason: number; text: string }[];
} {
  return {
    tileKey: tile,
    reasons: d.reasons.map(reasonValue),
    comment: d.comment.trim(),
    comments: d.pins.map((p) => ({
      featureId: p.featureId, xCm: Math.round(p.x * 100), yCm: Math.round(p.y * 100), reason: reasonValue(p.reason), text: p.text.trim(),
    })),
  };
}

// ------------------------------------------------------------------ state changes, as people read them

/** tessera.v1.TileStateChanged, states as names and reasons as wire values or names. */
export interface StateChange {
  tile: string;
  state: string;
  from: string;
  by: string;
  reasons: (number | string)[];
  comment: string;
  /** Pinned comments that came with it. */
  comments: number;
}

export interface StateChangeText {
  text: string;
  kind: 'success' | 'warning' | 'info';
}

/** What a state change says (`me`: the user's name, who reads "You"). */
export function stateChangeText(c: StateChange, me: string): StateChangeText {
  const you = !!c.by && c.by === me;
  const who = you ? 'You' : c.by || 'Someone';
  const t = `tile ${c.tile}`;
  const quoted = c.comment.trim() ? ` — “${c.comment.trim()}”` : '';
  switch (c.state) {
    case 'submitted':
      if (c.from === 'in_review') {
        return c.by ? { text: `${who} released the review of ${t}: it is back in the review queue.`, kind: 'info' }
          : { text: `The review of ${t} lapsed: it is back in the review queue.`, kind: 'info' };
      }
      return { text: `${who} submitted ${t} for review.`, kind: you ? 'success' : 'info' };
    case 'in_review':
      return { text: `${who} ${you ? 'are' : 'is'} reviewing ${t}.`, kind: you ? 'success' : 'info' };
    case 'approved':
      return { text: `${who} approved ${t}${quoted}.`, kind: 'success' };
    case 'rejected': {
      const reasons = c.reasons.length ? `: ${c.reasons.map(reasonLabel).join(', ')}` : '';
      const pins = c.comments ? ` (${plural(c.comments, 'pinned comment')} on the map)` : '';
      return { text: `${who} rejected ${t}${reasons}${quoted}${pins}.`, kind: 'warning' };
    }
    case 'in_progress':
      if (CLOSED_STATES.includes(c.from)) {
        const why = c.comment.trim().replace(/[.!?…]+$/, '');
        return { text: `${who} reopened ${t}${why ? `: ${why}` : ''}.`, kind: 'info' };
      }
      return { text: `${t.charAt(0).toUpperCase()}${t.slice(1)} is in progress.`, kind: 'info' };
    case 'published':
      return { text: `Tile ${c.tile} was published.`, kind: 'success' };
    default:
      return { text: `Tile ${c.tile} is now ${stateWords(c.state)}${c.by ? ` (${c.by})` : ''}.`, kind: 'info' };
  }
}
