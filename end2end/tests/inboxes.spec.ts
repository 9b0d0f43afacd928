// End users' inboxes against the real Dovecot + Postfix of the mail lab, run after
// mailsettings.spec.ts (files run in name order) on the same server: its super admin sets up
// test.local and adds an end user; the end user connects inboxes (domain settings locked, a
// wrong password stores nothing, a custom username); the admin tries a closed IMAP port on a
// sample, saves it, sees the revalidation pause at the first inbox and reverts; an account
// admin's new IMAP host waits for the super admin's approval; an address of a domain without
// settings shows up under "Domains without settings".
//
// The two projects have their own servers and databases but share the mail lab: each uses its
// own numbered mailbox (dave@test.local, the custom-username mailbox, is shared).
import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import net from 'node:net';
import {
  ConsoleErrors, button, domainRow, expectAt, expectNoAxeViolations, field, gotoApp, jsOn, mailLab,
  saveUntested, waitForApp,
} from './helpers';

const ADMIN = { email: 'admin@people.test', password: 'admin-password-1234' };
const END_USER = { email: 'inbox-owner@people.test', password: 'inbox-owner-password-1234' };
const DOMAIN = 'test.local';
const OTHER_DOMAIN = 'other.test';

/** This project's mailboxes of the lab (see probe/tests/support/dovecot.rs). */
const mailbox = () => {
  const n = jsOn() ? 1 : 2;
  return { email: `user0${n}@test.local`, password: `user0${n}-Secret-42`, other: `user0${n}@${OTHER_DOMAIN}` };
};

test.describe.configure({ mode: 'serial' });

let adminContext: BrowserContext;
let userContext: BrowserContext;
let admin: Page;
let user: Page;
let domainPath = ''; // "/domains/<id>" of test.local
const consoleErrors = new ConsoleErrors();

async function logIn(p: Page, email: string, password: string, home: string): Promise<void> {
  await gotoApp(p, '/login');
  await field(p, 'Email').fill(email);
  await field(p, 'Password').fill(password);
  await button(p, 'Log in').click();
  await expectAt(p, home);
}

test.beforeAll(async ({ browser }) => {
  adminContext = await browser.newContext(); // inherits baseURL and javaScriptEnabled from the project
  admin = await adminContext.newPage();
  consoleErrors.watch(admin);
  await logIn(admin, ADMIN.email, ADMIN.password, '/domains');
});

test.afterEach(() => consoleErrors.check());

test.afterAll(async () => {
  await userContext?.close();
  await adminContext?.close();
});

/** A loopback port nothing listens on (the OS hands out a free one; it is closed again at once). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `check` passes. With JavaScript the page updates itself; without it the page is
 * loaded again until it shows (the background worker polls every 2 s).
 */
async function untilShown(p: Page, check: (timeout: number) => Promise<void>): Promise<void> {
  if (jsOn()) {
    await check(60_000);
    return;
  }
  await expect(async () => {
    await gotoApp(p, p.url());
    await check(1_000);
  }).toPass({ timeout: 60_000, intervals: [500, 1_000, 2_000] });
}

const inboxCard = (p: Page, email: string): Locator => p.getByRole('article', { name: email, exact: true });

/** The status badge of an inbox (card or table row) reads exactly `state`, and no other state. */
async function expectState(scope: Locator, state: 'Connected' | 'Checking' | 'Disconnected'): Promise<void> {
  await expect(scope.getByText(state, { exact: true })).toBeVisible();
  for (const other of ['Connected', 'Checking', 'Disconnected'].filter((s) => s !== state)) {
    await expect(scope.getByText(other, { exact: true })).toHaveCount(0);
  }
}

const domainInboxRow = (p: Page, email: string): Locator =>
  p.getByRole('table', { name: 'Inboxes of this domain' })
    .getByRole('row', { name: new RegExp(`^${email.replace(/\./g, '\\.')}\\s`) });

const report = (p: Page): Locator => p.getByRole('region', { name: 'Connection test' });

/** Opens "Connect your inbox" and takes the email step. */
async function startConnect(email: string): Promise<void> {
  await gotoApp(user, '/inboxes/connect');
  await expect(user.getByRole('heading', { name: 'Connect your inbox', exact: true })).toBeVisible();
  await field(user, 'Email address').fill(email);
  await button(user, 'Continue').click();
  await expect(user).toHaveURL(/\/inboxes\/connect\?email=/);
  await expect(button(user, 'Connect')).toBeVisible();
  await waitForApp(user); // the email step is a plain GET form: a new page
}

test('the super admin sets up test.local on the lab and adds an end user', async () => {
  const lab = mailLab();
  await gotoApp(admin, '/domains/new');
  await field(admin, 'Email domain').fill(DOMAIN);
  await field(admin, 'IMAP server').fill(lab.host);
  await field(admin, 'IMAP port').fill(String(lab.imaps_port));
  await field(admin, 'IMAP security').selectOption({ label: 'SSL/TLS' });
  await field(admin, 'SMTP server').fill(lab.host);
  await field(admin, 'SMTP port').fill(String(lab.smtps_port));
  await field(admin, 'SMTP security').selectOption({ label: 'SSL/TLS' });
  await saveUntested(admin, 'Add IMAP settings', consoleErrors);
  await expectAt(admin, '/domains/\\d+');
  domainPath = new URL(admin.url()).pathname;
  await expect(admin.getByText('Settings saved')).toBeVisible();
  await expect(admin.getByText('This change affects 0 inboxes')).toBeVisible();
  await expect(admin.getByText('No inbox uses these settings yet.')).toBeVisible();

  await gotoApp(admin, '/users');
  await field(admin, 'Email').fill(END_USER.email);
  await field(admin, 'Password').fill(END_USER.password);
  await field(admin, 'Role').selectOption({ label: 'User' });
  await admin.getByRole('checkbox', { name: 'Account access', exact: true }).setChecked(false);
  await button(admin, 'Add user').click();
  const users = admin.getByRole('table', { name: 'Users' });
  await expect(users.getByRole('row', { name: new RegExp(END_USER.email.replace(/\./g, '\\.')) })).toHaveCount(1);
});

test('the end user lands on Your inboxes, empty', async ({ browser }) => {
  userContext = await browser.newContext();
  user = await userContext.newPage();
  consoleErrors.watch(user);
  await logIn(user, END_USER.email, END_USER.password, '/inboxes');
  await expect(user.getByRole('heading', { name: 'Your inboxes', exact: true })).toBeVisible();
  await expect(user.getByText('No inboxes yet.')).toBeVisible();
  await expectNoAxeViolations(user, 'inboxes-empty');
  await user.getByRole('link', { name: 'Connect your inbox', exact: true }).click();
  await expectAt(user, '/inboxes/connect');
});

test("Connect your inbox: the domain's settings are filled in and locked", async () => {
  const lab = mailLab();
  await startConnect(mailbox().email);
  await expect(user.getByText('Set by your administrator', { exact: true })).toBeVisible();
  // The steps: the address is taken, signing in is the current one.
  await expect(user.getByRole('list', { name: 'Steps' }).locator('[aria-current="step"]')).toHaveText('Sign in');
  // Locked values are values with the reason, not inputs.
  const locked = user.getByRole('group', { name: 'Set by your administrator' });
  const values: [string, string][] = [
    ['IMAP server', lab.host], ['IMAP port', String(lab.imaps_port)], ['IMAP security', 'SSL/TLS'],
    ['SMTP server', lab.host], ['SMTP port', String(lab.smtps_port)], ['SMTP security', 'SSL/TLS'],
  ];
  for (const [label, value] of values) {
    await expect(locked.getByRole('term').filter({ hasText: new RegExp(`^${label}$`) }), label).toHaveCount(1);
    await expect(locked, label).toContainText(`${label}${value}`);
    await expect(field(user, label), label).toHaveCount(0);
  }
  await expect(field(user, 'Custom username (optional)')).toBeEditable();
  await expect(field(user, 'Password')).toBeEditable();
  await expectNoAxeViolations(user, 'connect-inbox-managed');
});

test('a wrong password is refused with the category of the failure, and nothing is stored', async () => {
  await field(user, 'Password').fill('not-the-password');
  await button(user, 'Connect').click();
  // The result leads with the one thing to fix; the full report is one click away.
  const result = user.getByRole('alert').filter({ hasText: 'Not connected: IMAP authentication error' });
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(result).toContainText('What to do:');
  await expect(user.getByRole('list', { name: 'Steps' }).locator('[aria-current="step"]')).toHaveText('Result');
  await expect(report(user)).toHaveCount(0);
  await user.getByText('Full connection test report', { exact: true }).click();
  await expect(report(user)).toContainText('IMAP authentication error');
  await expect(report(user).getByRole('listitem').filter({ has: user.getByText('IMAP login', { exact: true }) }))
    .toContainText('Failed');
  await expect(user.getByText('Your inbox is connected.')).toHaveCount(0);

  await gotoApp(user, '/inboxes');
  await expect(user.getByText('No inboxes yet.')).toBeVisible();
  await expect(user.getByRole('article')).toHaveCount(0);
});

test('the right password connects the inbox', async () => {
  const { email, password } = mailbox();
  await startConnect(email);
  await field(user, 'Password').fill(password);
  await button(user, 'Connect').click();
  await expect(user.getByText('Your inbox is connected.')).toBeVisible({ timeout: 60_000 });
  await user.getByText('Full connection test report', { exact: true }).click();
  await expect(report(user)).toContainText('Connection test passed');

  await user.getByRole('link', { name: 'Go to your inboxes', exact: true }).click();
  await expectAt(user, '/inboxes');
  const card = inboxCard(user, email);
  await expectState(card, 'Connected');
  await expect(card).toContainText('Settings set by your administrator');
  await expect(card.getByText('Enter a new password', { exact: true })).toBeVisible();
  // Destructive: it asks first.
  await card.locator('summary', { hasText: 'Disconnect inbox' }).click();
  await expect(card.getByRole('button', { name: 'Yes, disconnect this inbox', exact: true })).toBeVisible();
  await card.locator('summary', { hasText: 'Disconnect inbox' }).click();
  await expectNoAxeViolations(user, 'inboxes-connected');
});

test('a server that expects another login name: Custom username', async () => {
  const { custom_login: dave } = mailLab();
  await startConnect(dave.email);
  await field(user, 'Custom username (optional)').fill(dave.username);
  await field(user, 'Password').fill(dave.password);
  await button(user, 'Connect').click();
  await expect(user.getByText('Your inbox is connected.')).toBeVisible({ timeout: 60_000 });

  await gotoApp(user, '/inboxes');
  await expectState(inboxCard(user, dave.email), 'Connected');
  await expect(inboxCard(user, dave.email).getByLabel('Custom username (optional)', { exact: true })).toHaveValue(dave.username);
  await expectState(inboxCard(user, mailbox().email), 'Connected');
});

test('the admin sees the impact; a closed IMAP port would fail on a sample', async () => {
  await gotoApp(admin, '/domains');
  await domainRow(admin, DOMAIN).getByRole('link', { name: 'Edit', exact: true }).click();
  await expectAt(admin, domainPath);
  await expect(admin.getByText('This change affects 2 inboxes')).toBeVisible();
  for (const email of [mailbox().email, mailLab().custom_login.email]) {
    await expectState(domainInboxRow(admin, email), 'Connected');
    await expect(domainInboxRow(admin, email)).toContainText(END_USER.email);
  }

  const closed = await closedPort();
  await field(admin, 'IMAP port').fill(String(closed));
  await button(admin, 'Try on a sample').click();
  const sample = admin.getByRole('region', { name: 'Sample result' });
  await expect(sample).toContainText('Tried on 2 inboxes: 2 would fail.', { timeout: 60_000 });
  await expect(sample.getByRole('listitem').filter({ hasText: mailbox().email })).toContainText('IMAP settings incorrect');
  // Nothing was saved.
  await gotoApp(admin, domainPath);
  await expect(field(admin, 'IMAP port')).toHaveValue(String(mailLab().imaps_port));
  await expect(admin.getByLabel('Revalidation', { exact: true })).toHaveCount(0);
});

test('saving the closed port pauses the revalidation at the first inbox; Revert reconnects', async () => {
  const lab = mailLab();
  const closed = await closedPort();
  await gotoApp(admin, domainPath);
  await field(admin, 'IMAP port').fill(String(closed));
  await saveUntested(admin, 'Update', consoleErrors);
  await expect(admin.getByText('Settings saved')).toBeVisible();

  const rollout = admin.getByLabel('Revalidation', { exact: true });
  await untilShown(admin, async (timeout) => {
    await expect(rollout.getByText('Paused', { exact: true })).toBeVisible({ timeout });
  });
  await expect(rollout).toContainText('1 of 2 checked: 0 connected, 1 disconnected');
  await expect(rollout).toContainText('IMAP settings incorrect: 1');
  await expect(rollout.getByRole('alert')).toContainText('The first inbox checked failed, so the other inboxes were not checked.');
  await expect(button(admin, 'Continue anyway')).toBeVisible();
  const failed = admin.getByRole('table', { name: 'Inboxes of this domain' })
    .getByRole('row').filter({ has: admin.getByText('Disconnected', { exact: true }) });
  await expect(failed).toHaveCount(1);
  await expect(failed.getByRole('alert')).toContainText('IMAP settings incorrect');

  // The owner sees it too.
  await gotoApp(user, '/inboxes');
  const disconnected = user.getByRole('article').filter({ has: user.getByText('Disconnected', { exact: true }) });
  await expect(disconnected).toHaveCount(1);
  await expect(user.getByRole('article')).toHaveCount(2);
  await expect(disconnected.getByRole('alert')).toContainText('IMAP settings incorrect');

  await admin.locator('summary', { hasText: 'Revert to previous settings' }).click();
  await button(admin, 'Yes, revert').click();
  await expectAt(admin, domainPath);
  await untilShown(admin, async (timeout) => {
    await expect(rollout.getByText('Revalidation finished', { exact: true })).toBeVisible({ timeout });
  });
  await expect(rollout).toContainText('2 of 2 checked: 2 connected, 0 disconnected');
  await expect(button(admin, 'Continue anyway')).toHaveCount(0);
  await gotoApp(admin, domainPath);
  await expect(field(admin, 'IMAP port')).toHaveValue(String(lab.imaps_port));
  for (const email of [mailbox().email, lab.custom_login.email]) {
    await expectState(domainInboxRow(admin, email), 'Connected');
  }
  const history = admin.getByRole('region', { name: 'History' });
  for (const action of ['Reverted', 'Revalidation paused', 'Revalidation finished']) {
    await expect(history).toContainText(action);
  }

  await gotoApp(user, '/inboxes');
  for (const email of [mailbox().email, lab.custom_login.email]) {
    await expectState(inboxCard(user, email), 'Connected');
  }
});

test('a new IMAP host from an account admin waits until a super admin approves it', async ({ browser }) => {
  const HELPER = { email: 'helper@people.test', password: 'helper-password-1234' };
  await gotoApp(admin, '/users');
  await field(admin, 'Email').fill(HELPER.email);
  await field(admin, 'Password').fill(HELPER.password);
  await field(admin, 'Role').selectOption({ label: 'User' });
  await admin.getByRole('checkbox', { name: 'Account access', exact: true }).setChecked(true);
  await button(admin, 'Add user').click();
  await expect(admin.getByRole('table', { name: 'Users' }).getByRole('row', { name: /helper@people\.test/ })).toHaveCount(1);

  const helperContext = await browser.newContext();
  const helper = await helperContext.newPage();
  consoleErrors.watch(helper);
  try {
    await logIn(helper, HELPER.email, HELPER.password, '/domains');
    await gotoApp(helper, domainPath);
    // The lab's Dovecot answers on 127.0.0.2 too, with a certificate valid for it.
    await field(helper, 'IMAP server').fill('127.0.0.2');
    await saveUntested(helper, 'Update', consoleErrors);
    await expect(helper.getByText('Settings saved')).toBeVisible();
    const waiting = helper.getByLabel('Revalidation', { exact: true }).getByRole('alert');
    await expect(waiting).toContainText('No inbox was checked: a super admin must approve the new host first.');
    await expect(waiting).toContainText('127.0.0.2 has never been used by this domain');
    // Their own change is not theirs to approve (the server refuses it too: custody_api.rs).
    await expect(waiting).toContainText('Ask a super admin to review the change and approve it.');
    await expect(button(helper, 'Approve and continue')).toHaveCount(0);
  } finally {
    await helperContext.close();
  }

  await gotoApp(admin, domainPath);
  await button(admin, 'Approve and continue').click();
  await expectAt(admin, domainPath);
  const rollout = admin.getByLabel('Revalidation', { exact: true });
  await untilShown(admin, async (timeout) => {
    await expect(rollout.getByText('Revalidation finished', { exact: true })).toBeVisible({ timeout });
  });
  await expect(rollout).toContainText('2 of 2 checked: 2 connected, 0 disconnected');
  await gotoApp(admin, domainPath);
  const history = admin.getByRole('region', { name: 'History' });
  await expect(history).toContainText(`${ADMIN.email} approved 127.0.0.2 for this domain's stored passwords`);
});

test('an address of a domain without settings: typed by hand, then offered to the admin', async () => {
  const lab = mailLab();
  const { other } = mailbox();
  await startConnect(other);
  await expect(user.getByText(`Your administrator has not set up ${OTHER_DOMAIN}.`)).toBeVisible();
  await expect(user.getByText('Set by your administrator', { exact: true })).toHaveCount(0);
  await field(user, 'IMAP server').fill(lab.host);
  await field(user, 'IMAP port').fill(String(lab.imaps_port));
  await field(user, 'IMAP security').selectOption({ label: 'SSL/TLS' });
  await field(user, 'SMTP server').fill(lab.host);
  await field(user, 'SMTP port').fill(String(lab.smtps_port));
  await field(user, 'SMTP security').selectOption({ label: 'SSL/TLS' });
  await expectNoAxeViolations(user, 'connect-inbox-manual');
  await field(user, 'Password').fill(mailbox().password);
  await button(user, 'Connect').click();
  // The lab has no such mailbox: its login is refused (and nothing leaves for other.test).
  await expect(user.getByRole('alert').filter({ hasText: 'Not connected: IMAP authentication error' }))
    .toBeVisible({ timeout: 60_000 });
  await gotoApp(user, '/inboxes');
  await expect(inboxCard(user, other)).toHaveCount(0);

  await gotoApp(admin, '/domains');
  const attempts = admin.getByRole('table', { name: 'Domains without settings' });
  const row = attempts.getByRole('row', { name: new RegExp(`^${OTHER_DOMAIN.replace(/\./g, '\\.')}\\s`) });
  await expect(row).toContainText(other);
  await expect(attempts).not.toContainText(DOMAIN);
  await row.getByRole('link', { name: 'Edit', exact: true }).click();
  await expectAt(admin, '/domains/new');
  await expect(admin).toHaveURL(/\/domains\/new\?probe=\d+$/);
  await expect(field(admin, 'Email domain')).toHaveValue(OTHER_DOMAIN);
  await expect(field(admin, 'IMAP server')).toHaveValue(lab.host);
  await expect(field(admin, 'IMAP port')).toHaveValue(String(lab.imaps_port));
  await expect(field(admin, 'SMTP port')).toHaveValue(String(lab.smtps_port));
});
