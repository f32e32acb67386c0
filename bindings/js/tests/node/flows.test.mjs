// The binding flows (shared/notes/binding-flows.md) in Node 20 with `ws`, against the real
// servers tests/run.sh starts: every flow under its name, each asserting what the note says.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jiga from '../../js/index.js';
import { client, fastAgent, unique, url, env, sleep, cuts, openSockets } from './helpers.mjs';

const demo = async (c) => c.login('demo@jiga.dev', 'demo-player-1');

after(async () => {
  // Every socket any test opened is closed (after its closing handshake): no leak.
  for (let i = 0; i < 50 && openSockets() > 0; i++) await sleep(100);
  assert.equal(openSockets(), 0);
});

test('flow_sign_in', async () => {
  const c = client();
  assert.equal(c.isSignedIn, false);
  const me = await c.signInDevice(unique('dev'));
  assert.match(me.id, /^usr_/);
  assert.equal(me.email, null);

  const email = `${unique('js')}@example.com`;
  const reg = client();
  const user = await reg.register({ email, password: 'correct horse 1', displayName: 'JS Bot' });
  assert.equal(user.email, email);
  assert.equal(user.displayName, 'JS Bot');

  // Tokens saved through the storage hook are restored into a new client: no new login.
  const saved = new Map();
  const storage = { load: () => saved.get('t') ?? null, save: (t) => (t == null ? saved.delete('t') : saved.set('t', t)) };
  const again = client(url(), { storage });
  assert.equal((await again.login(email, 'correct horse 1')).id, user.id);
  assert.ok(saved.get('t'));
  const restored = client(url(), { storage });
  assert.equal(restored.isSignedIn, true);
  assert.equal((await restored.me()).id, user.id);
  // And through the `tokens` option.
  const fromTokens = client(url(), { tokens: again.tokens() });
  assert.equal((await fromTokens.me()).id, user.id);
  restored.signOut();
  assert.equal(restored.isSignedIn, false);
  assert.equal(restored.tokens(), null);
  assert.equal(saved.has('t'), false);
});

test('flow_refresh', async () => {
  let saves = 0;
  const storage = { load: () => null, save: () => { saves++; } };
  const c = client(env('JIGA_TEST_URL_SHORT_TTL'), { storage });
  await c.signInDevice(unique('refresh'));
  const before = c.tokens();
  assert.equal(saves, 1);
  for (let round = 1; round <= 2; round++) {
    await sleep(2200);
    const wallets = await Promise.all(Array.from({ length: 8 }, () => c.wallet()));
    assert.ok(wallets.every((w) => w.balance === 0));
    // One refresh for the eight concurrent calls (each refresh saves the tokens once).
    assert.equal(saves, 1 + round);
  }
  assert.notDeepEqual(c.tokens(), before);
});

test('flow_search_paging', async () => {
  const c = client();
  await c.signInDevice(unique('search'));
  const first = await c.search({ sort: 'rating', limit: 7 });
  assert.ok(first.total >= 40);
  assert.equal(first.items.length, 7);
  assert.equal(Object.values(first.facets.rank).reduce((a, b) => a + b, 0), first.total);
  const seen = [];
  let pages = 0;
  for await (const page of c.searchPages({ sort: 'rating', limit: 7 })) {
    pages++;
    assert.ok(page.facets && page.total === first.total);
    seen.push(...page.items.map((l) => l.id));
  }
  assert.equal(pages, Math.ceil(first.total / 7));
  assert.equal(seen.length, first.total);
  assert.equal(new Set(seen).size, seen.length);
  const items = [];
  for await (const l of c.searchPages({ sort: 'rating', limit: 9 }).items()) items.push(l.id);
  assert.deepEqual(items, seen);
  // Filters: one value or several; every listing matches them.
  const chess = await c.search({ game: 'chess', priceMax: 50, limit: 100 });
  assert.ok(chess.items.length > 0);
  assert.ok(chess.items.every((l) => l.pricing.perMinute <= 50 && l.games.some((g) => g.toLowerCase() === 'chess')));
  const ranks = await c.search({ rank: ['gold', 'master'], limit: 100 });
  assert.ok(ranks.items.every((l) => ['gold', 'master'].includes(l.rank)));
  assert.equal(ranks.total, (first.facets.rank.gold ?? 0) + (first.facets.rank.master ?? 0));
  assert.equal((await c.listing(first.items[0].id)).id, first.items[0].id);
  assert.ok((await c.featured()).items.length > 0);
  assert.ok((await c.categories()).games.length > 0);
  assert.equal((await c.agent(first.items[0].id)).name, first.items[0].name);
  const reviews = await c.reviews(first.items[0].id, { limit: 5 });
  assert.ok(Array.isArray(reviews.items));
});

test('flow_hire_stream_end', async () => {
  const c = client();
  await demo(c);
  const listing = (await c.search({ sort: 'rating', priceMax: 50, limit: 1 })).items[0];
  const { session } = await c.hire({ agentId: listing.id, game: listing.games[0], budget: 300 });
  const seqs = [];
  let actions = 0;
  let settlement;
  for await (const ev of c.sessionEvents(session.id)) {
    seqs.push(ev.seq);
    if (ev.seq === 1) {
      assert.equal(ev.type, 'session.started');
      assert.equal(ev.data.session.id, session.id);
    }
    if (ev.type === 'agent.action' && ++actions === 3) {
      ({ settlement } = await c.endSession(session.id));
    }
  }
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
  assert.ok(settlement);
  assert.equal(settlement.consumed, settlement.ownerEarnings + settlement.platformFee);
  assert.equal(settlement.released, 300 - settlement.consumed);
  await assert.rejects(c.endSession(session.id), (e) => e instanceof jiga.ConflictError && e.status === 409 && e.code === 'conflict');
  assert.equal((await c.session(session.id)).status, 'ended');
  const page = await c.sessions({ status: 'ended', limit: 100 });
  assert.ok(page.items.some((s) => s.id === session.id));
});

test('flow_reconcile', async () => {
  const owner = client();
  const agent = await fastAgent(owner, { aps: 20, perAction: 1 });
  const c = client();
  await c.signInDevice(unique('reconcile'));
  await c.topup({ amount: 500, provider: 'dev' });
  const { session } = await c.hire({ agentId: agent.id, game: 'chess', budget: 300 });
  const events = c.sessionEvents(session.id);
  let counted = 0;
  let ended;
  for await (const ev of events) {
    if (ev.type === 'session.dof_update') {
      counted += ev.data.delta;
      assert.equal(ev.data.consumed, counted);
      assert.equal(ev.consumedTotal, counted);
      if (ev.seq > 40 && !ended) ended = c.endSession(session.id);
    }
    if (ev.type === 'session.ended') assert.equal(ev.data.settlement.consumed, counted);
  }
  const { settlement } = await ended;
  const r = events.reconciled();
  assert.equal(r.consumed, settlement.consumed);
  assert.equal(events.meter().consumed, settlement.consumed);
  assert.equal(r.ownerEarnings + r.platformFee, r.consumed);
  assert.equal(r.released, 300 - r.consumed);
});

test('flow_budget_guard', async () => {
  const owner = client();
  const agent = await fastAgent(owner, { aps: 10, perAction: 2 });
  const c = client();
  await c.signInDevice(unique('guard'));
  await c.topup({ amount: 500, provider: 'dev' });
  const { session } = await c.hire({ agentId: agent.id, game: 'chess', budget: 200 });
  let warns = 0;
  let end;
  const events = c.sessionEvents(session.id, { guard: { cap: 20, warnAt: [0.05] }, endAtCap: true });
  for await (const ev of events) {
    for (const a of ev.guardActions ?? []) if (a.type === 'warn') warns++;
    if (ev.capEndError) assert.fail(ev.capEndError.message);
    if (ev.capEnd) end = ev.capEnd;
  }
  assert.equal(warns, 1);
  assert.ok(end, 'the binding ended the session at the cap');
  assert.ok(end.settlement.consumed >= 20 && end.settlement.consumed <= 20 + 2, `${end.settlement.consumed}`);
  assert.equal((await c.session(session.id)).status, 'ended');
});

test('flow_command_ack', async () => {
  const owner = client();
  const agent = await fastAgent(owner, { aps: 5 });
  const c = client();
  await c.signInDevice(unique('cmd'));
  await c.topup({ amount: 100, provider: 'dev' });
  const { session } = await c.hire({ agentId: agent.id, game: 'chess', budget: 50 });
  const events = c.sessionEvents(session.id);
  // Nobody reads events while the command waits for its acknowledgement.
  await events.command('focus-1', { focus: 'mid' }, { signal: AbortSignal.timeout(20000) });
  const accepted = await c.sendCommand(session.id, 'focus-2', { focus: 'top' });
  assert.equal(accepted.commandId, 'focus-2');
  // And while a reader is busy.
  const reading = events.next();
  await events.command('focus-3', { focus: 'low' }, { signal: AbortSignal.timeout(20000) });
  await reading;
  await c.endSession(session.id);
  const acks = [];
  for await (const ev of events) if (ev.type === 'session.command_ack') acks.push(ev.data.commandId);
  assert.deepEqual(acks.slice(0, 3), ['focus-1', 'focus-2', 'focus-3']);
  await assert.rejects(events.command('late', {}), jiga.ClosedError);
});

test('flow_resume_across_cuts', { timeout: 240000 }, async () => {
  const owner = client();
  const agent = await fastAgent(owner, { aps: 50 });
  const c = client();
  await c.signInDevice(unique('cuts'));
  await c.topup({ amount: 1000, provider: 'dev' });
  const { session } = await c.hire({ agentId: agent.id, game: 'chess', budget: 900 });
  await sleep(3000);
  await c.endSession(session.id);
  // The flow asserts resume, not the backoff: through this proxy nearly every connection is
  // cut (the ticket's too), and the default backoff (100 ms doubling to 5 s) made the flow take
  // 20-30 s here and over 240 s on a loaded CI run (regression: the v1.2 security headers made
  // every answer ~270 B longer, so more handshakes and tickets are cut).
  const via = client(env('JIGA_TEST_URL_CHOP'), {
    tokens: c.tokens(),
    retry: { initialBackoffMs: 5, maxBackoffMs: 100 },
  });
  const before = cuts();
  const events = via.sessionEvents(session.id);
  const seqs = [];
  for await (const ev of events) seqs.push(ev.seq);
  const made = cuts() - before;
  assert.ok(seqs.length > 200, `${seqs.length} events`);
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
  assert.ok(made >= 50, `${made} cuts`);
  assert.ok(events.reconciled());
});

test('flow_idempotent_retry', async () => {
  const owner = client();
  const agent = await fastAgent(owner, { aps: 1 });
  const c = client(env('JIGA_TEST_URL_DROP'));
  await c.signInDevice(unique('retry'));
  await c.topup({ amount: 500, provider: 'dev' });
  const { session } = await c.hire({ agentId: agent.id, game: 'chess', budget: 120 });
  assert.equal((await c.wallet()).available, 380);
  assert.equal((await c.sessions({ status: 'active' })).items.length, 1);
  await c.endSession(session.id);
});

test('flow_errors', async () => {
  const anon = client(url(), { retry: { maxAttempts: 1 } });
  const e1 = await anon.wallet().catch((e) => e);
  assert.ok(e1 instanceof jiga.UnauthenticatedError && e1 instanceof jiga.JigaError && e1 instanceof Error);
  assert.equal(e1.status, 401);
  assert.equal(e1.code, 'unauthenticated');
  assert.ok(e1.requestId);
  assert.equal(e1.kind, 'unauthenticated');

  const c = client();
  await demo(c);
  const e2 = await c.listing('agt_does_not_exist').catch((e) => e);
  assert.ok(e2 instanceof jiga.NotFoundError);
  assert.equal(e2.status, 404);
  assert.ok(e2.requestId);
  const e3 = await c.search({ limit: 100000 }).catch((e) => e);
  assert.ok(e3 instanceof jiga.InvalidArgumentError);
  assert.equal(e3.field, 'limit');
  const e3b = await c.search({ pricemax: 5 }).catch((e) => e);
  assert.ok(e3b instanceof jiga.InvalidArgumentError);
  const listing = (await c.search({ sort: 'rating', limit: 1 })).items[0];
  const e4 = await c.hire({ agentId: listing.id, game: listing.games[0], budget: 1000000 }).catch((e) => e);
  assert.ok(e4 instanceof jiga.InsufficientFundsError);
  assert.equal(e4.status, 402);
  assert.equal(e4.code, 'insufficient_funds');
  assert.equal(e4.needed, 1000000);
  assert.ok(e4.available >= 0 && e4.available < 1000000);

  const other = client();
  await other.signInDevice(unique('other'));
  const e5 = await other.user((await c.me()).id).catch((e) => e);
  assert.ok(e5 instanceof jiga.ForbiddenError);
  assert.equal(e5.status, 403);
  const key = `js-key-${unique('k')}`;
  await other.topup({ amount: 5, provider: 'dev' }, { idempotencyKey: key });
  await other.topup({ amount: 5, provider: 'dev' }, { idempotencyKey: key });
  assert.equal((await other.wallet()).balance, 5);
  const e6 = await other.topup({ amount: 6, provider: 'dev' }, { idempotencyKey: key }).catch((e) => e);
  assert.ok(e6 instanceof jiga.IdempotencyConflictError);
  assert.equal(e6.status, 409);

  const limited = client(env('JIGA_TEST_URL_LIMITED'), { retry: { maxAttempts: 1 } });
  let e7;
  for (let i = 0; i < 20 && !e7; i++) e7 = await limited.categories().then(() => undefined, (e) => e);
  assert.ok(e7 instanceof jiga.RateLimitedError);
  assert.equal(e7.status, 429);
  assert.ok(e7.retryAfterMs > 0);
  assert.throws(() => client('ftp://nowhere'), jiga.InvalidArgumentError);
  assert.throws(() => client(url(), { retry: { maxAttempts: 0 } }), (e) => e instanceof jiga.InvalidArgumentError && e.field === 'retry.maxAttempts');
});

test('flow_cancel', async () => {
  const owner = client();
  const agent = await fastAgent(owner, { aps: 1 });
  const c = client();
  await c.signInDevice(unique('cancel'));
  await c.topup({ amount: 100, provider: 'dev' });
  const { session } = await c.hire({ agentId: agent.id, game: 'chess', budget: 50 });
  const events = c.sessionEvents(session.id);
  assert.equal((await events.next()).seq, 1);
  // A pending event read, aborted: it rejects with the signal's reason, and no event is lost.
  const ctl = new AbortController();
  const read = events.next({ signal: ctl.signal });
  ctl.abort();
  await assert.rejects(read, (e) => e.name === 'AbortError');
  assert.equal((await events.next()).seq, 2);
  // Pending calls, aborted.
  const calls = Array.from({ length: 10 }, () => {
    const a = new AbortController();
    const p = c.search({ q: 'coach', limit: 50 }, { signal: a.signal });
    a.abort(new Error('gone'));
    return p;
  });
  const results = await Promise.allSettled(calls);
  assert.ok(results.every((r) => r.status === 'rejected' && r.reason.message === 'gone'));
  // An already aborted signal.
  await assert.rejects(c.wallet({ signal: AbortSignal.abort() }), (e) => e.name === 'AbortError');
  // The client still works.
  assert.ok((await c.wallet()).balance >= 0);
  await c.endSession(session.id);
  events.close();
  assert.equal(await events.next(), null);
});

test('flow_notifications', async () => {
  const owner = client();
  const agent = await fastAgent(owner, { aps: 1 });
  const notes = owner.notifications();
  const first = notes.next();
  await sleep(500);
  const c = client();
  await c.signInDevice(unique('hirer'));
  await c.topup({ amount: 100, provider: 'dev' });
  const { session } = await c.hire({ agentId: agent.id, game: 'chess', budget: 50 });
  const got = [await first];
  while (!got.some((n) => n.type === 'agent.hired')) got.push(await notes.next({ signal: AbortSignal.timeout(20000) }));
  const hired = got.filter((n) => n.type === 'agent.hired');
  assert.equal(hired.length, 1);
  assert.ok(JSON.stringify(hired[0].data).includes(session.id));
  // Delivered once: nothing more for this hire within a second.
  const more = await notes.next({ signal: AbortSignal.timeout(1000) }).catch(() => null);
  assert.ok(more === null || more.type !== 'agent.hired');
  notes.close();
  assert.equal(await notes.next(), null);
  await c.endSession(session.id);
});

/** A webhook receiver on loopback: each request's `JIGA-Signature` and raw body, in order. */
async function receiver() {
  const { createServer } = await import('node:http');
  const got = [];
  const waiting = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const delivery = { signature: req.headers['jiga-signature'], body: Buffer.concat(chunks) };
      res.writeHead(204).end();
      const w = waiting.shift();
      if (w) w(delivery);
      else got.push(delivery);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    next: () => (got.length ? Promise.resolve(got.shift()) : new Promise((r) => waiting.push(r))),
    close: () => new Promise((r) => server.close(r)),
  };
}

test('flow_webhook', async () => {
  const c = client();
  await c.signInDevice(unique('hooked'));
  assert.equal(await c.webhook(), null);
  assert.equal(await c.deleteWebhook(), false);
  const rx = await receiver();
  try {
    const hook = await c.setWebhook(rx.url);
    assert.equal(hook.url, rx.url);
    assert.ok(hook.secret.startsWith('whsec_'));
    assert.deepEqual(await c.webhook(), { url: rx.url });

    // One real delivery: a dev top-up completes at once, notifying the caller.
    await c.topup({ amount: 50, provider: 'dev' });
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('no delivery within 20 s')), 20000);
    });
    const { signature, body } = await Promise.race([rx.next(), timeout]).finally(() => clearTimeout(timer));
    const n = jiga.verifyWebhook(hook.secret, signature, body);
    assert.equal(n.type, 'transaction.completed');
    assert.ok(n.id.startsWith('ntf_'));
    assert.equal(n.data.amount, 50);
    assert.equal(jiga.verifyWebhook(hook.secret, signature, body.toString('utf8')).id, n.id);

    const tampered = body.toString('utf8').replace('"amount":50', '"amount":5000');
    assert.notEqual(tampered, body.toString('utf8'));
    const refused = (f, reason) =>
      assert.throws(f, (e) => e instanceof jiga.WebhookError && e instanceof jiga.JigaError
        && e.kind === 'webhook' && e.reason === reason);
    refused(() => jiga.verifyWebhook(hook.secret, signature, tampered), 'bad_signature');
    refused(() => jiga.verifyWebhook('whsec_other', signature, body), 'bad_signature');
    const later = Date.now() + 3600_000;
    refused(() => jiga.verifyWebhook(hook.secret, signature, body, { nowMs: later }),
      'timestamp_out_of_tolerance');
    const late = jiga.verifyWebhook(hook.secret, signature, body, { nowMs: later, toleranceMs: 7200_000 });
    assert.equal(late.id, n.id);
    refused(() => jiga.verifyWebhook(hook.secret, 'v1=nope', body), 'malformed_header');
  } finally {
    await rx.close();
  }
  assert.equal(await c.deleteWebhook(), true);
  assert.equal(await c.webhook(), null);
  assert.equal(await c.deleteWebhook(), false);
  c.close();
});

test('flow_shutdown', async () => {
  const owner = client();
  const agent = await fastAgent(owner, { aps: 20 });
  const c = client();
  await c.signInDevice(unique('shutdown'));
  await c.topup({ amount: 200, provider: 'dev' });
  const { session } = await c.hire({ agentId: agent.id, game: 'chess', budget: 100 });
  const events = c.sessionEvents(session.id);
  const other = c.sessionEvents(session.id);
  const notes = c.notifications();
  await events.next();
  await other.next();
  assert.equal(c.openStreams, 3);
  // Work in flight when the client closes: a read, a command, calls.
  const pendingNote = notes.next();
  const command = events.command('never-acked', {});
  const calls = [c.wallet(), c.search({ limit: 50 })];
  c.close();
  assert.equal(await pendingNote, null);
  await assert.rejects(command, jiga.ClosedError);
  for (const r of await Promise.allSettled(calls)) {
    assert.ok(r.status === 'fulfilled' || r.reason instanceof jiga.ClosedError);
  }
  assert.equal(await events.next(), null);
  await assert.rejects(c.wallet(), jiga.ClosedError);
  assert.throws(() => c.sessionEvents(session.id), jiga.ClosedError);
  await sleep(300);
  assert.equal(c.openStreams, 0);
  // The session itself is untouched: another client ends it.
  const again = client(url(), { tokens: c.tokens() });
  await again.endSession(session.id);
});
