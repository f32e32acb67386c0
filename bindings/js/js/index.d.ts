// @jiga/sdk's public surface. The models (Listing, Session, Settlement, Wallet, …) and the
// stream frames (SessionEvent's members, Notification) are generated from the contract's
// schemas (models.d.ts, from jiga-core's Rust types); this file adds the calls and what the
// stream's accounting adds to each event.
import type * as M from './models.js';

export * from './models.js';

/** Options of every call. */
export interface CallOptions {
  /** Aborts the call: its promise rejects with the signal's reason, its request is cancelled. */
  signal?: AbortSignal;
}
/** Options of a DOF-moving call. */
export interface MoveOptions extends CallOptions {
  /** Your idempotency key (8–255 characters); a fresh one is used by default. */
  idempotencyKey?: string;
}

/** Where tokens are kept between runs: text in, text out (`null`: none / forget). */
export interface TokenStorage {
  load(): string | null;
  save(tokens: string | null): void;
}

/** Saved sign-in, as `Client.tokens()` returns it. */
export interface Tokens {
  userId: string;
  accessToken: string;
  refreshToken: string;
  obtainedAt: unknown;
  expiresAt: unknown;
}

export interface RetryOptions {
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  budgetMs?: number;
}

export interface ClientOptions {
  /** The store, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** Time limit of one try of a request (default 30 000). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  retry?: RetryOptions;
  /** Tokens saved from `tokens()`, to start signed in. */
  tokens?: Tokens | null;
  /** The token store; `null`: memory only; default `localStorage` where there is one. */
  storage?: TokenStorage | null;
  /** A WebSocket constructor (on Node 20, `ws`); default `globalThis.WebSocket`. */
  WebSocket?: unknown;
}

/** One value or several, for the multi-valued search filters. */
type OneOrMany<T> = T | T[];

export interface SearchParams {
  q?: string;
  rank?: OneOrMany<M.Rank>;
  agentType?: OneOrMany<M.AgentType>;
  provider?: OneOrMany<string>;
  game?: OneOrMany<string>;
  hasVoiceChat?: boolean;
  hasCommentator?: boolean;
  priceMin?: number;
  priceMax?: number;
  ratingMin?: number;
  sort?: 'relevance' | 'popularity' | 'rating' | 'priceAsc' | 'priceDesc' | 'newest';
  limit?: number;
  cursor?: string;
}
export interface PageRequest {
  limit?: number;
  cursor?: string;
}
export interface SessionFilter extends PageRequest {
  status?: M.SessionStatus;
}
export interface TransactionFilter extends PageRequest {
  type?: M.TransactionType;
}

/** One page of a list route. */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

/** Every page of one list route, from the core's paginator. */
export class Pages<P extends { items: unknown[] }> implements AsyncIterable<P> {
  private constructor();
  nextPage(options?: CallOptions): Promise<P | null>;
  [Symbol.asyncIterator](): AsyncIterator<P>;
  /** Every item of every page, in order. */
  items(options?: CallOptions): AsyncIterable<P['items'][number]>;
}

export type GuardAction = { type: 'warn'; fraction: number } | { type: 'end' };

/** What the stream adds to each frame: the core's accounting of it. */
export interface EventAccounting {
  /** DOF counted by the stream so far, this event included. */
  consumedTotal: number;
  /** What the budget guard asked for after this event. */
  guardActions?: GuardAction[];
  /** On the event that reached the cap of a stream opened with `endAtCap`: the end's answer. */
  capEnd?: M.EndSessionResponse;
  /** …or the error that end met. */
  capEndError?: { jigaKind: string; message: string; code?: string; status?: number };
}
/**
 * A session event as `for await` delivers it: the frame (`M.SessionEvent`, one type per
 * `type`, generated from jiga-core's schemas) with the stream's accounting. Narrow on
 * `ev.type` to reach the typed `ev.data`.
 */
export type SessionEvent = M.SessionEvent & EventAccounting;

export interface Meter {
  consumed: number;
  remaining: number | null;
  budget: number | null;
  charges: number;
  lastSeq: number;
  ratePerMinute: number;
}
export interface Reconciled {
  consumed: number;
  ownerEarnings: number;
  platformFee: number;
  released: number;
  charges: number;
}
export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface SessionEventsOptions {
  /** Deliver the events after this seq (0: from `session.started`). */
  afterSeq?: number;
  /** A client-side budget guard. */
  guard?: { cap?: number; warnAt?: number[] };
  /** End the session as soon as the guard's cap is reached. */
  endAtCap?: boolean;
  /** Closes the stream when aborted. */
  signal?: AbortSignal;
}

/** A session's events, each once and in order across reconnects, with their accounting. */
export class SessionEvents implements AsyncIterable<SessionEvent> {
  private constructor();
  next(options?: CallOptions): Promise<SessionEvent | null>;
  [Symbol.asyncIterator](): AsyncIterator<SessionEvent>;
  command(commandId: string, data?: Record<string, unknown>, options?: CallOptions): Promise<void>;
  meter(): Meter;
  reconciled(): Reconciled | null;
  readonly state: StreamState;
  close(): void;
}

export class Notifications implements AsyncIterable<M.Notification> {
  private constructor();
  next(options?: CallOptions): Promise<M.Notification | null>;
  [Symbol.asyncIterator](): AsyncIterator<M.Notification>;
  readonly state: StreamState;
  close(): void;
}

export function localStorageTokens(key?: string, storage?: Storage): TokenStorage;

export interface VerifyWebhookOptions {
  /** The receiver's clock, in milliseconds since 1970 (default `Date.now()`). */
  nowMs?: number;
  /** How far the signature's time may be from `nowMs` (default five minutes). */
  toleranceMs?: number;
}

/**
 * Checks one webhook delivery (`JIGA-Signature` over the raw body, under the secret
 * `setWebhook` returned) and returns its notification; throws a `WebhookError`.
 */
export function verifyWebhook(
  secret: string,
  signature: string,
  body: Uint8Array | string,
  options?: VerifyWebhookOptions,
): M.Notification;

export class Client {
  constructor(options: ClientOptions);
  readonly baseUrl: string;
  readonly isSignedIn: boolean;
  readonly openStreams: number;
  tokens(): Tokens | null;
  signOut(): void;
  close(): void;

  signInDevice(deviceId: string, options?: CallOptions): Promise<M.User>;
  register(request: M.RegisterRequest, options?: CallOptions): Promise<M.User>;
  login(email: string, password: string, options?: CallOptions): Promise<M.User>;
  refresh(options?: CallOptions): Promise<void>;

  search(params?: SearchParams, options?: CallOptions): Promise<M.SearchResults>;
  searchPages(params?: SearchParams): Pages<M.SearchResults>;
  listing(agentId: string, options?: CallOptions): Promise<M.Listing>;
  featured(options?: CallOptions): Promise<M.Featured>;
  categories(options?: CallOptions): Promise<M.Categories>;

  agent(agentId: string, options?: CallOptions): Promise<M.Agent>;
  createAgent(request: M.CreateAgentRequest, options?: CallOptions): Promise<M.Agent>;
  updateAgent(agentId: string, request: M.UpdateAgentRequest, options?: CallOptions): Promise<M.Agent>;
  publishAgent(agentId: string, options?: CallOptions): Promise<M.Agent>;
  unpublishAgent(agentId: string, options?: CallOptions): Promise<M.Agent>;
  agentVersions(agentId: string, page?: PageRequest, options?: CallOptions): Promise<M.Page_Agent>;
  agentVersionPages(agentId: string, page?: PageRequest): Pages<M.Page_Agent>;
  reviews(agentId: string, page?: PageRequest, options?: CallOptions): Promise<M.Page_Review>;
  reviewPages(agentId: string, page?: PageRequest): Pages<M.Page_Review>;
  createReview(agentId: string, request: M.CreateReviewRequest, options?: CallOptions): Promise<M.Review>;

  me(options?: CallOptions): Promise<M.Me>;
  /** The caller's unlocked achievements, oldest first. */
  achievements(options?: CallOptions): Promise<M.Achievements>;
  updateMe(request: M.UpdateMeRequest, options?: CallOptions): Promise<M.Me>;
  /** POSTs the caller's notifications to `url`; the secret is shown in this answer only. */
  setWebhook(url: string, options?: CallOptions): Promise<M.WebhookSecret>;
  /** The caller's webhook, or `null` when none is set. */
  webhook(options?: CallOptions): Promise<M.Webhook | null>;
  /** Removes the caller's webhook; whether one was set. */
  deleteWebhook(options?: CallOptions): Promise<boolean>;
  user(userId: string, options?: CallOptions): Promise<M.Me>;
  myAgents(page?: PageRequest, options?: CallOptions): Promise<M.Page_Agent>;
  myAgentPages(page?: PageRequest): Pages<M.Page_Agent>;

  hire(request: M.HireRequest, options?: MoveOptions): Promise<M.HireResponse>;
  session(sessionId: string, options?: CallOptions): Promise<M.Session>;
  sessions(filter?: SessionFilter, options?: CallOptions): Promise<M.Page_Session>;
  sessionPages(filter?: SessionFilter): Pages<M.Page_Session>;
  sendCommand(sessionId: string, commandId: string, data?: Record<string, unknown>, options?: CallOptions): Promise<M.CommandAccepted>;
  endSession(sessionId: string, options?: MoveOptions): Promise<M.EndSessionResponse>;
  streamTicket(sessionId: string, options?: CallOptions): Promise<M.StreamTicket>;
  sessionEvents(sessionId: string, options?: SessionEventsOptions): SessionEvents;
  notifications(options?: { signal?: AbortSignal }): Notifications;

  wallet(options?: CallOptions): Promise<M.Wallet>;
  transactions(filter?: TransactionFilter, options?: CallOptions): Promise<M.Page_Transaction>;
  transactionPages(filter?: TransactionFilter): Pages<M.Page_Transaction>;
  topup(request: M.TopupRequest, options?: MoveOptions): Promise<M.Topup>;
}

/** Every error of the SDK. */
export class JigaError extends Error {
  /** The core's error kind, e.g. `insufficient_funds`. */
  readonly kind: string;
  /** The contract's error code, for errors the server answered. */
  readonly code: M.ErrorCode | null;
  readonly status: number | null;
  readonly requestId: string | null;
  readonly field: string | null;
  readonly needed: number | null;
  readonly available: number | null;
  readonly retryAfterMs: number | null;
  readonly limit: number | null;
}
export class InvalidArgumentError extends JigaError {}
export class UnauthenticatedError extends JigaError {}
export class InsufficientFundsError extends JigaError {}
export class ForbiddenError extends JigaError {}
export class NotFoundError extends JigaError {}
export class ConflictError extends JigaError {}
export class IdempotencyConflictError extends JigaError {}
export class RateLimitedError extends JigaError {}
export class PayloadTooLargeError extends JigaError {}
export class ServerError extends JigaError {}
export class TransportError extends JigaError {}
export class TimeoutError extends JigaError {}
export class DecodeError extends JigaError {}
export class SessionMismatchError extends JigaError {}
export class ReconciliationError extends JigaError {}
export class ClosedError extends JigaError {}
export type WebhookErrorReason =
  | 'malformed_header'
  | 'bad_signature'
  | 'timestamp_out_of_tolerance'
  | 'not_a_notification';
/** A webhook delivery that did not verify; `kind` is `webhook`. */
export class WebhookError extends JigaError {
  readonly reason: WebhookErrorReason;
}
