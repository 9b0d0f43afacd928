// Change history for auditors (issue 9). Runs after mailsettings.spec.ts on the same server: its
// super admin adds a domain, edits it and creates an auditor; the auditor filters, opens the
// diff, exports CSV, runs Verify, and finds no way to change anything.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import {
  ConsoleErrors, button, domainRow, expectAt, expectNoAxeViolations, field, gotoApp, jsOn, saveUntested,
} from './helpers';

const ADMIN = { email: 'admin@people.test', password: 'admin-password-1234' };
const AUDITOR = { email: 'auditor@history.test', password: 'auditor-password-1234' };
const DOMAIN = 'history.example';

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
const consoleErrors = new ConsoleErrors();

async function logIn(p: Page, who: { email: string; password: string }, landing: string) {
  await gotoApp(p, '/login');
  await field(p, 'Email').fill(who.email);
  await field(p, 'Password').fill(who.password);
  await button(p, 'Log in').click();
  await expectAt(p, landing);
}

const today = (): string => new Date().toISOString().slice(0, 10);

test.beforeAll(async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await logIn(admin, ADMIN, '/domains');
  await gotoApp(admin, '/domains/new');
  await field(admin, 'Email domain').fill(DOMAIN);
  await field(admin, 'IMAP server').fill(`imap.${DOMAIN}`);
  await field(admin, 'SMTP server').fill(`smtp.${DOMAIN}`);
  await saveUntested(admin, 'Add IMAP settings', new ConsoleErrors());
  await expectAt(admin, '/domains/\\d+');
  await gotoApp(admin, '/domains');
  await domainRow(admin, DOMAIN).getByRole('link', { name: 'Edit', exact: true }).click();
  await expectAt(admin, '/domains/\\d+');
  await field(admin, 'IMAP port').fill('995');
  await saveUntested(admin, 'Update', new ConsoleErrors());
  await expect(admin.getByText('Settings saved')).toBeVisible();
  await gotoApp(admin, '/users');
  await field(admin, 'Email').fill(AUDITOR.email);
  await field(admin, 'Password').fill(AUDITOR.password);
  await field(admin, 'Role').selectOption({ label: 'Auditor' });
  await button(admin, 'Add user').click();
  const users = admin.getByRole('table', { name: 'Users' });
  await expect(users.getByRole('row', { name: new RegExp(AUDITOR.email.replace(/\./g, '\\.')) })).toHaveCount(1);
  await adminContext.close();

  context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
  consoleErrors.watch(page);
});

test.afterEach(() => consoleErrors.check());

test.afterAll(async () => {
  await context?.close();
});

test('an auditor lands on Change history and filters by domain and date', async () => {
  await logIn(page, AUDITOR, '/history');
  await expect(page.getByRole('heading', { name: 'Change history', exact: true })).toBeVisible();
  await field(page, 'Domain').fill(DOMAIN);
  await field(page, 'From (UTC)').fill(today());
  await field(page, 'To (UTC)').fill(today());
  await button(page, 'Filter').click();
  await expect(page).toHaveURL(new RegExp(`/history\\?domain=${DOMAIN.replace('.', '\\.')}&`));
  const rows = page.getByRole('table', { name: 'Events, newest first' }).getByRole('row');
  // Header, the update and the creation.
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(1)).toContainText('Updated');
  await expect(rows.nth(1)).toContainText(ADMIN.email);
  await expect(rows.nth(2)).toContainText('Created');
  // A creation lists the new values, not "— → value" pairs.
  await expect(rows.nth(2)).toContainText('IMAP port: 993');
  await expect(rows.nth(2)).not.toContainText('— →');
  // Times: how long ago (with JavaScript), the exact UTC time in the tooltip.
  const time = rows.nth(1).locator('time');
  await expect(time).toHaveAttribute('title', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  if (jsOn()) await expect(time).toHaveText(/^(just now|\d+ min ago)$/);
  // An address is cut with an ellipsis (never broken mid-word), whole in its tooltip.
  const actor = rows.nth(1).getByRole('link', { name: ADMIN.email, exact: true });
  await expect(actor).toHaveAttribute('title', ADMIN.email);
  await expect(actor).toHaveCSS('white-space', 'nowrap');
  await expectNoAxeViolations(page, 'history-filtered');
});

test('an auditor opens the update and reads the diff', async () => {
  await page.getByRole('row').filter({ hasText: 'Updated' }).getByRole('link', { name: 'Updated' }).click();
  await expectAt(page, '/history/events/\\d+');
  const diff = page.getByRole('table', { name: 'Changed fields' });
  const port = diff.getByRole('row', { name: /IMAP port/ });
  await expect(port.getByRole('cell')).toHaveText(['993', '995']);
  await expect(page.getByText('Super admin', { exact: true })).toBeVisible();
  await page.getByRole('link', { name: DOMAIN, exact: true }).click();
  await expectAt(page, '/history');
});

test('an auditor exports the filtered events as CSV', async () => {
  await gotoApp(page, `/history?domain=${DOMAIN}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'CSV', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^change-history-\d{8}-\d{6}\.csv$/);
  const rows = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
  expect(rows[0]).toContain('seq,id,occurred_at,actor');
  expect(rows).toHaveLength(3);
  const update = rows.find((r) => r.includes(',updated,'));
  expect(update).toContain(DOMAIN);
  expect(update).toContain('IMAP port: 993 → 995');
  expect(update).toContain(ADMIN.email);
});

test('Verify history says the history is intact and shows the public key', async () => {
  await gotoApp(page, '/history');
  await page.getByRole('link', { name: 'Verify history', exact: true }).click();
  await expectAt(page, '/history/verify');
  await expect(page.getByRole('status').filter({ hasText: 'The history is intact' })).toBeVisible();
  await expect(page.locator('#public-key')).toHaveText(/^[0-9a-f]{64}$/);
  await expect(button(page, 'Sign checkpoint now')).toHaveCount(0);
});

test('an auditor finds no way to change anything', async () => {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link')).toHaveText(['Change history']);
  for (const path of ['/history', '/history/verify']) {
    await gotoApp(page, path);
    const buttons = await page.getByRole('button').allInnerTexts();
    expect(buttons.filter((b) => !['Filter', 'Log out', 'Copy'].includes(b.trim()))).toEqual([]);
  }
  consoleErrors.allowServerFnClientErrors();
  for (const path of ['/domains', '/users', '/domains/new']) {
    consoleErrors.allowPageStatus(403, path);
    const response = await gotoApp(page, path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole('heading', { name: 'Access denied' })).toBeVisible();
  }
});
