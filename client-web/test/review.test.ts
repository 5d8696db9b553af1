import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REASONS, reasonLabel, reasonName, reasonValue, reasonsText } from '../src/review/reasons.js';
import {
  currentReviewer, defaultPinReason, editLockReason, emptyDraft, isOpenForEditing, lastDecision, outcomeLabel, pinsToShow,
  rejectMessage, rejectProblem, reviewActions, stateChangeText, type ReviewContext, type ReviewLike,
} from '../src/review/state.js';

const review = (id: number, outcome: string | null, extra: Partial<ReviewLike> = {}): ReviewLike => ({
  id, reviewer: 'marc', outcome, reasons: [], comment: '', claimed_at: '2026-01-01T10:00:00Z',
  ended_at: outcome === null ? null : '2026-01-01T11:00:00Z', comments: [], ...extra,
});
const pin = { feature: 12, x: 880100, y: 6840100, reason: 'wrong_class', text: 'a meadow', author: 'marc', at: '2026-01-01T11:00:00Z' };

test('the reasons map between wire values, names and labels', () => {
  assert.deepEqual(REASONS.map((r) => r.value), [1, 2, 3, 4, 5]);
  assert.equal(reasonValue('wrong_boundary'), 2);
  assert.equal(reasonValue('nonsense'), 0);
  assert.equal(reasonName(3), 'missed_change');
  assert.equal(reasonName(0), '');
  assert.equal(reasonName(undefined), '');
  assert.equal(reasonLabel('incomplete'), 'Incomplete');
  assert.equal(reasonLabel(5), 'Other');
  assert.equal(reasonLabel('some_new_reason'), 'some new reason');
  assert.equal(reasonLabel(0), 'Unspecified');
  assert.equal(reasonsText(['wrong_class', 4]), 'Wrong class, Incomplete');
  for (const r of REASONS) assert.equal(reasonName(reasonValue(r.name)), r.name);
});

test('only todo, in progress and rejected tiles are open for editing; the others say why', () => {
  assert.ok(isOpenForEditing('todo') && isOpenForEditing('in_progress') && isOpenForEditing('rejected'));
  assert.equal(editLockReason('0880_6840', 'rejected'), null);
  assert.equal(editLockReason('0880_6840', ''), null);
  assert.equal(editLockReason('0880_6840', 'submitted'), 'Tile 0880_6840 is submitted for review: not open for editing');
  assert.equal(editLockReason('0880_6840', 'in_review', 'marc'), 'Tile 0880_6840 is in review by marc: not open for editing');
  assert.equal(editLockReason('0880_6840', 'in_review'), 'Tile 0880_6840 is in review: not open for editing');
  assert.match(editLockReason('0880_6840', 'approved') ?? '', /approved: not open for editing \(a lead can reopen it\)/);
  assert.match(editLockReason('0880_6840', 'published') ?? '', /published/);
});

test('the last decision skips releases, lapses and the open review; its pins show until approval', () => {
  const list = [review(4, null), review(3, 'lapsed'), review(2, 'rejected', { comments: [pin] }), review(1, 'approved')];
  assert.equal(lastDecision(list)?.id, 2);
  assert.equal(lastDecision([review(1, 'released')]), null);
  assert.deepEqual(pinsToShow('rejected', list), [pin]);
  assert.deepEqual(pinsToShow('in_review', list), [pin]);
  assert.deepEqual(pinsToShow('approved', list), []);
  assert.deepEqual(pinsToShow('rejected', [review(5, 'approved'), ...list]), []);
  assert.equal(outcomeLabel('rejected'), 'Rejected');
  assert.equal(outcomeLabel(null), 'In review');
});

test('who reviews: the last claim heard, else the open review, else the lease holder; nobody out of review', () => {
  const list = [review(4, null, { reviewer: 'sophie' })];
  assert.equal(currentReviewer('in_review', 'marc', list, 'x'), 'marc');
  assert.equal(currentReviewer('in_review', null, list, 'x'), 'sophie');
  assert.equal(currentReviewer('in_review', null, [], 'x'), 'x');
  assert.equal(currentReviewer('submitted', 'marc', list, 'x'), null);
});

const ctx = (c: Partial<ReviewContext>): ReviewContext => ({
  state: 'submitted', role: 'controller', me: 'marc', reviewer: null, connected: true, busy: false, blocking: 0, ...c,
});

test('controllers and leads claim submitted tiles; contributors never see review actions', () => {
  const a = reviewActions(ctx({}));
  assert.equal(a.mode, 'claimable');
  assert.deepEqual(a.claim, { shown: true, reason: null });
  assert.equal(a.approve.shown || a.reject.shown || a.release.shown || a.reopen.shown, false);
  const c = reviewActions(ctx({ role: 'contributor' }));
  assert.equal(c.mode, 'none');
  assert.equal(c.claim.shown, false);
  assert.match(reviewActions(ctx({ editedByMe: true })).claim.reason ?? '', /four-eyes/);
  assert.match(reviewActions(ctx({ connected: false })).claim.reason ?? '', /Offline/);
  assert.match(reviewActions(ctx({ busy: true })).claim.reason ?? '', /Waiting/);
});

test('the reviewer holding the review may release, approve (without blocking issues) and reject (with a reason)', () => {
  const r = reviewActions(ctx({ state: 'in_review', reviewer: 'marc', rejectProblem: 'Choose at least one reason' }));
  assert.equal(r.mode, 'reviewing');
  assert.deepEqual(r.release, { shown: true, reason: null });
  assert.deepEqual(r.approve, { shown: true, reason: null });
  assert.deepEqual(r.reject, { shown: true, reason: 'Choose at least one reason' });
  assert.equal(reviewActions(ctx({ state: 'in_review', reviewer: 'marc', blocking: 2 })).approve.reason, '2 blocking issues: reject the tile or have them fixed');
  const other = reviewActions(ctx({ state: 'in_review', reviewer: 'chloe' }));
  assert.equal(other.mode, 'held');
  assert.equal(other.approve.shown || other.release.shown, false);
  assert.equal(reviewActions(ctx({ state: 'approved' })).mode, 'idle');
});

test('leads may reopen closed tiles', () => {
  assert.deepEqual(reviewActions(ctx({ role: 'lead', state: 'approved' })).reopen, { shown: true, reason: null });
  assert.equal(reviewActions(ctx({ role: 'lead', state: 'in_progress' })).reopen.shown, false);
  assert.equal(reviewActions(ctx({ role: 'controller', state: 'approved' })).reopen.shown, false);
});

test('a rejection needs a reason; its pins a reason and a text, inside the tile', () => {
  const d = emptyDraft();
  assert.equal(rejectProblem(d), 'Choose at least one reason');
  assert.equal(defaultPinReason(d), 'wrong_class');
  d.reasons.push('wrong_boundary');
  assert.equal(defaultPinReason(d), 'wrong_boundary');
  assert.equal(rejectProblem(d), null);
  d.pins.push({ id: 1, x: 880100.123, y: 6840200.456, featureId: 12, reason: 'wrong_class', text: '  ' });
  assert.equal(rejectProblem(d), 'Pinned comment 1 needs a text');
  d.pins[0].text = 'é'.repeat(1001);
  assert.equal(rejectProblem(d), 'Pinned comment 1 is longer than 2,000 characters');
  d.pins[0].text = ' a meadow, not a field ';
  assert.equal(rejectProblem(d, [880000, 6840000, 881000, 6841000]), null);
  assert.equal(rejectProblem(d, [870000, 6840000, 871000, 6841000]), 'Pinned comment 1 lies outside the tile');
  d.pins[0].reason = '';
  assert.equal(rejectProblem(d), 'Pinned comment 1 needs a reason');
  d.pins[0].reason = 'other';
  d.comment = ' see the pins ';
  assert.deepEqual(rejectMessage('0880_6840', d), {
    tileKey: '0880_6840', reasons: [2], comment: 'see the pins',
    comments: [{ featureId: 12, xCm: 88010012, yCm: 684020046, reason: 5, text: 'a meadow, not a field' }],
  });
});

test('state changes read as sentences, "You" for the user', () => {
  const base = { tile: '0880_6840', from: 'in_review', by: 'marc', reasons: [], comment: '', comments: 0 };
  assert.deepEqual(stateChangeText({ ...base, state: 'rejected', reasons: [1, 'incomplete'], comment: 'see pins', comments: 2 }, 'lea'), {
    text: 'marc rejected tile 0880_6840: Wrong class, Incomplete — “see pins” (2 pinned comments on the map).', kind: 'warning',
  });
  assert.equal(stateChangeText({ ...base, state: 'approved' }, 'marc').text, 'You approved tile 0880_6840.');
  assert.equal(stateChangeText({ ...base, state: 'in_review', from: 'submitted' }, 'marc').text, 'You are reviewing tile 0880_6840.');
  assert.equal(stateChangeText({ ...base, state: 'in_review', from: 'submitted' }, 'lea').text, 'marc is reviewing tile 0880_6840.');
  assert.equal(stateChangeText({ ...base, state: 'submitted' }, 'lea').text, 'marc released the review of tile 0880_6840: it is back in the review queue.');
  assert.equal(stateChangeText({ ...base, state: 'submitted', by: '' }, 'lea').text, 'The review of tile 0880_6840 lapsed: it is back in the review queue.');
  assert.equal(stateChangeText({ ...base, state: 'submitted', from: 'rejected', by: 'lea' }, 'marc').text, 'lea submitted tile 0880_6840 for review.');
  assert.equal(stateChangeText({ ...base, state: 'in_progress', from: 'approved', by: 'sophie', comment: 'boundary' }, 'lea').text, 'sophie reopened tile 0880_6840: boundary.');
  assert.equal(stateChangeText({ ...base, state: 'in_progress', from: 'approved', by: 'sophie', comment: 'Look again.' }, 'lea').text, 'sophie reopened tile 0880_6840: Look again.');
});
