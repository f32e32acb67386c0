// node bench/node.mjs record API EVENTS  -> JSON {session, tokens, total}
// node bench/node.mjs read API SESSION TOKENS_JSON RUNS -> JSON {events, sdk, plain}
// node bench/node.mjs chromium API SESSION TOKENS_JSON RUNS PORT -> the same, in Chromium
import WebSocket from 'ws';
import { record, bench } from './replay.mjs';

const [mode, api, ...rest] = process.argv.slice(2);
if (mode === 'record') {
  console.log(JSON.stringify(await record(api, Number(rest[0]), WebSocket)));
} else if (mode === 'read') {
  console.log(JSON.stringify(await bench(api, rest[0], JSON.parse(rest[1]), Number(rest[2]), WebSocket)));
} else if (mode === 'chromium') {
  const { chromium } = await import('playwright-core');
  const { serve } = await import('../tests/browser/serve.mjs');
  const { fileURLToPath } = await import('node:url');
  const port = Number(rest[3]);
  const server = await serve(fileURLToPath(new URL('../../..', import.meta.url)), port);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/bindings/js/bench/replay.html`);
    await page.waitForFunction(() => window.ready === true);
    const r = await page.evaluate(([a, s, t, n]) => window.runBench(a, s, t, n), [api, rest[0], JSON.parse(rest[1]), Number(rest[2])]);
    console.log(JSON.stringify(r));
  } finally {
    await browser.close();
    server.close();
  }
}
process.exit(0);
