// What a real Chromium downloads for a cold load of one page (empty cache), for scripts/bench.sh:
// the sum of every response's bytes on the wire (headers and encoded body, CDP's
// encodedDataLength), counted until the page has hydrated.
// Usage: node cold-load.mjs URL SESSION_COOKIE_VALUE
import { chromium } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, session] = process.argv.slice(2);
if (!url || !session) {
  console.error('usage: node cold-load.mjs URL SESSION_COOKIE_VALUE');
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), 'cold-load-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  await context.addCookies([{ name: 'mailsettings_session', value: session, url }]);
  const page = context.pages()[0] ?? await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const files = new Map();
  cdp.on('Network.responseReceived', (e) => {
    files.set(e.requestId, { url: e.response.url, encoding: e.response.headers['content-encoding'] ?? 'identity' });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const file = files.get(e.requestId);
    if (file) file.bytes = e.encodedDataLength;
  });
  await page.goto(url);
  await page.locator('body[data-hydrated="true"]').waitFor();
  await page.waitForLoadState('networkidle');
  let total = 0;
  const kinds = new Map();
  for (const { url: fileUrl, encoding, bytes = 0 } of files.values()) {
    total += bytes;
    const kind = `${new URL(fileUrl).pathname.match(/\.(\w+)$/)?.[1] ?? 'page'} (${encoding})`;
    const [n, sum] = kinds.get(kind) ?? [0, 0];
    kinds.set(kind, [n + 1, sum + bytes]);
  }
  for (const [kind, [n, sum]] of kinds) console.log(`  ${kind}: ${n} responses, ${sum} B`);
  console.log(`cold load in Chromium: ${total} B transferred in ${files.size} responses`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
