// A typed usage example, checked by `tsc --noEmit` (tests/run.sh): the README's quick start
// with every type spelled out, so a change to the declarations that breaks it fails the run.
import {
  Client,
  InsufficientFundsError,
  JigaError,
  type Listing,
  type Notification,
  type SessionEvent,
  type Settlement,
  type Wallet,
  type WebhookSecret,
  WebhookError,
  verifyWebhook,
} from '@jiga/sdk';

export async function quickStart(baseUrl: string): Promise<Settlement> {
  const client = new Client({ baseUrl, retry: { maxAttempts: 3 } });
  await client.signInDevice('web-1');
  const page = await client.search({ game: 'chess', sort: 'rating', limit: 5 });
  const first: Listing = page.items[0];
  const ctl = new AbortController();
  const { session } = await client.hire(
    { agentId: first.id, game: 'chess', budget: 300 },
    { signal: ctl.signal },
  );
  const events = client.sessionEvents(session.id, { guard: { cap: 250, warnAt: [0.5] }, endAtCap: true });
  let consumed = 0;
  for await (const ev of events) {
    const e: SessionEvent = ev;
    switch (e.type) {
      case 'session.dof_update':
        consumed = e.data.consumed;
        break;
      case 'session.ended':
        return e.data.settlement;
      case 'agent.action': {
        const target: string | null | undefined = e.data.target;
        if (e.seq > 10 || target === 'king') await client.endSession(session.id);
        break;
      }
      case 'agent.commentary':
        // @ts-expect-error a commentary's data is its text, there is no settlement on it
        console.log(e.data.text, e.data.settlement);
        break;
      default:
        break;
    }
    for (const a of e.guardActions ?? []) if (a.type === 'warn') console.log(a.fraction);
  }
  const meter = events.meter();
  console.log(meter.consumed === consumed, events.reconciled()?.released, events.state);
  const { settlement } = await client.endSession(session.id, { idempotencyKey: 'end-once-1234' });
  return settlement;
}

export async function everyListing(client: Client): Promise<number> {
  let n = 0;
  for await (const p of client.searchPages({ rank: ['gold', 'master'], priceMax: 50 })) n += p.items.length;
  for await (const l of client.searchPages({ game: 'chess' }).items()) n += l.pricing.perMinute >= 0 ? 1 : 0;
  return n;
}

export async function money(client: Client): Promise<Wallet | null> {
  try {
    await client.topup({ amount: 100, provider: 'dev' });
    return await client.wallet();
  } catch (e) {
    if (e instanceof InsufficientFundsError) console.log(e.needed, e.available, e.requestId);
    else if (e instanceof JigaError) console.log(e.code, e.status);
    return null;
  } finally {
    client.close();
  }
}

export async function firstNotification(client: Client): Promise<string | null> {
  const notes = client.notifications();
  for await (const n of notes) {
    const typed: Notification = n;
    notes.close();
    return `${typed.type} at ${typed.ts}: ${JSON.stringify(typed.data)}`;
  }
  return null;
}

export async function webhookReceiver(
  client: Client,
  url: string,
): Promise<(signature: string, body: Uint8Array) => Notification | null> {
  const hook: WebhookSecret = await client.setWebhook(url);
  const shown: { url: string } | null = await client.webhook();
  console.log(shown?.url, await client.deleteWebhook() === true);
  return (signature, body) => {
    try {
      return verifyWebhook(hook.secret, signature, body, { toleranceMs: 60_000 });
    } catch (e) {
      if (e instanceof WebhookError) console.log(e.reason === 'bad_signature', e.kind);
      return null;
    }
  };
}
