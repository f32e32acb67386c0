// Shared by the Node suite: the servers tests/run.sh started (their URLs in the environment),
// unique names, a fast agent of a fresh owner, and a WebSocket constructor that counts sockets.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import WebSocket from 'ws';
import { Client } from '../../js/index.js';

export function env(name) {
  const v = process.env[name];
  assert.ok(v, `${name} is not set: run the suite through tests/run.sh`);
  return v;
}

export const url = () => env('JIGA_TEST_URL');
export const unique = (prefix) => `${prefix}-${randomUUID().slice(0, 12)}`;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every socket a test's clients opened, to check none is left open. */
export const sockets = [];
export class CountingWebSocket extends WebSocket {
  constructor(...args) {
    super(...args);
    sockets.push(this);
  }
}
export const openSockets = () => sockets.filter((s) => s.readyState !== WebSocket.CLOSED).length;

/** A client of `baseUrl` on Node 20: `ws` as its WebSocket, memory-only tokens. */
export function client(baseUrl = url(), extra = {}) {
  return new Client({ baseUrl, WebSocket: CountingWebSocket, storage: null, ...extra });
}

/** A published agent of a fresh owner, acting `aps` times a second, `perAction` DOF each. */
export async function fastAgent(owner, { aps = 20, perAction = 1 } = {}) {
  await owner.signInDevice(unique('owner'));
  const agent = await owner.createAgent({
    name: 'JS flow agent',
    games: ['chess'],
    rank: 'gold',
    type: 'coach',
    provider: 'js-tests',
    pricing: { perMinute: 0, perAction },
    actionsPerSecond: aps,
  });
  return owner.publishAgent(agent.id);
}

/** Cuts the chop proxy made so far. */
export function cuts() {
  const f = env('JIGA_TEST_CHOP_STATS');
  return existsSync(f) ? Number(readFileSync(f, 'utf8') || 0) : 0;
}
