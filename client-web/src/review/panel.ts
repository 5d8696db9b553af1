// The review panel of the tile being worked on (right-hand column):
// - its last decision: outcome, reviewer, reasons, comment and pinned comments (click: on the map);
// - for controllers and leads: "Claim review" on a submitted tile; while holding the review, the
//   list of changes against the prediction (click: on the map), Approve (optional comment), Reject
//   (reasons from the fixed list, a comment, comments pinned on the map) and Release;
// - for leads: Reopen (with a reason) on a closed tile.
// The forms are built once per review and only their buttons follow the state, so typing is
// never interrupted by a redraw.
import type { ReviewJson } from '../api';
import type { Nomenclature } from '../nomenclature';
import { stateStyle } from '../styles';
import { h, replace, swatch } from '../ui/dom';
import { formatArea } from '../ui/featurePanel';
import { CHANGE_KINDS, changeLabel, changeSummary, type Change, type ChangeList, type Classes } from './diff';
import { REASONS, reasonLabel, type ReasonName } from './reasons';
import { outcomeLabel, plural, type ActionState, type DraftPin, type RejectDraft, type ReviewActions, type ReviewCommentLike } from './state';

const dateFmt = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeStyle: 'short' });
const MAX_CHANGE_ROWS = 200;

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

export interface ReviewPanelView {
  tile: string;
  state: string;
  actions: ReviewActions;
  reviewer: string | null;
  /** The tile's reviews are being fetched (first time). */
  loading: boolean;
  decision: ReviewJson | null;
  /** Pinned comments shown on the map (those of the last rejection, until approval). */
  pins: ReviewCommentLike[];
  /** While reviewing: the changes against the prediction (null: loading), or why they are missing. */
  changes: ChangeList | null;
  changesError: string | null;
  draft: RejectDraft;
  pinMode: boolean;
}

export interface ReviewPanelHandlers {
  claim(tile: string): void;
  release(tile: string): void;
  approve(tile: string, comment: string): void;
  reject(tile: string): void;
  reopen(tile: string, reason: string): void;
  /** The rejection being written changed (reasons, comment, a pin's reason or text). */
  draftChanged(): void;
  togglePinMode(): void;
  removePin(id: number): void;
  focusPin(n: number, draft: boolean): void;
  focusChange(change: Change): void;
}

export class ReviewPanel {
  readonly el: HTMLElement;
  private readonly m_title: HTMLElement;
  private readonly m_last: HTMLElement;
  private readonly m_actions: HTMLElement;
  private readonly m_reopen: HTMLElement;
  private readonly m_reopenReason: HTMLInputElement;
  private readonly m_reopenBtn: HTMLButtonElement;
  private m_form: ReviewForm | null = null;
  private m_view: ReviewPanelView | null = null;
  private m_lastSig = '';
  private m_actionsSig = '';

  constructor(private readonly m_nomen: Nomenclature, private readonly m_h: ReviewPanelHandlers) {
    this.m_title = h('h2', { class: 'panel-title' }, 'Review');
    this.m_last = h('div', { id: 'review-last', class: 'review-last' });
    this.m_actions = h('div', { class: 'review-actions' });
    this.m_reopenReason = h('input', { type: 'text', id: 'review-reopen-reason', placeholder: 'Why (optional)', maxlength: 2000 });
    this.m_reopenBtn = h('button', { type: 'button', id: 'review-reopen', class: 'btn btn-ghost btn-small' }, 'Reopen');
    this.m_reopenBtn.addEventListener('click', () => {
      if (this.m_view) this.m_h.reopen(this.m_view.tile, this.m_reopenReason.value.trim());
    });
    this.m_reopen = h('div', { class: 'review-reopen', hidden: true },
      h('div', { class: 'field-label' }, 'Lead: reopen this tile for editing'), h('div', { class: 'inline-form' }, this.m_reopenReason, this.m_reopenBtn));
    this.el = h('section', { id: 'review-panel', class: 'panel review-panel', 'aria-label': 'Review', hidden: true },
      this.m_title, this.m_last, this.m_actions, this.m_reopen);
  }

  get tile(): string | null {
    return this.m_view?.tile ?? null;
  }

  /** The form of the review in progress (its comment fields), for the tests and the controller. */
  get form(): ReviewForm | null {
    return this.m_form;
  }

  show(v: ReviewPanelView | null): void {
    const prev = this.m_view;
    this.m_view = v;
    const el = this.el;
    const nothing = !v || (v.actions.mode === 'none' && !v.decision && !v.loading && !v.actions.reopen.shown);
    el.hidden = nothing;
    el.dataset.tile = v?.tile ?? '';
    el.dataset.mode = v?.actions.mode ?? '';
    el.dataset.state = v?.state ?? '';
    el.dataset.reviewer = v?.reviewer ?? '';
    if (!v) {
      this.m_form = null;
      this.m_actions.replaceChildren();
      this.m_lastSig = this.m_actionsSig = '';
      return;
    }
    if (prev?.tile !== v.tile) this.m_reopenReason.value = '';
    const st = stateStyle(v.state);
    this.m_title.replaceChildren('Review ', h('span', { class: 'badge', style: `background:${st.color};color:#fff` }, st.label));
    this.renderLast(v);
    this.renderActions(v);
    this.m_reopen.hidden = !v.actions.reopen.shown;
    setButton(this.m_reopenBtn, v.actions.reopen, `Reopen tile ${v.tile}: it goes back to in progress`);
  }

  // ------------------------------------------------------------------ last decision

  private renderLast(v: ReviewPanelView): void {
    const d = v.decision;
    const sig = JSON.stringify([v.tile, v.loading, d?.id, d?.outcome, d?.comments.length, v.pins.length]);
    if (sig === this.m_lastSig) return;
    this.m_lastSig = sig;
    this.m_last.dataset.outcome = d?.outcome ?? '';
    if (!d) {
      replace(this.m_last, v.loading ? h('p', { class: 'muted' }, 'Loading the reviews of this tile…') : null);
      return;
    }
    const pins = v.pins.length ? v.pins : [];
    replace(this.m_last,
      h('div', { class: 'review-outcome' },
        h('span', { class: `badge outcome-${d.outcome}` }, outcomeLabel(d.outcome)),
        h('span', {}, ` by ${d.reviewer}`), h('span', { class: 'muted' }, ` · ${formatDate(d.ended_at)}`)),
      d.reasons.length ? h('ul', { class: 'review-reasons-list' }, ...d.reasons.map((r) => h('li', { class: 'review-reason', 'data-reason': r }, reasonLabel(r)))) : null,
      d.comment ? h('blockquote', { class: 'review-comment', id: 'review-last-comment' }, d.comment) : null,
      pins.length ? h('ol', { class: 'review-pins', id: 'review-pins' }, ...pins.map((p, i) => {
        const b = h('button', { type: 'button', class: 'review-pin', 'data-n': i + 1, 'data-feature': p.feature ?? '', 'data-reason': p.reason, title: 'Show it on the map' },
          h('span', { class: 'pin-n' }, String(i + 1)),
          h('span', { class: 'pin-body' }, h('strong', {}, reasonLabel(p.reason)), ' ', h('span', { class: 'pin-text' }, p.text),
            h('span', { class: 'muted pin-meta' }, p.feature ? ` — polygon ${p.feature}` : ' — a point')));
        b.addEventListener('click', () => this.m_h.focusPin(i + 1, false));
        return h('li', {}, b);
      })) : null);
  }

  // ------------------------------------------------------------------ actions

  private renderActions(v: ReviewPanelView): void {
    const a = v.actions;
    const sig = JSON.stringify([v.tile, a.mode, v.reviewer]);
    if (sig !== this.m_actionsSig) {
      this.m_actionsSig = sig;
      this.m_form = null;
      if (a.mode === 'claimable') {
        const claim = h('button', { type: 'button', id: 'review-claim', class: 'btn btn-primary btn-small' }, 'Claim review');
        claim.addEventListener('click', () => this.m_h.claim(v.tile));
        replace(this.m_actions,
          h('p', { class: 'review-note' }, 'Submitted, waiting for a reviewer. Claiming it gives you its review lease: nobody else reviews it meanwhile.'),
          h('div', { class: 'panel-actions' }, claim), h('p', { id: 'review-claim-reason', class: 'qc-reason', hidden: true }));
      } else if (a.mode === 'held') {
        replace(this.m_actions, h('p', { class: 'review-note', id: 'review-held' }, `${v.reviewer ?? 'Someone'} is reviewing this tile.`));
      } else if (a.mode === 'reviewing') {
        this.m_form = new ReviewForm(v.tile, this.m_nomen, this.m_h);
        replace(this.m_actions, this.m_form.el);
      } else {
        this.m_actions.replaceChildren();
      }
    }
    if (a.mode === 'claimable') {
      const claim = this.m_actions.querySelector<HTMLButtonElement>('#review-claim');
      const why = this.m_actions.querySelector<HTMLElement>('#review-claim-reason');
      if (claim) setButton(claim, a.claim, `Claim the review of tile ${v.tile}`);
      if (why) {
        why.hidden = !a.claim.reason;
        why.textContent = a.claim.reason ?? '';
      }
    }
    this.m_form?.update(v);
  }
}

function setButton(b: HTMLButtonElement, s: ActionState, title: string): void {
  b.hidden = !s.shown;
  b.disabled = !!s.reason;
  b.title = s.reason ?? title;
  b.dataset.reason = s.reason ?? '';
}

/** The form of a review in progress. */
export class ReviewForm {
  readonly el: HTMLElement;
  readonly approveComment: HTMLTextAreaElement;
  readonly rejectComment: HTMLTextAreaElement;
  private readonly m_summary: HTMLElement;
  private readonly m_changes: HTMLElement;
  private readonly m_reasons = new Map<ReasonName, HTMLInputElement>();
  private readonly m_pins: HTMLElement;
  private readonly m_pinBtn: HTMLButtonElement;
  private readonly m_approve: HTMLButtonElement;
  private readonly m_reject: HTMLButtonElement;
  private readonly m_rejectWhy: HTMLElement;
  private readonly m_approveWhy: HTMLElement;
  private readonly m_release: HTMLButtonElement;
  private m_view: ReviewPanelView | null = null;
  private m_changesSig = '';
  private m_pinsSig = '';

  constructor(private readonly m_tile: string, private readonly m_nomen: Nomenclature, private readonly m_h: ReviewPanelHandlers) {
    this.m_summary = h('p', { class: 'review-summary', id: 'review-summary' });
    this.m_changes = h('div', { class: 'review-changes', id: 'review-changes' });
    this.approveComment = h('textarea', { id: 'review-approve-comment', rows: 2, maxlength: 2000, placeholder: 'Comment (optional)' });
    this.m_approve = h('button', { type: 'button', id: 'review-approve', class: 'btn btn-primary btn-small btn-approve' }, 'Approve');
    this.m_approve.addEventListener('click', () => this.m_h.approve(this.m_tile, this.approveComment.value.trim()));
    this.m_approveWhy = h('p', { class: 'qc-reason', id: 'review-approve-reason', hidden: true });

    const reasons = h('div', { class: 'review-reasons', id: 'review-reasons', role: 'group', 'aria-label': 'Reasons' });
    for (const r of REASONS) {
      const input = h('input', { type: 'checkbox', value: r.name, id: `review-reason-${r.name}` });
      input.addEventListener('change', () => this.readDraft());
      this.m_reasons.set(r.name, input);
      reasons.append(h('label', { class: 'check', for: input.id, title: r.hint }, input, h('span', {}, r.label)));
    }
    this.rejectComment = h('textarea', { id: 'review-reject-comment', rows: 2, maxlength: 2000, placeholder: 'What to fix (optional)' });
    this.rejectComment.addEventListener('input', () => this.readDraft());
    this.m_pinBtn = h('button', { type: 'button', id: 'review-pin', class: 'btn btn-ghost btn-small', 'aria-pressed': 'false' }, '+ Pin a comment on the map');
    this.m_pinBtn.addEventListener('click', () => this.m_h.togglePinMode());
    this.m_pins = h('ol', { class: 'draft-pins', id: 'review-draft-pins' });
    this.m_reject = h('button', { type: 'button', id: 'review-reject', class: 'btn btn-danger btn-small' }, 'Reject');
    this.m_reject.addEventListener('click', () => this.m_h.reject(this.m_tile));
    this.m_rejectWhy = h('p', { class: 'qc-reason', id: 'review-reject-reason', hidden: true });
    this.m_release = h('button', { type: 'button', id: 'review-release', class: 'btn btn-ghost btn-small' }, 'Release review');
    this.m_release.addEventListener('click', () => this.m_h.release(this.m_tile));

    this.el = h('div', { class: 'review-form', id: 'review-form', 'data-tile': m_tile },
      h('p', { class: 'review-note' }, 'You are reviewing this tile. Compare the correction with the prediction on the map (swipe or side by side); the changes are outlined in pink.'),
      h('h3', { class: 'review-h' }, 'Changes against the prediction'), this.m_summary, this.m_changes,
      h('h3', { class: 'review-h' }, 'Approve'), this.approveComment, h('div', { class: 'panel-actions' }, this.m_approve), this.m_approveWhy,
      h('h3', { class: 'review-h' }, 'Reject'), reasons, this.rejectComment,
      h('div', { class: 'pin-row' }, this.m_pinBtn), this.m_pins,
      h('div', { class: 'panel-actions' }, this.m_reject), this.m_rejectWhy,
      h('div', { class: 'panel-actions review-release' }, this.m_release));
  }

  update(v: ReviewPanelView): void {
    this.m_view = v;
    const a = v.actions;
    setButton(this.m_approve, a.approve, `Approve tile ${v.tile}`);
    setButton(this.m_reject, a.reject, `Reject tile ${v.tile} with the reasons and comments above`);
    setButton(this.m_release, a.release, `Give the review of tile ${v.tile} back to the queue`);
    for (const [b, why] of [[this.m_approve, this.m_approveWhy], [this.m_reject, this.m_rejectWhy]] as const) {
      why.hidden = !b.dataset.reason;
      why.textContent = b.dataset.reason ?? '';
    }
    this.m_pinBtn.classList.toggle('active', v.pinMode);
    this.m_pinBtn.setAttribute('aria-pressed', String(v.pinMode));
    this.m_pinBtn.textContent = v.pinMode ? 'Click the map where the comment goes… (Esc cancels)' : '+ Pin a comment on the map';
    for (const [name, input] of this.m_reasons) input.checked = v.draft.reasons.includes(name);
    if (this.rejectComment.value !== v.draft.comment && document.activeElement !== this.rejectComment) this.rejectComment.value = v.draft.comment;
    this.renderChanges(v);
    this.renderPins(v.draft);
  }

  /** Reads the reasons and the comment into the draft. */
  private readDraft(): void {
    const d = this.m_view?.draft;
    if (!d) return;
    d.reasons = REASONS.map((r) => r.name).filter((n) => this.m_reasons.get(n)?.checked);
    d.comment = this.rejectComment.value;
    this.m_h.draftChanged();
  }

  private renderChanges(v: ReviewPanelView): void {
    const list = v.changes;
    const sig = list ? `${list.changes.map((c) => `${c.id}:${c.kind}:${c.after?.cs}:${c.after?.us}`).join(',')}` : `none|${v.changesError}`;
    if (sig === this.m_changesSig) return;
    this.m_changesSig = sig;
    if (!list) {
      this.m_summary.textContent = v.changesError ?? 'Loading the prediction…';
      this.m_changes.replaceChildren();
      this.m_changes.dataset.count = '';
      return;
    }
    const mapChanges = list.changes.filter((c) => c.kind !== 'confirmed');
    this.m_changes.dataset.count = String(mapChanges.length);
    this.m_summary.textContent = `${changeSummary(list)}; ${plural(list.counts.confirmed, 'polygon')} confirmed as predicted, ${list.unchanged} untouched.`;
    const groups = CHANGE_KINDS.filter((k) => k !== 'confirmed' && list.counts[k] > 0);
    if (!groups.length) {
      replace(this.m_changes, h('p', { class: 'empty' }, 'The correction is the prediction.'));
      return;
    }
    replace(this.m_changes, ...groups.map((k) => {
      const rows = list.changes.filter((c) => c.kind === k);
      return h('details', { class: 'change-group', 'data-kind': k, 'data-count': rows.length, open: true },
        h('summary', {}, h('span', {}, changeLabel(k)), h('span', { class: 'count' }, String(rows.length))),
        h('ul', {}, ...rows.slice(0, MAX_CHANGE_ROWS).map((c) => this.changeRow(c)),
          rows.length > MAX_CHANGE_ROWS ? h('li', { class: 'muted' }, `and ${rows.length - MAX_CHANGE_ROWS} more on the map`) : null));
    }));
  }

  private classes(c: Classes | null): HTMLElement {
    if (!c) return h('span', { class: 'muted' }, '—');
    return h('span', { class: 'change-classes' },
      swatch(this.m_nomen.color('cs', c.cs), this.m_nomen.label('cs', c.cs)), h('code', {}, c.cs), ' ',
      swatch(this.m_nomen.color('us', c.us), this.m_nomen.label('us', c.us)), h('code', {}, c.us));
  }

  private changeRow(c: Change): HTMLElement {
    const area = c.areaBefore !== null && c.areaAfter !== null && Math.abs(c.areaBefore - c.areaAfter) > 0.01
      ? `${formatArea(c.areaBefore)} → ${formatArea(c.areaAfter)}` : formatArea(c.areaAfter ?? c.areaBefore ?? 0);
    const b = h('button', {
      type: 'button', class: 'change-row', 'data-id': c.id, 'data-kind': c.kind,
      'data-before': c.before ? `${c.before.cs} ${c.before.us}` : '', 'data-after': c.after ? `${c.after.cs} ${c.after.us}` : '',
      title: 'Show it on the map',
    },
    h('span', { class: 'change-id' }, `#${c.id}`),
    h('span', { class: 'change-body' }, h('span', { class: 'change-line' }, this.classes(c.before), h('span', { class: 'arrow' }, ' → '), this.classes(c.after)),
      h('span', { class: 'muted change-area' }, area)));
    b.addEventListener('click', () => this.m_h.focusChange(c));
    return h('li', {}, b);
  }

  /** The pins being written: rebuilt when one is added or removed, never while typing. */
  private renderPins(d: RejectDraft): void {
    const sig = d.pins.map((p) => p.id).join(',');
    if (sig === this.m_pinsSig) return;
    const added = d.pins.length > 0 && !this.m_pinsSig.split(',').includes(String(d.pins[d.pins.length - 1].id));
    this.m_pinsSig = sig;
    replace(this.m_pins, ...d.pins.map((p, i) => this.pinRow(p, i)));
    if (added) this.m_pins.querySelector<HTMLTextAreaElement>('li:last-child textarea')?.focus();
  }

  private pinRow(p: DraftPin, i: number): HTMLElement {
    const select = h('select', { class: 'draft-pin-reason', 'aria-label': `Reason of pinned comment ${i + 1}` },
      ...REASONS.map((r) => h('option', { value: r.name, selected: r.name === p.reason }, r.label)));
    select.addEventListener('change', () => {
      p.reason = select.value as ReasonName;
      this.m_h.draftChanged();
    });
    const text = h('textarea', { class: 'draft-pin-text', rows: 2, maxlength: 2000, placeholder: 'What is wrong here', 'aria-label': `Text of pinned comment ${i + 1}` });
    text.value = p.text;
    text.addEventListener('input', () => {
      p.text = text.value;
      this.m_h.draftChanged();
    });
    const remove = h('button', { type: 'button', class: 'icon-btn draft-pin-remove', 'aria-label': `Remove pinned comment ${i + 1}`, title: 'Remove' }, '×');
    remove.addEventListener('click', () => this.m_h.removePin(p.id));
    const n = h('button', { type: 'button', class: 'pin-n draft', title: 'Show it on the map' }, String(i + 1));
    n.addEventListener('click', () => this.m_h.focusPin(i + 1, true));
    return h('li', { class: 'draft-pin', 'data-index': i, 'data-feature': p.featureId || '' },
      h('div', { class: 'draft-pin-head' }, n, select, h('span', { class: 'muted' }, p.featureId ? `polygon ${p.featureId}` : 'a point'), remove),
      text);
  }
}
