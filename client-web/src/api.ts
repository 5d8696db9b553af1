// HTTP JSON client for /api/v1. Every error answer is {"error": {"code", "message"}}.
import type { ReviewCommentLike, ReviewLike } from './review/state';

export interface User {
  id: number;
  username: string;
  display_name: string;
  role: string;
}

export interface LoginResult {
  user: User;
  token: string;
  expires_at: string;
}

export interface Imagery {
  kind: 'demo' | 'xyz' | 'wmts' | 'none' | string;
  url?: string;
  resolution_m?: number;
  attribution?: string;
  layer?: string;
  matrix_set?: string;
  format?: string;
  style?: string;
}

export interface Project {
  name: string;
  srid: number;
  tile_size_m: number;
  extent: [number, number, number, number];
  imagery?: Imagery;
}

export interface NomenclatureEntry {
  code: string;
  label: string;
  color: string;
  leaf: boolean;
  level: number;
  parent: string;
}

export interface NomenclatureResponse {
  cs: NomenclatureEntry[];
  us: NomenclatureEntry[];
}

export type TileStateName =
  | 'todo' | 'in_progress' | 'submitted' | 'in_review' | 'approved' | 'rejected' | 'published';

export interface TileInfo {
  key: string;
  x: number;
  y: number;
  size: number;
  state: TileStateName | string;
  seq: number;
  features: number;
}

/** An HTTP answer that is not 2xx, or a request that could not be made at all (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// Relative to the document, so the client also works behind a proxy under a sub-path.
const BASE = 'api/v1/';

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(BASE + path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `${method} ${path} failed (HTTP ${res.status})`);
  }
  if (json === undefined) throw new ApiError(res.status, 'bad_response', `${method} ${path}: the server sent no JSON`);
  return json as T;
}

export function login(username: string, password: string): Promise<LoginResult> {
  return request<LoginResult>('POST', 'login', { username, password });
}

export function logout(): Promise<void> {
  return request<void>('POST', 'logout');
}

/** The logged-in user, or null when there is no valid session. */
export async function me(): Promise<User | null> {
  try {
    return (await request<{ user: User }>('GET', 'me')).user;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function project(): Promise<Project> {
  return request<Project>('GET', 'project');
}

export function nomenclature(): Promise<NomenclatureResponse> {
  return request<NomenclatureResponse>('GET', 'nomenclature');
}

export async function tiles(bbox: [number, number, number, number], signal?: AbortSignal): Promise<TileInfo[]> {
  const q = bbox.map((v) => String(Math.round(v))).join(',');
  return (await request<{ tiles: TileInfo[] }>('GET', `tiles?bbox=${q}`, undefined, signal)).tiles;
}

// ------------------------------------------------------------------ review workflow (SPEC §3)

/** A pinned comment and a review as the API sends them (defined with the pure review model). */
export type ReviewCommentJson = ReviewCommentLike;
export type ReviewJson = ReviewLike;

/** A tile the user worked on, what became of it and its last decision. */
export interface WorkTile {
  tile: string;
  state: string;
  change_sets: number;
  last_change: string;
  qc_blocking: number;
  qc_warnings: number;
  last_review: ReviewJson | null;
}

/** A feature as the model predicted it (rings in metres); `changed` when the current one differs or is gone. */
export interface PredictedFeature {
  id: number;
  code_cs: string;
  code_us: string;
  confidence: number | null;
  changed: boolean;
  rings: number[][][];
}

export interface QueueTile {
  tile: string;
  submitted_by: string;
  submitted_at: string | null;
  qc_warnings: number;
}

export interface NextTile {
  tile: string;
  state: string;
  score: number;
  qc_blocking: number;
  mean_confidence: number | null;
}

export function myWork(): Promise<{ user: string; tiles: WorkTile[] }> {
  return request('GET', 'my-work');
}

/** The reviews of a tile, newest first. */
export async function reviews(tile: string): Promise<ReviewJson[]> {
  return (await request<{ tile: string; reviews: ReviewJson[] }>('GET', `reviews?tile=${encodeURIComponent(tile)}`)).reviews;
}

export async function prediction(tile: string): Promise<PredictedFeature[]> {
  return (await request<{ tile: string; srid: number; features: PredictedFeature[] }>('GET', `prediction?tile=${encodeURIComponent(tile)}`)).features;
}

/** Submitted tiles waiting for a review (controllers and leads; 403 otherwise). */
export async function reviewQueue(): Promise<QueueTile[]> {
  return (await request<{ tiles: QueueTile[] }>('GET', 'review-queue')).tiles;
}

/** The best tiles open for editing in the user's zones, by priority. */
export async function nextTiles(limit = 1): Promise<NextTile[]> {
  return (await request<{ tiles: NextTile[] }>('GET', `next-tile?limit=${limit}`)).tiles;
}

// ------------------------------------------------------------------ dashboards (leads)

/**
 * A dashboard answer, read as it comes (dashboard/data.ts checks every field): `path` is the
 * document-relative URL dashboard/data.ts builds, `api/v1/dashboard/<name>?...`.
 */
export function dashboard(path: string, signal?: AbortSignal): Promise<unknown> {
  return request<unknown>('GET', path.replace(/^api\/v1\//, ''), undefined, signal);
}

/** The zones (leads: every zone with its members; others: their own), as they come. */
export function zones(): Promise<unknown> {
  return request<unknown>('GET', 'zones');
}
