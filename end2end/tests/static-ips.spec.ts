// View connection IPs (seed 002), run after mailsettings.spec.ts (files run in name order) on
// the same server: the super admin it created logs in; this story adds its own domains.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import {
  ConsoleErrors, baseURL, button, domainRow, expectAt, field, gotoApp, jsOn, mailLab, saveUntested,
} from './helpers';

const ADMIN = { email: 'admin@people.test', password: 'admin-password-1234' };
const STATIC = { name: 'static-ips.example', imap: 'imap.static-ips.example', smtp: 'smtp.static-ips.example' };
const LAB_DOMAIN = 'static-lab.example';

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
const consoleErrors = new ConsoleErrors();

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext();
  page = await context.newPage();
  consoleErrors.watch(page);
  await gotoApp(page, '/login');
  await field(page, 'Email').fill(ADMIN.email);
  await field(page, 'Password').fill(ADMIN.password);
  await button(page, 'Log in').click();
  await expectAt(page, '/domains');
});

test.afterEach(() => consoleErrors.check());

test.afterAll(async () => {
  await context?.close();
});

async function addDomain(name: string, imap: string, smtp: string, ports?: { imap: number; smtp: number }) {
  await gotoApp(page, '/domains/new');
  await field(page, 'Email domain').fill(name);
  await field(page, 'IMAP server').fill(imap);
  await field(page, 'SMTP server').fill(smtp);
  if (ports) {
    await field(page, 'IMAP port').fill(String(ports.imap));
    await field(page, 'SMTP port').fill(String(ports.smtp));
  }
  await saveUntested(page, 'Add IMAP settings', consoleErrors);
  await expectAt(page, '/domains/\\d+');
}

const LONG = {
  name: 'long-domain-name-for-tests.org', // 30 characters
  imap: `imap.${'x'.repeat(43)}.example.org`, // 60 characters
  smtp: `smtp.${'y'.repeat(43)}.example.org`,
};

test('with 60-character host names every row keeps Edit and View connection IPs reachable', async () => {
  await gotoApp(page, '/domains/new');
  await field(page, 'Email domain').fill(LONG.name);
  await field(page, 'IMAP server').fill(LONG.imap);
  await field(page, 'SMTP server').fill(LONG.smtp);
  await saveUntested(page, 'Add IMAP settings', consoleErrors);
  await expectAt(page, '/domains/\\d+');
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(viewport);
    for (const link of ['Edit', 'View connection IPs']) {
      await gotoApp(page, '/domains');
      const target = domainRow(page, LONG.name).getByRole('link', { name: link, exact: true });
      await target.scrollIntoViewIfNeeded();
      await expect(target, `${link} at ${viewport.width} px`).toBeInViewport();
      await target.click();
      await expectAt(page, link === 'Edit' ? '/domains/\\d+' : '/domains/\\d+/ips');
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('View connection IPs: turn static IPs on, copy the range, download the nftables set', async () => {
  await addDomain(STATIC.name, STATIC.imap, STATIC.smtp);
  await gotoApp(page, '/domains');
  await domainRow(page, STATIC.name).getByRole('link', { name: 'View connection IPs', exact: true }).click();
  await expectAt(page, '/domains/\\d+/ips');
  await expect(page.getByRole('heading', { name: 'View connection IPs' })).toBeVisible();
  const toggle = page.getByRole('switch', { name: 'Use static IP addresses' });
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await expect(page.getByText('click to toggle the Use static IP addresses switch on')).toBeVisible();
  await toggle.click();
  await expect(page.getByRole('switch', { name: 'Use static IP addresses' })).toHaveAttribute('aria-checked', 'true');
  const ranges = page.getByRole('table', { name: 'IP ranges to allowlist' });
  const row = ranges.getByRole('row', { name: /127\.0\.0\.16\/29/ });
  await expect(row).toContainText('IPv4');
  await expect(row).toContainText('8');
  await expect(page.getByText(/Open the IMAP port \d+ on \S+ and the SMTP port \d+ on \S+ to these ranges/)).toBeVisible();

  if (jsOn()) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL() });
    await row.getByRole('button', { name: 'Copy', exact: true }).click();
    await expect(row.getByText('Copied')).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('127.0.0.16/29');
  } else {
    // Without JavaScript the ranges are plain, selectable text.
    await expect(row.getByRole('button', { name: 'Copy' })).toHaveCount(0);
  }

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'nftables set', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`${STATIC.name}-connection-ips.nft`);
  const text = await readFile((await download.path())!, 'utf8');
  expect(text).toContain('flags interval');
  expect(text).toContain('elements = { 127.0.0.16/29 }');
  expect(text).toMatch(/ip saddr @connection_ips_ipv4 tcp dport \d+ accept/);

  await page.getByRole('link', { name: 'Done', exact: true }).click();
  await expectAt(page, '/domains');
  await expect(domainRow(page, STATIC.name)).toContainText('Static IP addresses');
});

test('Test from every static address: one passing row per address of the static range', async () => {
  const lab = mailLab();
  await addDomain(LAB_DOMAIN, lab.host, lab.host, { imap: lab.imaps_port, smtp: lab.smtps_port });
  await gotoApp(page, `${new URL(page.url()).pathname}/ips`);
  await page.getByRole('switch', { name: 'Use static IP addresses' }).click();
  await expect(page.getByRole('switch', { name: 'Use static IP addresses' })).toHaveAttribute('aria-checked', 'true');
  const form = page.locator('form.source-test');
  await form.getByLabel('Test mailbox email', { exact: true }).fill(lab.email);
  await form.getByLabel('Mailbox password', { exact: true }).fill(lab.password);
  await form.getByRole('button', { name: 'Test from every static address', exact: true }).click();
  const results = page.getByRole('table', { name: 'Test from every static address' });
  await expect(results.getByRole('row')).toHaveCount(9, { timeout: 60_000 }); // header + 8 addresses
  for (let last = 16; last < 24; last++) {
    const row = results.getByRole('row', { name: new RegExp(`^127\\.0\\.0\\.${last}\\s`) });
    await expect(row.getByRole('cell')).toHaveText(['Passed', 'Passed']);
  }
  await expect(page.getByText(/^8 of 8 addresses passed/)).toBeVisible();
});

test('with the switch on, the connection test report shows the static address each leg left from', async () => {
  const lab = mailLab();
  await gotoApp(page, '/domains');
  await domainRow(page, LAB_DOMAIN).getByRole('link', { name: 'Edit', exact: true }).click();
  await expectAt(page, '/domains/\\d+');
  await expect(page.getByRole('checkbox', { name: 'Use static IP addresses', exact: true })).toBeChecked();
  await field(page, 'Test mailbox email').fill(lab.email);
  await field(page, 'Mailbox password').fill(lab.password);
  await button(page, 'Test connection').click();
  const report = page.getByRole('region', { name: 'Connection test' });
  await expect(report).toContainText('Connection test passed', { timeout: 60_000 });
  for (const step of ['IMAP connect', 'SMTP connect']) {
    const item = report.getByRole('listitem').filter({ has: page.getByText(step, { exact: true }) });
    await expect(item).toContainText(/Connected from 127\.0\.0\.(1[6-9]|2[0-3])(?!\d)/);
  }
});
