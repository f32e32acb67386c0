// The demo page: searches the demo store, hires the chosen agent with a 300 DOF budget, shows
// the live feed with the DOF budget gauge (the core's meter), ends and shows the settlement.
// The store's URL comes from `?api=` (default http://127.0.0.1:3000).
import { Client } from '../../bindings/js/js/index.js';

const $ = (id) => document.getElementById(id);
const api = new URLSearchParams(location.search).get('api') ?? 'http://127.0.0.1:3000';
const client = new Client({ baseUrl: api });
const BUDGET = 300;
let session = null;
let events = null;

async function signIn() {
  if (!client.isSignedIn) await client.login('demo@jiga.dev', 'demo-player-1');
  const wallet = await client.wallet();
  $('status').textContent = `Signed in to ${api} — ${wallet.available} DOF available`;
  $('search').disabled = false;
}

$('search').onclick = async () => {
  const page = await client.search({ game: $('game').value, priceMax: Number($('priceMax').value), sort: 'rating', limit: 5 });
  $('results').replaceChildren(...page.items.map((l) => {
    const li = document.createElement('li');
    li.textContent = `${l.name} (${l.rank}, ★${l.rating}) — ${l.pricing.perMinute}/min + ${l.pricing.perAction}/action `;
    const b = document.createElement('button');
    b.className = 'hire';
    b.textContent = 'Hire';
    b.onclick = () => hire(l);
    li.append(b);
    return li;
  }));
};

async function hire(listing) {
  if (session) return;
  ({ session } = await client.hire({ agentId: listing.id, game: listing.games[0], budget: BUDGET }));
  $('end').disabled = false;
  $('gauge').max = BUDGET;
  events = client.sessionEvents(session.id, { guard: { warnAt: [0.5, 0.9] } });
  for await (const ev of events) {
    const li = document.createElement('li');
    li.textContent = `#${ev.seq} ${ev.type} ${JSON.stringify(ev.data).slice(0, 90)}`;
    $('feed').append(li);
    li.scrollIntoView({ block: 'nearest' });
    const m = events.meter();
    $('gauge').value = m.consumed;
    $('gaugeText').textContent = `${m.consumed} / ${BUDGET} DOF consumed, ${m.remaining ?? BUDGET} left`;
    if (ev.type === 'session.ended') show(ev.data.settlement);
  }
}

function show(s) {
  const rows = [['consumed', s.consumed], ['ownerEarnings', s.ownerEarnings], ['platformFee', s.platformFee], ['released', s.released]];
  $('settlement').replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.className = k;
    dd.textContent = String(v);
    return [dt, dd];
  }));
  const r = events?.reconciled();
  if (r && !$('status').textContent.includes('reconciled')) $('status').textContent += ` — reconciled: the stream counted ${r.consumed} DOF, as settled`;
}

$('end').onclick = async () => {
  $('end').disabled = true;
  const { settlement } = await client.endSession(session.id);
  show(settlement);
};

signIn().catch((e) => { $('status').textContent = `${e.name}: ${e.message}`; });
