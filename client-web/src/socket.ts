// The WebSocket session: binary protobuf frames (tessera.v1), authentication, requests with
// ids, keep-alive pings, and reconnection with backoff. It knows nothing of the map: the app
// re-subscribes its open tiles each time `authenticated` fires.
import $protobuf from 'protobufjs/minimal.js';
import { tessera } from './generated/tessera';
import { toNum } from './geometry';

// Decode 64-bit integers as plain numbers whatever the bundler did with long.js: ids and
// centimetre deltas fit in 2^53, and one representation keeps the decoder simple.
($protobuf.util as unknown as { Long: unknown }).Long = null;
$protobuf.configure();

const pb = tessera.v1;
export type Snapshot = tessera.v1.TileSnapshot.$Properties;
export type WireFeature = tessera.v1.Feature.$Properties;
export type ConnState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface WireError {
  code: string;    // e.g. "not_found", from ERROR_CODE_NOT_FOUND
  message: string;
  field: string;
}

export interface PendingRequest {
  kind: 'authenticate' | 'subscribe' | 'unsubscribe' | 'ping' | 'change_set' | 'resync' | 'claim_lease' | 'release_lease'
    | 'check_tile' | 'submit_tile' | ReviewRequestKind;
  keys: string[];
  /** The change set a change_set request carries. */
  changeSetId?: string;
  /** Snapshots still expected for a subscribe, once `subscribed` has said which. */
  remaining?: number;
}

/** The review requests (SPEC §3), each answered by a TileStateChanged or an Error. */
export type ReviewRequestKind = 'claim_review' | 'release_review' | 'approve_tile' | 'reject_tile' | 'reopen_tile';

export const REVIEW_REQUEST_KINDS: readonly string[] = ['claim_review', 'release_review', 'approve_tile', 'reject_tile', 'reopen_tile'];

export type RejectTileMessage = tessera.v1.RejectTile.$Properties;

export interface AuthInfo {
  userId: number;
  username: string;
  role: string;
  project: string;
  srid: number;
  tileSizeM: number;
}

export interface SocketHandlers {
  state(state: ConnState, detail: string): void;
  authenticated(info: AuthInfo): void;
  subscribed(keys: string[], requestId: number): void;
  snapshot(snapshot: Snapshot, requestId: number): void;
  unsubscribed(keys: string[]): void;
  /** `request` is what the failed request asked for, when the error answers one of ours. */
  error(error: WireError, request: PendingRequest | undefined): void;
  /** The session is gone (logged out or expired elsewhere): stop and go back to login. */
  sessionLost(): void;
  /**
   * Editing traffic: ack, conflict, change, resyncDone, presence, leaseNotice, qcReport,
   * tileState. `request` is the request answered (none for pushes).
   */
  edit(msg: tessera.v1.ServerMessage, requestId: number, request: PendingRequest | undefined): void;
}

export type ChangeSetMessage = tessera.v1.ChangeSet.$Properties;

const PING_INTERVAL_MS = 20_000;
const PONG_TIMEOUT_MS = 45_000;
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

const ROLE_NAMES: Record<number, string> = { 1: 'contributor', 2: 'controller', 3: 'lead', 4: 'admin' };

export const TILE_STATE_NAMES: Record<number, string> = {
  0: 'unspecified', 1: 'todo', 2: 'in_progress', 3: 'submitted', 4: 'in_review', 5: 'approved', 6: 'rejected', 7: 'published',
};

function errorCodeName(code: number | null | undefined): string {
  const name = pb.ErrorCode[code ?? 0] as string | undefined;
  return name ? name.replace(/^ERROR_CODE_/, '').toLowerCase() : `error_${code}`;
}

export class TesseraSocket {
  private m_ws: WebSocket | null = null;
  private m_nextId = 1;
  private m_pending = new Map<number, PendingRequest>();
  private m_state: ConnState = 'offline';
  private m_authenticated = false;
  private m_attempt = 0;
  private m_stopped = true;
  private m_retryTimer: number | undefined;
  private m_pingTimer: number | undefined;
  private m_lastPong = 0;
  private m_latencyMs: number | null = null;
  /** Logs every frame received (set localStorage.tesseraDebug = '1' and reload). */
  private readonly m_debug = (() => {
    try {
      return window.localStorage.getItem('tesseraDebug') === '1';
    } catch {
      return false;
    }
  })();

  constructor(
    private readonly m_url: string,
    private readonly m_handlers: SocketHandlers,
    /** Asked after a drop: false when the HTTP session is no longer valid. */
    private readonly m_sessionValid: () => Promise<boolean>,
  ) {}

  get state(): ConnState {
    return this.m_state;
  }

  get ready(): boolean {
    return this.m_authenticated && this.m_ws?.readyState === WebSocket.OPEN;
  }

  get latencyMs(): number | null {
    return this.m_latencyMs;
  }

  start(): void {
    this.m_stopped = false;
    this.connect();
  }

  stop(): void {
    this.m_stopped = true;
    window.clearTimeout(this.m_retryTimer);
    window.clearInterval(this.m_pingTimer);
    const ws = this.m_ws;
    this.m_ws = null;
    this.m_authenticated = false;
    if (ws) {
      ws.onclose = null;
      ws.close(1000, 'client stopped');
    }
    this.setState('offline', 'stopped');
  }

  /** Subscribes to tiles; returns the request id, or 0 when not connected (the app resubscribes on connect). */
  subscribe(keys: string[]): number {
    if (keys.length === 0) return 0;
    return this.request({ kind: 'subscribe', keys }, { subscribe: { tileKeys: keys } });
  }

  unsubscribe(keys: string[]): number {
    if (keys.length === 0) return 0;
    return this.request({ kind: 'unsubscribe', keys }, { unsubscribe: { tileKeys: keys } });
  }

  /** Sends a change set; returns the request id, or 0 when not connected (the outbox resends). */
  changeSet(cs: ChangeSetMessage): number {
    return this.request({ kind: 'change_set', keys: [cs.tileKey ?? ''], changeSetId: cs.id ?? '' }, { changeSet: cs });
  }

  /** Asks for the changes of a tile after `afterSeq`; answered by changes or a snapshot, then resync_done. */
  resync(tileKey: string, afterSeq: number): number {
    return this.request({ kind: 'resync', keys: [tileKey] }, { resync: { tileKey, afterSeq } });
  }

  /** Tells the other viewers what is selected. Has no answer, so nothing waits for one. */
  select(tileKey: string, featureIds: number[]): number {
    if (!this.ready) return 0;
    const id = this.m_nextId++;
    this.send({ requestId: id, select: { tileKey, featureIds } });
    return id;
  }

  claimLease(tileKey: string): number {
    return this.request({ kind: 'claim_lease', keys: [tileKey] }, { claimLease: { tileKey } });
  }

  releaseLease(tileKey: string): number {
    return this.request({ kind: 'release_lease', keys: [tileKey] }, { releaseLease: { tileKey } });
  }

  /** Runs the tile's whole quality controls now: answered by a QcReport. */
  checkTile(tileKey: string): number {
    return this.request({ kind: 'check_tile', keys: [tileKey] }, { checkTile: { tileKey } });
  }

  /**
   * Submits the tile for review: answered by a QcReport then a TileStateChanged, or by an Error
   * (then the QcReport, when blocking issues remain).
   */
  submitTile(tileKey: string): number {
    return this.request({ kind: 'submit_tile', keys: [tileKey] }, { submitTile: { tileKey } });
  }

  /** Takes the exclusive review lease of a submitted tile (→ in_review). */
  claimReview(tileKey: string): number {
    return this.request({ kind: 'claim_review', keys: [tileKey] }, { claimReview: { tileKey } });
  }

  releaseReview(tileKey: string): number {
    return this.request({ kind: 'release_review', keys: [tileKey] }, { releaseReview: { tileKey } });
  }

  /** Approves the tile under review: answered by a QcReport then a TileStateChanged, or an Error. */
  approveTile(tileKey: string, comment: string): number {
    return this.request({ kind: 'approve_tile', keys: [tileKey] }, { approveTile: { tileKey, comment } });
  }

  rejectTile(msg: RejectTileMessage): number {
    return this.request({ kind: 'reject_tile', keys: [msg.tileKey ?? ''] }, { rejectTile: msg });
  }

  /** Leads: any closed tile back to in_progress. */
  reopenTile(tileKey: string, reason: string): number {
    return this.request({ kind: 'reopen_tile', keys: [tileKey] }, { reopenTile: { tileKey, reason } });
  }

  private request(req: PendingRequest, body: Omit<tessera.v1.ClientMessage.$Properties, 'requestId'>): number {
    if (!this.ready) return 0;
    const id = this.m_nextId++;
    this.m_pending.set(id, req);
    this.send({ requestId: id, ...body });
    return id;
  }

  private send(msg: tessera.v1.ClientMessage.$Properties): void {
    if (this.m_debug && !msg.ping) console.debug(`tessera → ${JSON.stringify(msg).slice(0, 300)}`);
    const bytes = pb.ClientMessage.encode(msg).finish();
    this.m_ws?.send(bytes);
  }

  private setState(state: ConnState, detail: string): void {
    this.m_state = state;
    this.m_handlers.state(state, detail);
  }

  private connect(): void {
    if (this.m_stopped) return;
    this.setState(this.m_attempt === 0 ? 'connecting' : 'reconnecting', 'connecting…');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.m_url);
    } catch (e) {
      this.scheduleReconnect(String(e));
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.m_ws = ws;
    ws.onopen = () => {
      // The upgrade was authenticated by the session cookie; confirm it (empty token).
      const id = this.m_nextId++;
      this.m_pending.set(id, { kind: 'authenticate', keys: [] });
      this.send({ requestId: id, authenticate: { token: '' } });
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (!(ev.data instanceof ArrayBuffer)) {
        console.warn('tessera: ignoring a text frame');
        return;
      }
      let msg: tessera.v1.ServerMessage;
      try {
        msg = pb.ServerMessage.decode(new Uint8Array(ev.data));
      } catch (e) {
        console.error('tessera: undecodable frame', e);
        return;
      }
      this.dispatch(msg);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.m_ws !== ws) return;
      this.m_ws = null;
      this.m_authenticated = false;
      window.clearInterval(this.m_pingTimer);
      this.m_pending.clear();
      const why = ev.reason ? `${ev.reason} (${ev.code})` : `connection closed (${ev.code})`;
      void this.afterDrop(why);
    };
    ws.onerror = () => {
      // onclose follows and handles the retry.
    };
  }

  private async afterDrop(why: string): Promise<void> {
    if (this.m_stopped) return;
    let valid = true;
    try {
      valid = await this.m_sessionValid();
    } catch {
      valid = true; // the server is unreachable: keep retrying
    }
    if (this.m_stopped) return;
    if (!valid) {
      this.stop();
      this.m_handlers.sessionLost();
      return;
    }
    this.scheduleReconnect(why);
  }

  private scheduleReconnect(why: string): void {
    const base = BACKOFF_MS[Math.min(this.m_attempt, BACKOFF_MS.length - 1)];
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.m_attempt++;
    this.setState('reconnecting', `${why}; retrying in ${Math.ceil(delay / 1000)} s`);
    window.clearTimeout(this.m_retryTimer);
    this.m_retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  /** Retries at once (e.g. the user clicked the status indicator). */
  retryNow(): void {
    if (this.m_stopped || this.m_ws) return;
    window.clearTimeout(this.m_retryTimer);
    this.connect();
  }

  private startPings(): void {
    window.clearInterval(this.m_pingTimer);
    this.m_lastPong = Date.now();
    this.m_pingTimer = window.setInterval(() => {
      if (!this.ready) return;
      if (Date.now() - this.m_lastPong > PONG_TIMEOUT_MS) {
        this.m_ws?.close(4000, 'no pong from the server');
        return;
      }
      this.request({ kind: 'ping', keys: [] }, { ping: { clientTimeMs: Date.now() } });
    }, PING_INTERVAL_MS);
  }

  private dispatch(msg: tessera.v1.ServerMessage): void {
    const requestId = toNum(msg.requestId);
    if (this.m_debug) console.debug(`tessera ← ${msg.body} #${requestId} ${JSON.stringify(msg.body ? msg[msg.body] : null)?.slice(0, 300)}`);
    const pending = requestId ? this.m_pending.get(requestId) : undefined;
    switch (msg.body) {
      case 'authenticated': {
        const a = msg.authenticated!;
        this.m_pending.delete(requestId);
        this.m_authenticated = true;
        this.m_attempt = 0;
        this.startPings();
        this.setState('connected', `connected as ${a.username ?? ''}`);
        this.m_handlers.authenticated({
          userId: toNum(a.userId),
          username: a.username ?? '',
          role: ROLE_NAMES[a.role ?? 0] ?? 'unknown',
          project: a.project ?? '',
          srid: a.srid ?? 0,
          tileSizeM: a.tileSizeM ?? 0,
        });
        break;
      }
      case 'subscribed':
        // Snapshots follow with the same id, so the request stays pending until they are in.
        if (pending) {
          pending.remaining = msg.subscribed?.tileKeys?.length ?? 0;
          if (pending.remaining === 0) this.m_pending.delete(requestId);
        }
        this.m_handlers.subscribed(msg.subscribed?.tileKeys ?? [], requestId);
        break;
      case 'snapshot':
        if (pending?.remaining !== undefined && --pending.remaining <= 0) this.m_pending.delete(requestId);
        this.m_handlers.snapshot(msg.snapshot!, requestId);
        break;
      case 'unsubscribed':
        this.m_pending.delete(requestId);
        this.m_handlers.unsubscribed(msg.unsubscribed?.tileKeys ?? []);
        break;
      case 'pong': {
        this.m_pending.delete(requestId);
        this.m_lastPong = Date.now();
        const sent = toNum(msg.pong?.clientTimeMs);
        if (sent) this.m_latencyMs = Date.now() - sent;
        break;
      }
      case 'error': {
        const e = msg.error!;
        this.m_pending.delete(requestId);
        const err: WireError = { code: errorCodeName(e.code), message: e.message ?? '', field: e.field ?? '' };
        if (pending?.kind === 'authenticate' || err.code === 'unauthenticated') {
          // The socket is useless without a session; the HTTP check decides what comes next.
          this.m_ws?.close(4001, err.message || 'not authenticated');
        }
        this.m_handlers.error(err, pending);
        break;
      }
      case 'ack':
      case 'conflict':
      case 'resyncDone':
        this.m_pending.delete(requestId);
        this.m_handlers.edit(msg, requestId, pending);
        break;
      case 'presence':
        if (pending?.kind === 'claim_lease' || pending?.kind === 'release_lease') this.m_pending.delete(requestId);
        this.m_handlers.edit(msg, requestId, pending);
        break;
      case 'change':
      case 'leaseNotice':
        this.m_handlers.edit(msg, requestId, pending);
        break;
      case 'qcReport':
        // A submission's report comes before its new state: the request waits for that.
        if (pending?.kind === 'check_tile') this.m_pending.delete(requestId);
        this.m_handlers.edit(msg, requestId, pending);
        break;
      case 'tileState':
        if (pending && (pending.kind === 'submit_tile' || REVIEW_REQUEST_KINDS.includes(pending.kind))) this.m_pending.delete(requestId);
        this.m_handlers.edit(msg, requestId, pending);
        break;
      default:
        console.warn('tessera: server message with an unknown body', msg);
    }
  }
}

/** The URL of the WebSocket endpoint, same origin as the page. */
export function socketUrl(): string {
  const u = new URL('ws', window.location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}
