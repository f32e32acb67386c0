// Events per second delivered to JS code on the replay of one finished session: the SDK's
// `for await` next to a plain WebSocket + JSON.parse reader of the same replay (a ticket per
// connection, as a browser must), best of RUNS runs each. Runs in Node (ws) and, imported by
// replay.html, in Chromium. `record` makes the session first (a fast agent, then ended).
import { Client } from '../js/index.js';

export async function record(api, want, WebSocket) {
  const owner = new Client({ baseUrl: api, storage: null, WebSocket });
  await owner.signInDevice(`bench-owner-${Date.now()}`);
  const agent = await owner.createAgent({
    name: 'Replay', games: ['bench'], rank: 'gold', type: 'coach', provider: 'bench',
    pricing: { perMinute: 0, perAction: 1 }, actionsPerSecond: 1000,
  });
  await owner.publishAgent(agent.id);
  const hirer = new Client({ baseUrl: api, storage: null, WebSocket });
  await hirer.signInDevice(`bench-hirer-${agent.id}`);
  await hirer.topup({ amount: 1000000, provider: 'dev' });
  const { session } = await hirer.hire({ agentId: agent.id, game: 'bench', budget: 1000000 });
  while ((await hirer.session(session.id)).lastSeq < want) await new Promise((r) => setTimeout(r, 500));
  await hirer.endSession(session.id);
  const total = (await hirer.session(session.id)).lastSeq;
  return { session: session.id, tokens: hirer.tokens(), total };
}

async function sdkOnce(api, sid, tokens, WebSocket) {
  const c = new Client({ baseUrl: api, storage: null, tokens, WebSocket });
  const t0 = performance.now();
  let n = 0;
  let last = 0;
  for await (const ev of c.sessionEvents(sid)) {
    n++;
    last = ev.seq;
  }
  const dt = performance.now() - t0;
  c.close();
  if (last !== n) throw new Error(`sdk: ${n} events, last seq ${last}`);
  return { n, perSec: n / (dt / 1000) };
}

async function plainOnce(api, sid, tokens, WebSocket) {
  // The same credentials the SDK uses: a ticket from the REST route, then the socket.
  const res = await fetch(`${api}/v1/sessions/${sid}/stream-tickets`, {
    method: 'POST', headers: { authorization: `Bearer ${tokens.accessToken}` },
  });
  const { ticket } = await res.json();
  const ws = new WebSocket(`${api.replace(/^http/, 'ws')}/v1/sessions/${sid}/stream?afterSeq=0&ticket=${encodeURIComponent(ticket)}`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let n = 0;
    ws.onmessage = (m) => {
      const ev = JSON.parse(m.data);
      n++;
      if (ev.type === 'session.ended') {
        const dt = performance.now() - t0;
        ws.close();
        resolve({ n, perSec: n / (dt / 1000) });
      }
    };
    ws.onerror = (e) => reject(new Error(String(e.message ?? e)));
  });
}

export async function bench(api, sid, tokens, runs, WebSocket) {
  const best = { sdk: 0, plain: 0, events: 0 };
  for (let i = 0; i < runs; i++) {
    const s = await sdkOnce(api, sid, tokens, WebSocket);
    const p = await plainOnce(api, sid, tokens, WebSocket ?? globalThis.WebSocket);
    if (s.n !== p.n) throw new Error(`sdk read ${s.n} events, plain ${p.n}`);
    best.events = s.n;
    best.sdk = Math.max(best.sdk, s.perSec);
    best.plain = Math.max(best.plain, p.perSec);
  }
  return best;
}
