// The fixed list of reasons a reviewer rejects a tile for (tessera.v1.RejectReason): wire values,
// the names the HTTP API uses, and what people read.
// Pure, without imports, so that `npm test` runs it in Node.

export type ReasonName = 'wrong_class' | 'wrong_boundary' | 'missed_change' | 'incomplete' | 'other';

export interface ReasonDef {
  /** tessera.v1.RejectReason */
  value: number;
  /** As GET /api/v1/my-work and /reviews say it. */
  name: ReasonName;
  label: string;
  hint: string;
}

export const REASONS: readonly ReasonDef[] = [
  { value: 1, name: 'wrong_class', label: 'Wrong class', hint: 'A polygon carries the wrong land cover or land use' },
  { value: 2, name: 'wrong_boundary', label: 'Wrong boundary', hint: 'A boundary does not follow what the imagery shows' },
  { value: 3, name: 'missed_change', label: 'Missed change', hint: 'Something visible on the imagery was left as predicted' },
  { value: 4, name: 'incomplete', label: 'Incomplete', hint: 'Part of the tile was not checked' },
  { value: 5, name: 'other', label: 'Other', hint: 'Explained in the comment' },
];

export function reasonByName(name: string): ReasonDef | undefined {
  return REASONS.find((r) => r.name === name);
}

export function reasonByValue(value: number): ReasonDef | undefined {
  return REASONS.find((r) => r.value === value);
}

/** The wire value of a reason name; 0 (unspecified) when unknown. */
export function reasonValue(name: string): number {
  return reasonByName(name)?.value ?? 0;
}

/** The name of a wire value; '' when unknown. */
export function reasonName(value: number | null | undefined): ReasonName | '' {
  return reasonByValue(value ?? 0)?.name ?? '';
}

/** What people read for a reason given by name or wire value (an unknown one as it came). */
export function reasonLabel(reason: string | number | null | undefined): string {
  const def = typeof reason === 'number' ? reasonByValue(reason) : reasonByName(reason ?? '');
  if (def) return def.label;
  if (reason === null || reason === undefined || reason === '' || reason === 0) return 'Unspecified';
  return String(reason).replace(/_/g, ' ');
}

/** "Wrong class, Incomplete". */
export function reasonsText(reasons: readonly (string | number)[]): string {
  return reasons.map(reasonLabel).join(', ');
}
