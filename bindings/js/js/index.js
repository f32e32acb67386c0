// @jiga/sdk: the JIGA Store client for browsers and Node, over jiga-core compiled to wasm32.
// This file gives the wasm module (../pkg/) the shape a web developer meets: camelCase
// methods returning Promises, an AbortSignal on every call, Error subclasses, `for await`
// over pages and events, close(). It converts types and nothing else: retries, idempotency
// keys, token refresh, resume, paging and DOF accounting are the core's.

import init, { initSync, RawClient, verifyWebhook as rawVerifyWebhook } from '../pkg/jiga_js.js';
import { toError } from './errors.js';

export * from './errors.js';

const isNode = typeof process === 'object' && !!process.versions?.node;

// The module is instantiated once, when the package is imported.
if (isNode) {
  const { readFileSync } = await import('node:fs');
  initSync({ module: readFileSync(new URL('../pkg/jiga_js_bg.wasm', import.meta.url)) });
} else {
  await init({ module_or_path: new URL('../pkg/jiga_js_bg.wasm', import.meta.url) });
}

/** Runs `f` (a call into the module) and maps what it throws or rejects with. */
async function call(f) {
  let text;
  try {
    text = await f();
  } catch (e) {
    throw toError(e);
  }
  return text == null ? null : JSON.parse(text);
}

function sync(f) {
  try {
    return f();
  } catch (e) {
    throw toError(e);
  }
}

const json = (v) => JSON.stringify(v ?? {});

// The multi-valued search filters take one value or an array (the core takes arrays).
const MULTI = ['rank', 'agentType', 'provider', 'game'];
function searchJson(params) {
  const p = { ...(params ?? {}) };
  for (const k of MULTI) if (typeof p[k] === 'string') p[k] = [p[k]];
  return JSON.stringify(p);
}

/**
 * Checks one webhook delivery and returns its notification `{id, type, ts, data}`. `secret` is
 * what `setWebhook` returned, `signature` the `JIGA-Signature` header, `body` the raw request
 * body (a `Uint8Array`/`Buffer`, or its text), before any JSON parsing. Options: `nowMs` (the
 * receiver's clock, default `Date.now()`), `toleranceMs` (how far the signature's time may be
 * from it, default five minutes). Throws a `WebhookError` with its `reason`. Deliveries come
 * at least once: deduplicate by the notification's `id`.
 */
export function verifyWebhook(secret, signature, body, { nowMs, toleranceMs } = {}) {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return JSON.parse(
    sync(() => rawVerifyWebhook(secret, signature, bytes, nowMs ?? Date.now(), toleranceMs)),
  );
}

/** A token storage hook over `localStorage` (the default in browsers). */
export function localStorageTokens(key = 'jiga.tokens', storage = globalThis.localStorage) {
  return {
    load: () => storage.getItem(key),
    save: (text) => (text == null ? storage.removeItem(key) : storage.setItem(key, text)),
  };
}

/** Every page of one list route: `for await (const page of pages)`, or `.items()`. */
export class Pages {
  #raw;
  constructor(raw) {
    this.#raw = raw;
  }

  /** The next page, or `null` after the last one. */
  nextPage({ signal } = {}) {
    return call(() => this.#raw.nextPage(signal));
  }

  async *[Symbol.asyncIterator]() {
    for (let page; (page = await this.nextPage()) !== null; ) yield page;
  }

  /** Every item of every page, in order. */
  async *items({ signal } = {}) {
    for (let page; (page = await this.nextPage({ signal })) !== null; ) yield* page.items;
  }
}

/**
 * The events of one session, each exactly once and in order across reconnects, with the
 * core's DOF meter, budget guard and reconciliation: `for await (const ev of events)`.
 */
export class SessionEvents {
  #raw;
  #buf = [];
  #at = 0;
  constructor(raw, signal) {
    this.#raw = raw;
    signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** The next event, or `null` after `session.ended` (or once closed). */
  async next({ signal } = {}) {
    if (this.#at < this.#buf.length) return this.#buf[this.#at++];
    const batch = await call(() => this.#raw.nextBatch(256, signal));
    if (batch === null) return null;
    this.#buf = batch;
    this.#at = 1;
    return batch[0];
  }

  [Symbol.asyncIterator]() {
    return {
      next: async () => {
        const value = await this.next();
        return value === null ? { value: undefined, done: true } : { value, done: false };
      },
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /** Sends a command on the stream's socket; resolves on its `session.command_ack`. */
  async command(commandId, data, { signal } = {}) {
    await call(() => this.#raw.command(commandId, JSON.stringify(data ?? {}), signal));
  }

  /** The DOF meter as of the last event returned. */
  meter() {
    return JSON.parse(sync(() => this.#raw.meter()));
  }

  /** The reconciliation with the settlement once `session.ended` was read, else `null`. */
  reconciled() {
    const text = sync(() => this.#raw.reconciled());
    return text == null ? null : JSON.parse(text);
  }

  /** `connecting`, `live`, `reconnecting` or `ended`. */
  get state() {
    return this.#raw.state();
  }

  /** Ends the stream and closes its socket; pending reads resolve `null`. */
  close() {
    this.#buf = [];
    this.#at = 0;
    this.#raw.close();
  }
}

/** The signed-in user's notifications (live only): `for await (const n of notes)`. */
export class Notifications {
  #raw;
  constructor(raw, signal) {
    this.#raw = raw;
    signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** The next notification, or `null` once closed. */
  next({ signal } = {}) {
    return call(() => this.#raw.next(signal));
  }

  [Symbol.asyncIterator]() {
    return {
      next: async () => {
        const value = await this.next();
        return value === null ? { value: undefined, done: true } : { value, done: false };
      },
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /** `connecting`, `live`, `reconnecting` or `ended`. */
  get state() {
    return this.#raw.state();
  }

  /** Ends the stream and closes its socket. */
  close() {
    this.#raw.close();
  }
}

/** A client of one JIGA store. */
export class Client {
  #raw;

  /**
   * @param {object} options `baseUrl` (required), `timeoutMs`, `connectTimeoutMs`, `retry`
   *   (`maxAttempts`, `initialBackoffMs`, `maxBackoffMs`, `budgetMs`), `tokens` (saved from
   *   `tokens()`), `storage` (a `{load, save}` token hook; `null` for memory only; default
   *   `localStorage` where there is one), `WebSocket` (a constructor; default the global one).
   */
  constructor(options) {
    const { WebSocket, storage, ...core } = options ?? {};
    let hook = storage;
    if (hook === undefined && typeof globalThis.localStorage?.getItem === 'function') {
      hook = localStorageTokens();
    }
    this.#raw = sync(() => new RawClient(JSON.stringify(core), WebSocket, hook ?? undefined));
  }

  /** The base URL, without a trailing slash. */
  get baseUrl() {
    return this.#raw.baseUrl;
  }
  /** Whether the client holds tokens. */
  get isSignedIn() {
    return this.#raw.isSignedIn();
  }
  /** The current tokens (`null` when signed out), to pass back as `options.tokens`. */
  tokens() {
    return JSON.parse(this.#raw.tokens());
  }
  /** Forgets the tokens (and the storage hook's copy). */
  signOut() {
    this.#raw.signOut();
  }

  signInDevice(deviceId, { signal } = {}) {
    return call(() => this.#raw.signInDevice(deviceId, signal));
  }
  register(request, { signal } = {}) {
    return call(() => this.#raw.register(json(request), signal));
  }
  login(email, password, { signal } = {}) {
    return call(() => this.#raw.login(email, password, signal));
  }
  async refresh({ signal } = {}) {
    await call(() => this.#raw.refresh(signal));
  }

  search(params, { signal } = {}) {
    return call(() => this.#raw.search(searchJson(params), signal));
  }
  searchPages(params) {
    return new Pages(sync(() => this.#raw.searchPages(searchJson(params))));
  }
  listing(agentId, { signal } = {}) {
    return call(() => this.#raw.listing(agentId, signal));
  }
  featured({ signal } = {}) {
    return call(() => this.#raw.featured(signal));
  }
  categories({ signal } = {}) {
    return call(() => this.#raw.categories(signal));
  }

  agent(agentId, { signal } = {}) {
    return call(() => this.#raw.agent(agentId, signal));
  }
  createAgent(request, { signal } = {}) {
    return call(() => this.#raw.createAgent(json(request), signal));
  }
  updateAgent(agentId, request, { signal } = {}) {
    return call(() => this.#raw.updateAgent(agentId, json(request), signal));
  }
  publishAgent(agentId, { signal } = {}) {
    return call(() => this.#raw.publishAgent(agentId, signal));
  }
  unpublishAgent(agentId, { signal } = {}) {
    return call(() => this.#raw.unpublishAgent(agentId, signal));
  }
  agentVersions(agentId, page, { signal } = {}) {
    return call(() => this.#raw.agentVersions(agentId, json(page), signal));
  }
  agentVersionPages(agentId, page) {
    return new Pages(sync(() => this.#raw.agentVersionPages(agentId, json(page))));
  }
  reviews(agentId, page, { signal } = {}) {
    return call(() => this.#raw.reviews(agentId, json(page), signal));
  }
  reviewPages(agentId, page) {
    return new Pages(sync(() => this.#raw.reviewPages(agentId, json(page))));
  }
  createReview(agentId, request, { signal } = {}) {
    return call(() => this.#raw.createReview(agentId, json(request), signal));
  }

  me({ signal } = {}) {
    return call(() => this.#raw.me(signal));
  }

  /** The caller's unlocked achievements, oldest first. */
  achievements({ signal } = {}) {
    return call(() => this.#raw.achievements(signal));
  }
  updateMe(request, { signal } = {}) {
    return call(() => this.#raw.updateMe(json(request), signal));
  }

  /** POSTs the caller's notifications to `url`; `{url, secret}`, the secret shown this once. */
  setWebhook(url, { signal } = {}) {
    return call(() => this.#raw.setWebhook(url, signal));
  }
  /** The caller's webhook `{url}`, or `null` when none is set. */
  webhook({ signal } = {}) {
    return call(() => this.#raw.webhook(signal));
  }
  /** Removes the caller's webhook; whether one was set. */
  deleteWebhook({ signal } = {}) {
    return call(() => this.#raw.deleteWebhook(signal));
  }
  user(userId, { signal } = {}) {
    return call(() => this.#raw.user(userId, signal));
  }
  myAgents(page, { signal } = {}) {
    return call(() => this.#raw.myAgents(json(page), signal));
  }
  myAgentPages(page) {
    return new Pages(sync(() => this.#raw.myAgentPages(json(page))));
  }

  /** Hires an agent; the DOF move is retried under one idempotency key (yours, if given). */
  hire(request, { idempotencyKey, signal } = {}) {
    return call(() => this.#raw.hire(json(request), idempotencyKey, signal));
  }
  session(sessionId, { signal } = {}) {
    return call(() => this.#raw.session(sessionId, signal));
  }
  sessions(filter, { signal } = {}) {
    return call(() => this.#raw.sessions(json(filter), signal));
  }
  sessionPages(filter) {
    return new Pages(sync(() => this.#raw.sessionPages(json(filter))));
  }
  sendCommand(sessionId, commandId, data, { signal } = {}) {
    const request = { commandId, data: data ?? {} };
    return call(() => this.#raw.sendCommand(sessionId, JSON.stringify(request), signal));
  }
  /** Ends and settles a session (under one idempotency key, yours if given). */
  endSession(sessionId, { idempotencyKey, signal } = {}) {
    return call(() => this.#raw.endSession(sessionId, idempotencyKey, signal));
  }
  streamTicket(sessionId, { signal } = {}) {
    return call(() => this.#raw.streamTicket(sessionId, signal));
  }
  /**
   * The events of a session. `options`: `afterSeq`, `guard` (`{cap, warnAt}`), `endAtCap`,
   * `signal` (closes the stream when aborted).
   */
  sessionEvents(sessionId, options = {}) {
    const { signal, ...opts } = options;
    return new SessionEvents(sync(() => this.#raw.sessionEvents(sessionId, json(opts))), signal);
  }
  /** The caller's notifications; `signal` closes the stream when aborted. */
  notifications({ signal } = {}) {
    return new Notifications(sync(() => this.#raw.notifications()), signal);
  }

  wallet({ signal } = {}) {
    return call(() => this.#raw.wallet(signal));
  }
  transactions(filter, { signal } = {}) {
    return call(() => this.#raw.transactions(json(filter), signal));
  }
  transactionPages(filter) {
    return new Pages(sync(() => this.#raw.transactionPages(json(filter))));
  }
  /** Tops the wallet up (`{amount, provider}`), under one idempotency key (yours, if given). */
  topup(request, { idempotencyKey, signal } = {}) {
    return call(() => this.#raw.topup(json(request), idempotencyKey, signal));
  }

  /** Streams this client opened that have not ended (for leak checks). */
  get openStreams() {
    return this.#raw.openStreams();
  }

  /** Closes every stream the client opened and fails the calls in flight; later calls fail. */
  close() {
    this.#raw.close();
  }
}
