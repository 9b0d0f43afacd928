// Every wait is visible, and every flow works from the keyboard alone. Runs after
// mailsettings.spec.ts (its super admin) against the real mail lab.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { ConsoleErrors, expectAt, gotoApp, jsOn, mailLab, waitForApp } from './helpers';

const ADMIN = { email: 'admin@people.test', password: 'admin-password-1234' };

test.describe.configure({ mode: 'serial' });

const consoleErrors = new ConsoleErrors();
test.afterEach(() => consoleErrors.check());

/** Presses Tab until `target` has the focus (as a keyboard user would), failing after `max`. */
async function tabTo(page: Page, target: Locator, max = 80): Promise<void> {
  const handle = await target.elementHandle();
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((el) => document.activeElement === el, handle)) return;
  }
  throw new Error(`${target} was not reached with ${max} presses of Tab`);
}

test('login → add domain → test connection → save, with the keyboard alone', async ({ browser }) => {
  const lab = mailLab();
  const context = await browser.newContext();
  const page = await context.newPage();
  consoleErrors.watch(page);
  const label = (name: string) => page.getByLabel(name, { exact: true });

  await gotoApp(page, '/login');
  await tabTo(page, label('Email'));
  await page.keyboard.type(ADMIN.email);
  await tabTo(page, label('Password'));
  await page.keyboard.type(ADMIN.password);
  await page.keyboard.press('Enter');
  await expectAt(page, '/domains');

  await tabTo(page, page.getByRole('link', { name: 'Add IMAP settings', exact: true }));
  await page.keyboard.press('Enter');
  await expectAt(page, '/domains/new');

  const typeInto = async (name: string, text: string) => {
    await tabTo(page, label(name));
    await page.keyboard.type(text);
  };
  await typeInto('Email domain', 'keyboard.example');
  await typeInto('IMAP server', lab.host);
  await typeInto('IMAP port', String(lab.imaps_port));
  await typeInto('IMAP security', 'SSL'); // typing selects the option that starts so
  await typeInto('SMTP server', lab.host);
  await typeInto('SMTP port', String(lab.smtps_port));
  await typeInto('SMTP security', 'SSL');
  await expect(label('SMTP security')).toHaveValue('ssl');
  await typeInto('Test mailbox email', lab.email);
  await typeInto('Mailbox password', lab.password);
  await tabTo(page, page.getByRole('button', { name: 'Test connection', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page.getByText(/Connection test passed: all five steps succeeded/)).toBeVisible({ timeout: 60_000 });
  await waitForApp(page);

  // The settings the test passed with: saved without "Save anyway".
  await tabTo(page, page.getByRole('button', { name: 'Add IMAP settings', exact: true }));
  await page.keyboard.press('Enter');
  await expectAt(page, '/domains/\\d+');
  await expect(page.getByText('Settings saved', { exact: true })).toBeVisible();
  await context.close();
});

type Waits = { clicks: number[]; changes: number[]; longestBlank: number };

/**
 * Records, in the page, when each click happened, when the document changed (any node or
 * attribute), and the longest stretch of animation frames in which <main> showed nothing.
 */
function recordWaits(): void {
  const w: Waits = { clicks: [], changes: [], longestBlank: 0 };
  (window as unknown as { __waits: Waits }).__waits = w;
  document.addEventListener('click', () => w.clicks.push(performance.now()), true);
  new MutationObserver(() => w.changes.push(performance.now()))
    .observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  let blankSince: number | null = null;
  const frame = (now: number) => {
    const main = document.querySelector('main');
    const blank = !main || main.innerText.trim() === '';
    if (blank && blankSince === null) blankSince = now;
    if (!blank && blankSince !== null) {
      w.longestBlank = Math.max(w.longestBlank, now - blankSince);
      blankSince = null;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

test('every navigation and action shows a change within 100 ms, and no page is ever blank', async ({ browser }) => {
  test.skip(!jsOn(), 'without JavaScript every navigation is the browser’s own page load');
  const context = await browser.newContext();
  const page = await context.newPage();
  consoleErrors.watch(page);
  await page.addInitScript(recordWaits);

  const delays: [string, number][] = [];
  /** Clicks, waits until the router has finished, and keeps click → first change. */
  const timed = async (what: string, target: Locator, done: () => Promise<void>) => {
    await page.evaluate(() => {
      const w = (window as unknown as { __waits: Waits }).__waits;
      w.clicks = [];
      w.changes = [];
    });
    await target.click();
    await done();
    await expect(page.locator('.route-progress')).toBeHidden();
    const w = await page.evaluate(() => (window as unknown as { __waits: Waits }).__waits);
    const click = w.clicks[0];
    const first = w.changes.find((t) => t >= click);
    expect(first, `${what}: nothing changed after the click`).toBeDefined();
    delays.push([what, (first ?? click) - click]);
  };

  await gotoApp(page, '/login');
  await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await timed('Log in', page.getByRole('button', { name: 'Log in', exact: true }), () => expectAt(page, '/domains'));
  const nav = page.getByRole('navigation', { name: 'Main' });
  const visits: [string, Locator, string][] = [
    ['Edit (domain panel)', page.getByRole('link', { name: 'Edit', exact: true }).first(), '/domains/\\d+'],
    ['View connection IPs', page.getByRole('link', { name: 'View connection IPs', exact: true }).first(), '/domains/\\d+/ips'],
    ['Add IMAP settings', page.getByRole('link', { name: 'Add IMAP settings', exact: true }), '/domains/new'],
    ['Change history', nav.getByRole('link', { name: 'Change history', exact: true }), '/history'],
    ['Users', nav.getByRole('link', { name: 'Users', exact: true }), '/users'],
    ['Your inboxes', nav.getByRole('link', { name: 'Your inboxes', exact: true }), '/inboxes'],
    ['Connect your inbox', page.getByRole('link', { name: 'Connect your inbox', exact: true }), '/inboxes/connect'],
    ['API tokens', page.getByRole('link', { name: 'API tokens', exact: true }), '/profile'],
  ];
  for (const [what, link, path] of visits) {
    await timed(what, link, () => expectAt(page, path));
  }
  await page.getByLabel('Name', { exact: true }).fill('waits test');
  await timed('Create token', page.getByRole('button', { name: 'Create token', exact: true }),
    () => expect(page.getByRole('row', { name: /waits test/ })).toHaveCount(1));

  const longestBlank = await page.evaluate(() => (window as unknown as { __waits: Waits }).__waits.longestBlank);
  const slowest = Math.max(...delays.map(([, ms]) => ms));
  const figures = `${delays.map(([w, ms]) => `${w} ${ms.toFixed(1)} ms`).join('; ')}; longest blank page ${longestBlank.toFixed(1)} ms`;
  test.info().annotations.push({ type: 'waits', description: figures });
  console.log(`click → first change: ${figures}`);
  for (const [what, ms] of delays) expect(ms, `${what}: click → first visible change`).toBeLessThan(100);
  expect(slowest).toBeLessThan(100);
  expect(longestBlank, 'the longest stretch with an empty page').toBeLessThan(100);
  await context.close();
});
