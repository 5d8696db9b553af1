// HTTP JSON client for /api/v1. Every error answer is {"error": {"code", "message"}}.

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
