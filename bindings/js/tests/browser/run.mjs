// The Chromium suite: serves the package on JIGA_STATIC_PORT (the origin the main server
// allows with --cors-origin), drives Debian's chromium with playwright-core, runs every flow of
// flows.mjs in the page, then the demo page (examples/web) clicked through and screenshotted.
// Prints `ok`/`not ok` per flow and a `# pass N` / `# fail N` summary.
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { serve } from './serve.mjs';

const root = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));
const api = process.env.JIGA_TEST_URL;
const port = Number(process.env.JIGA_STATIC_PORT);
const shot = process.env.JIGA_SCREENSHOT ?? '/tmp/jiga-js-demo.png';
if (!api || !port) throw new Error('JIGA_TEST_URL and JIGA_STATIC_PORT are set by tests/run.sh');

const server = await serve(root, port);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let pass = 0;
let fail = 0;
const report = (ok, name, error) => {
  if (ok) pass++;
  else fail++;
  console.log(`${ok ? 'ok' : 'not ok'} - chromium ${name}`);
  if (!ok) console.log(String(error).split('\n').map((l) => `  # ${l}`).join('\n'));
};
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`  # page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${port}/bindings/js/tests/browser/flows.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
  const names = await page.evaluate(() => window.flowNames);
  for (const name of names) {
    const r = await page.evaluate(([n, a]) => window.runFlow(n, a), [name, api]);
    report(r.ok, name, r.error);
  }
  if (existsSync(resolve(root, 'examples/web/index.html'))) {
    const demo = await browser.newPage();
    try {
      await demo.goto(`http://127.0.0.1:${port}/examples/web/index.html?api=${encodeURIComponent(api)}`);
      await demo.click('#search');
      await demo.waitForSelector('#results button.hire', { timeout: 20000 });
      await demo.click('#results button.hire');
      await demo.waitForFunction(() => document.querySelectorAll('#feed li').length >= 8, null, { timeout: 30000 });
      const gauge = Number(await demo.getAttribute('#gauge', 'value'));
      await demo.click('#end');
      await demo.waitForSelector('#settlement .consumed', { timeout: 20000 });
      const consumed = Number(await demo.textContent('#settlement .consumed'));
      await demo.screenshot({ path: shot, fullPage: true });
      report(gauge > 0 && consumed >= gauge, `demo_page (screenshot ${shot})`,
        `gauge ${gauge}, consumed ${consumed}`);
    } catch (e) {
      report(false, 'demo_page', e.stack);
    }
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`# pass ${pass}`);
console.log(`# fail ${fail}`);
process.exit(fail ? 1 : 0);
