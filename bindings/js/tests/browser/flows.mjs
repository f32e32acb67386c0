// The browser end-to-end flows, run inside headless Chromium by run.mjs: the page's own fetch
// and WebSocket, CORS against the real server, localStorage as the token store.
import * as jiga from '../../js/index.js';

const check = (cond, what) => {
  if (!cond) throw new Error(`check failed: ${what}`);
};
const unique = (p) => `${p}-${crypto.randomUUID().slice(0, 12)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The page's WebSocket, with every socket kept so a test can close them under the client. */
const sockets = [];
class TrackingWebSocket extends WebSocket {
  constructor(...a) {
    super(...a);
    sockets.push(this);
  }
}

async function fastAgent(api, aps) {
  const owner = new jiga.Client({ baseUrl: api, storage: null });
  await owner.signInDevice(unique('owner'));
  const a = await owner.createAgent({
    name: 'Browser flow agent', games: ['chess'], rank: 'gold', type: 'coach',
    provider: 'js-browser-tests', pricing: { perMinute: 0, perAction: 1 }, actionsPerSecond: aps,
  });
  await owner.publishAgent(a.id);
  return a;
}

export async function flow_sign_in(api) {
  localStorage.clear();
  const c = new jiga.Client({ baseUrl: api });
  const me = await c.signInDevice(unique('browser'));
  check(localStorage.getItem('jiga.tokens'), 'tokens saved in localStorage by default');
  const restored = new jiga.Client({ baseUrl: api });
  check(restored.isSignedIn, 'restored from localStorage');
  check((await restored.me()).id === me.id, 'same user without a new login');
  restored.signOut();
  check(localStorage.getItem('jiga.tokens') === null, 'sign-out clears the storage');
}

export async function flow_search_paging(api) {
  const c = new jiga.Client({ baseUrl: api, storage: null });
  await c.signInDevice(unique('search'));
  const first = await c.search({ game: 'chess', sort: 'rating', limit: 5 });
  check(first.items.length === 5 && first.facets, 'a page with facets');
  const seen = [];
  for await (const l of c.searchPages({ game: 'chess', sort: 'rating', limit: 5 }).items()) seen.push(l.id);
  check(seen.length === first.total && new Set(seen).size === seen.length, 'every listing once');
}

export async function flow_hire_stream_resume_end(api) {
  const agent = await fastAgent(api, 20);
  const c = new jiga.Client({ baseUrl: api, storage: null, WebSocket: TrackingWebSocket });
  await c.signInDevice(unique('hirer'));
  await c.topup({ amount: 500, provider: 'dev' });
  const { session } = await c.hire({ agentId: agent.id, game: 'chess', budget: 300 });
  const events = c.sessionEvents(session.id);
  const seqs = [];
  let closedAt = 0;
  let ending;
  for await (const ev of events) {
    seqs.push(ev.seq);
    if (ev.seq === 1) check(ev.type === 'session.started' && ev.data.session.id === session.id, 'seq 1 is session.started');
    // The test closes the client's socket under it, twice: the stream resumes after the last seq.
    if ((ev.seq === 10 || ev.seq === 30) && closedAt !== ev.seq) {
      closedAt = ev.seq;
      for (const s of sockets) if (s.readyState === WebSocket.OPEN) s.close(4000, 'test closes it');
    }
    if (ev.seq >= 60 && !ending) ending = c.endSession(session.id);
  }
  const { settlement } = await ending;
  check(seqs.every((s, i) => s === i + 1), `gapless seqs ${seqs.slice(0, 80)}`);
  check(sockets.length >= 3, `${sockets.length} sockets: the stream reconnected after each close`);
  check(settlement.consumed === settlement.ownerEarnings + settlement.platformFee, 'settlement adds up');
  check(settlement.released === 300 - settlement.consumed, 'released = budget - consumed');
  check(events.reconciled().consumed === settlement.consumed, 'reconciled with the settlement');
  await sleep(100);
  check(sockets.every((s) => s.readyState === WebSocket.CLOSED), 'no socket left open');
  c.close();
}

export async function flow_errors(api) {
  const c = new jiga.Client({ baseUrl: api, storage: null, retry: { maxAttempts: 1 } });
  const e = await c.wallet().catch((x) => x);
  check(e instanceof jiga.UnauthenticatedError && e.status === 401 && e.requestId, `401 with its request id (${e && e.requestId})`);
  await c.signInDevice(unique('errors'));
  const l = (await c.search({ limit: 1 })).items[0];
  const f = await c.hire({ agentId: l.id, game: l.games[0], budget: 1000000 }).catch((x) => x);
  check(f instanceof jiga.InsufficientFundsError && f.needed === 1000000 && f.available === 0, 'insufficient funds with details');
  const a = new AbortController();
  const p = c.featured({ signal: a.signal });
  a.abort();
  const g = await p.catch((x) => x);
  check(g.name === 'AbortError', 'an aborted call rejects with AbortError');
}
