// The lead's dashboard: the answers of GET /api/v1/dashboard/<name> read defensively (a missing
// or malformed field becomes 0, null or an empty list, never an exception), the URLs of those
// endpoints (JSON, and CSV for the "CSV" links), and the figures the page shows: per-state
// shares that add up to 100 %, leaderboards, rates, areas and durations as text. Pure: no DOM.

/** The tile states in lifecycle order (as the server's `states` list). */
export const STATE_ORDER = ['todo', 'in_progress', 'submitted', 'in_review', 'approved', 'rejected', 'published'];
/** States whose tiles are done (no more work is expected on them). */
export const DONE_STATES = ['approved', 'published'];

export type DashboardName = 'states' | 'progress' | 'throughput' | 'contributors' | 'controllers' | 'qc' | 'conflicts';

/** Who sees the dashboard page (the server answers 403 to anyone else). */
export function maySeeDashboards(role: string): boolean {
  return role === 'lead' || role === 'admin';
}

// ------------------------------------------------------------------ defensive reading

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A finite number, or 0. */
export function num(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
}

function numOrNull(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}

/** The states to show: the server's list (known order), then any other met in the figures. */
function stateList(declared: unknown, seen: Iterable<string> = []): string[] {
  const out = list(declared).filter((s): s is string => typeof s === 'string' && s !== '');
  const base = out.length ? out : [...STATE_ORDER];
  for (const s of seen) if (!base.includes(s)) base.push(s);
  return base;
}

// ------------------------------------------------------------------ states

export interface StateFigure {
  tiles: number;
  area_m2: number;
}

/** Tiles and area per state of the whole project (`zone` null) or of one zone. */
export interface ZoneStates {
  zone: string | null;
  tiles: number;
  area_m2: number;
  by_state: Record<string, StateFigure>;
}

export interface StatesData {
  states: string[];
  project: ZoneStates | null;
  zones: ZoneStates[];
}

function zoneStates(raw: unknown, isZone: boolean): ZoneStates {
  const o = obj(raw);
  const by = obj(o.by_state);
  const byState: Record<string, StateFigure> = {};
  for (const [state, f] of Object.entries(by)) byState[state] = { tiles: num(obj(f).tiles), area_m2: num(obj(f).area_m2) };
  const sumTiles = Object.values(byState).reduce((a, f) => a + f.tiles, 0);
  const sumArea = Object.values(byState).reduce((a, f) => a + f.area_m2, 0);
  return {
    zone: isZone ? str(o.zone, str(o.name)) : null,
    tiles: o.tiles === undefined ? sumTiles : num(o.tiles),
    area_m2: o.area_m2 === undefined ? sumArea : num(o.area_m2),
    by_state: byState,
  };
}

export function parseStates(raw: unknown): StatesData {
  const o = obj(raw);
  const project = o.project === undefined || o.project === null ? null : zoneStates(o.project, false);
  const zones = list(o.zones).map((z) => zoneStates(z, true));
  const seen = [project, ...zones].flatMap((z) => (z ? Object.keys(z.by_state) : []));
  return { states: stateList(o.states, seen), project, zones };
}

/** The figures of one zone (by name) or, with no name, of the whole project; null when absent. */
export function scopeStates(data: StatesData, zone: string | null): ZoneStates | null {
  if (!zone) return data.project;
  return data.zones.find((z) => z.zone === zone) ?? null;
}

export interface StateRow {
  state: string;
  tiles: number;
  area_m2: number;
  /** Whole percentages of the tiles and of the area, each summing to 100 over the rows (when any). */
  tilePct: number;
  areaPct: number;
}

export interface StateBreakdown {
  /** Tiles of the scope: the server's total; `sum` is what the rows add up to. */
  tiles: number;
  sum: number;
  area_m2: number;
  rows: StateRow[];
  /** Approved or published tiles, and their whole percentage. */
  done: number;
  donePct: number;
}

/** Per-state rows of a scope in lifecycle order (every state, zero ones included). */
export function stateBreakdown(z: ZoneStates | null, states: string[] = STATE_ORDER): StateBreakdown {
  const order = stateList(states, z ? Object.keys(z.by_state) : []);
  const figures = order.map((s) => z?.by_state[s] ?? { tiles: 0, area_m2: 0 });
  const tilePct = percentages(figures.map((f) => f.tiles));
  const areaPct = percentages(figures.map((f) => f.area_m2));
  const rows = order.map((state, i) => ({ state, tiles: figures[i].tiles, area_m2: figures[i].area_m2, tilePct: tilePct[i], areaPct: areaPct[i] }));
  const sum = rows.reduce((a, r) => a + r.tiles, 0);
  const done = rows.filter((r) => DONE_STATES.includes(r.state)).reduce((a, r) => a + r.tiles, 0);
  const tiles = z ? z.tiles : 0;
  return { tiles, sum, area_m2: z ? z.area_m2 : 0, rows, done, donePct: pct(done, tiles || sum) };
}

/**
 * Whole percentages of `values` that add up to exactly 100 (largest remainders; ties to the
 * first), or all zeros when the values sum to nothing.
 */
export function percentages(values: number[]): number[] {
  const clean = values.map((v) => (Number.isFinite(v) && v > 0 ? v : 0));
  const total = clean.reduce((a, v) => a + v, 0);
  if (total <= 0) return clean.map(() => 0);
  const exact = clean.map((v) => (v * 100) / total);
  const out = exact.map(Math.floor);
  let left = 100 - out.reduce((a, v) => a + v, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    if (clean[i] === 0) continue;
    out[i]++;
    left--;
  }
  return out;
}

/** A whole percentage of n over total (0 when total is 0). */
export function pct(n: number, total: number): number {
  return total > 0 ? Math.round((n * 100) / total) : 0;
}

// ------------------------------------------------------------------ progress and throughput

export interface ProgressDay {
  day: string;
  /** Tiles per state at the end of the day. */
  tiles: Record<string, number>;
  total: number;
}

export interface ProgressData {
  states: string[];
  days: ProgressDay[];
  zone: string | null;
}

export function parseProgress(raw: unknown): ProgressData {
  const o = obj(raw);
  const declared = stateList(o.states);
  const days = list(o.days).map((d) => {
    const x = obj(d);
    // Flat ({"day", "todo": 3, ...}) as served; a nested "tiles" object is read too.
    const src = x.tiles !== null && typeof x.tiles === 'object' ? obj(x.tiles) : x;
    const tiles: Record<string, number> = {};
    for (const s of declared) tiles[s] = num(src[s]);
    const sum = Object.values(tiles).reduce((a, v) => a + v, 0);
    return { day: str(x.day), tiles, total: x.total === undefined ? sum : num(x.total) };
  }).filter((d) => d.day !== '').sort((a, b) => a.day.localeCompare(b.day));
  return { states: declared, days, zone: typeof o.zone === 'string' && o.zone ? o.zone : null };
}

/** Tiles still to finish (neither approved nor published) at the end of each day. */
export function remaining(days: ProgressDay[]): number[] {
  return days.map((d) => d.total - DONE_STATES.reduce((a, s) => a + (d.tiles[s] ?? 0), 0));
}

export const THROUGHPUT_KEYS = ['change_sets', 'ops', 'submissions', 'approvals', 'rejections', 'reopens'] as const;
export type ThroughputKey = (typeof THROUGHPUT_KEYS)[number];
export type ThroughputDay = { day: string } & Record<ThroughputKey, number>;

export interface ThroughputData {
  days: ThroughputDay[];
  totals: Record<ThroughputKey, number>;
}

export function parseThroughput(raw: unknown): ThroughputData {
  const o = obj(raw);
  const days = list(o.days).map((d) => {
    const x = obj(d);
    const day = { day: str(x.day) } as ThroughputDay;
    for (const k of THROUGHPUT_KEYS) day[k] = num(x[k]);
    return day;
  }).filter((d) => d.day !== '').sort((a, b) => a.day.localeCompare(b.day));
  const t = obj(o.totals);
  const totals = {} as Record<ThroughputKey, number>;
  for (const k of THROUGHPUT_KEYS) totals[k] = t[k] === undefined ? days.reduce((a, d) => a + d[k], 0) : num(t[k]);
  return { days, totals };
}

// ------------------------------------------------------------------ leaderboards

export interface Contributor {
  user_id: number;
  username: string;
  change_sets: number;
  ops: number;
  submissions: number;
  tiles_submitted: number;
  approved: number;
  rejected: number;
  /** approved / (approved + rejected), 0..1; null before any verdict. */
  approval_rate: number | null;
  rework: number;
}

export interface ContributorsData {
  contributors: Contributor[];
  totals: Omit<Contributor, 'user_id' | 'username'>;
}

function contributor(raw: unknown): Contributor {
  const x = obj(raw);
  const approved = num(x.approved);
  const rejected = num(x.rejected);
  const rate = numOrNull(x.approval_rate);
  return {
    user_id: num(x.user_id),
    username: str(x.username),
    change_sets: num(x.change_sets),
    ops: num(x.ops),
    submissions: num(x.submissions),
    tiles_submitted: num(x.tiles_submitted),
    approved,
    rejected,
    approval_rate: rate ?? (approved + rejected > 0 ? approved / (approved + rejected) : null),
    rework: num(x.rework),
  };
}

export function parseContributors(raw: unknown): ContributorsData {
  const o = obj(raw);
  const { user_id: _id, username: _name, ...totals } = contributor(o.totals);
  void _id;
  void _name;
  return { contributors: list(o.contributors).map(contributor), totals };
}

/**
 * The contributors' leaderboard: most change sets first, then most submissions, then the best
 * approval rate, then by name; `rank` is shared by equal figures (1, 2, 2, 4).
 */
export function rankContributors(rows: Contributor[]): (Contributor & { rank: number })[] {
  const key = (c: Contributor) => [c.change_sets, c.submissions, c.approval_rate ?? -1];
  const sorted = [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return kb[i] - ka[i];
    return a.username.localeCompare(b.username);
  });
  return withRanks(sorted, key);
}

export interface Controller {
  user_id: number;
  username: string;
  claimed: number;
  approved: number;
  rejected: number;
  released: number;
  lapsed: number;
  /** Whole seconds; null when no review ended approved or rejected. */
  median_review_s: number | null;
  reasons: Record<string, number>;
}

export interface ControllersData {
  controllers: Controller[];
  /** Every reason named in the answer, the server's order. */
  reasons: string[];
  totals: Omit<Controller, 'user_id' | 'username' | 'median_review_s'>;
}

function reasonCounts(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(raw))) out[k] = num(v);
  return out;
}

export function parseControllers(raw: unknown): ControllersData {
  const o = obj(raw);
  const controllers = list(o.controllers).map((c) => {
    const x = obj(c);
    return {
      user_id: num(x.user_id),
      username: str(x.username),
      claimed: num(x.claimed),
      approved: num(x.approved),
      rejected: num(x.rejected),
      released: num(x.released),
      lapsed: num(x.lapsed),
      median_review_s: numOrNull(x.median_review_s),
      reasons: reasonCounts(x.reasons),
    };
  });
  const t = obj(o.totals);
  const totalReasons = reasonCounts(t.reasons);
  const reasons = [...Object.keys(totalReasons)];
  for (const c of controllers) for (const r of Object.keys(c.reasons)) if (!reasons.includes(r)) reasons.push(r);
  const sum = (k: 'claimed' | 'approved' | 'rejected' | 'released' | 'lapsed') => (t[k] === undefined ? controllers.reduce((a, c) => a + c[k], 0) : num(t[k]));
  for (const r of reasons) if (totalReasons[r] === undefined) totalReasons[r] = controllers.reduce((a, c) => a + (c.reasons[r] ?? 0), 0);
  return {
    controllers,
    reasons,
    totals: { claimed: sum('claimed'), approved: sum('approved'), rejected: sum('rejected'), released: sum('released'), lapsed: sum('lapsed'), reasons: totalReasons },
  };
}

/** The controllers' leaderboard: most reviews ended (approved + rejected) first, then claimed, then by name. */
export function rankControllers(rows: Controller[]): (Controller & { rank: number; reviews: number })[] {
  const withReviews = rows.map((c) => ({ ...c, reviews: c.approved + c.rejected }));
  const key = (c: (typeof withReviews)[number]) => [c.reviews, c.claimed];
  withReviews.sort((a, b) => b.reviews - a.reviews || b.claimed - a.claimed || a.username.localeCompare(b.username));
  return withRanks(withReviews, key);
}

/** Ranks of a sorted list: equal keys share the rank of the first of them. */
function withRanks<T>(sorted: T[], key: (t: T) => number[]): (T & { rank: number })[] {
  let rank = 0;
  let prev = '';
  return sorted.map((t, i) => {
    const k = JSON.stringify(key(t));
    if (i === 0 || k !== prev) rank = i + 1;
    prev = k;
    return { ...t, rank };
  });
}

/** The reasons a controller gave, most frequent first (those given at least once). */
export function topReasons(reasons: Record<string, number>): { reason: string; count: number }[] {
  return Object.entries(reasons).filter(([, n]) => n > 0).map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

// ------------------------------------------------------------------ quality controls, conflicts

export interface QcRow {
  code: string;
  severity: 'blocking' | 'warning' | string;
  issues: number;
  tiles: number;
}

export interface QcData {
  issues: QcRow[];
  totals: { blocking: number; warning: number };
}

export function parseQc(raw: unknown): QcData {
  const o = obj(raw);
  const issues = list(o.issues).map((q) => {
    const x = obj(q);
    return { code: str(x.code, '?'), severity: str(x.severity, 'warning'), issues: num(x.issues), tiles: num(x.tiles) };
  });
  const t = obj(o.totals);
  const sum = (sev: string) => issues.filter((q) => q.severity === sev).reduce((a, q) => a + q.issues, 0);
  return {
    issues,
    totals: { blocking: t.blocking === undefined ? sum('blocking') : num(t.blocking), warning: t.warning === undefined ? sum('warning') : num(t.warning) },
  };
}

export interface ConflictsData {
  total: number;
  days: { day: string; conflicts: number; users: number }[];
  tiles: { tile: string; conflicts: number; users: number; last_at: string }[];
  users: { user_id: number; username: string; conflicts: number; tiles: number }[];
}

export function parseConflicts(raw: unknown): ConflictsData {
  const o = obj(raw);
  const days = list(o.days).map((d) => ({ day: str(obj(d).day), conflicts: num(obj(d).conflicts), users: num(obj(d).users) }))
    .filter((d) => d.day !== '').sort((a, b) => a.day.localeCompare(b.day));
  const tiles = list(o.tiles).map((d) => ({ tile: str(obj(d).tile), conflicts: num(obj(d).conflicts), users: num(obj(d).users), last_at: str(obj(d).last_at) }));
  const users = list(o.users).map((d) => ({ user_id: num(obj(d).user_id), username: str(obj(d).username), conflicts: num(obj(d).conflicts), tiles: num(obj(d).tiles) }));
  const total = o.total === undefined ? days.reduce((a, d) => a + d.conflicts, 0) : num(o.total);
  return { total, days, tiles, users };
}

// ------------------------------------------------------------------ zones

export interface ZoneInfo {
  name: string;
  kind: string;
  codes: string[];
  tiles: number;
  members: string[];
}

export function parseZones(raw: unknown): ZoneInfo[] {
  return list(obj(raw).zones).map((z) => {
    const x = obj(z);
    return {
      name: str(x.name),
      kind: str(x.kind),
      codes: list(x.codes).map((c) => str(c)).filter(Boolean),
      tiles: num(x.tiles),
      members: list(x.members).map((m) => str(m)).filter(Boolean),
    };
  }).filter((z) => z.name !== '').sort((a, b) => a.name.localeCompare(b.name));
}

/** The tile keys of a zone when the client can know them (a zone defined by tiles), else null. */
export function zoneTileKeys(z: ZoneInfo | undefined | null): Set<string> | null {
  return z && z.kind === 'tiles' && z.codes.length ? new Set(z.codes) : null;
}

// ------------------------------------------------------------------ period and URLs

export type Period = 'all' | '7d' | '30d' | '90d';
export const PERIODS: { value: Period; label: string }[] = [
  { value: 'all', label: 'Since the start' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
];

/** A UTC day YYYY-MM-DD. */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The ?from / ?to of a period ending `now` (UTC days, both included); none for "all". */
export function periodRange(period: Period | string, now: Date): { from?: string; to?: string } {
  const days = period === '7d' ? 7 : period === '30d' ? 30 : period === '90d' ? 90 : 0;
  if (!days) return {};
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  return { from: utcDay(from), to: utcDay(now) };
}

/** Which query parameters each dashboard takes (the others are left out of its URL). */
const TAKES: Record<DashboardName, string[]> = {
  states: ['zone'],
  progress: ['zone', 'from', 'to'],
  throughput: ['from', 'to'],
  contributors: ['user', 'from', 'to'],
  controllers: ['user'],
  qc: [],
  conflicts: ['from', 'to', 'limit', 'by'],
};

/**
 * The path (relative to the document, like every API call) of a dashboard, with the parameters
 * it takes among `params` (empty ones left out) and `format=csv` when asked.
 */
export function dashboardPath(name: DashboardName, params: Record<string, string | number | null | undefined> = {}, csv = false): string {
  const q = new URLSearchParams();
  for (const k of TAKES[name]) {
    const v = params[k];
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  if (csv) q.set('format', 'csv');
  const s = q.toString();
  return `api/v1/dashboard/${name}${s ? `?${s}` : ''}`;
}

// ------------------------------------------------------------------ text

/** An integer with thin-space thousands (1 234 567). */
export function formatCount(n: number): string {
  const r = Math.round(n);
  const s = String(Math.abs(r)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  return r < 0 ? `−${s}` : s;
}

/** An area: m² below a hectare, hectares below 100 km², km² beyond. */
export function formatArea(m2: number): string {
  if (!Number.isFinite(m2) || m2 <= 0) return '0 ha';
  if (m2 < 10_000) return `${formatCount(m2)} m²`;
  const ha = m2 / 10_000;
  if (ha < 10_000) return ha < 10 ? `${ha.toFixed(1)} ha` : `${formatCount(ha)} ha`;
  return `${formatCount(m2 / 1_000_000)} km²`;
}

/** A duration in seconds: "45 s", "3 min 20 s", "2 h 05 min", "3 d 4 h"; "—" when unknown. */
export function formatDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s) || s < 0) return '—';
  const t = Math.round(s);
  if (t < 60) return `${t} s`;
  if (t < 3600) {
    const sec = t % 60;
    return sec ? `${Math.floor(t / 60)} min ${sec} s` : `${Math.floor(t / 60)} min`;
  }
  if (t < 86_400) return `${Math.floor(t / 3600)} h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')} min`;
  const h = Math.floor((t % 86_400) / 3600);
  return h ? `${Math.floor(t / 86_400)} d ${h} h` : `${Math.floor(t / 86_400)} d`;
}

/** A rate 0..1 as a whole percentage, "—" when there is none. */
export function formatRate(r: number | null): string {
  return r === null || !Number.isFinite(r) ? '—' : `${Math.round(r * 100)} %`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A UTC day YYYY-MM-DD as "21 Nov" (the text itself when it is not a day). */
export function shortDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const month = MONTHS[Number(m[2]) - 1];
  return month ? `${Number(m[3])} ${month}` : day;
}
