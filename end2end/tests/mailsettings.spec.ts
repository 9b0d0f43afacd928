// One story, run in order, in both projects (js and nojs), against a fresh server and database.
// The tests share one browser context (the session cookie) and depend on each other.
import { expect, test, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import {
  ConsoleErrors, baseURL, button, domainRow, expectAt, expectNoAxeViolations, field, gotoApp, jsOn,
  mailLab, saveUntested, selectedOption, setupToken, waitForApp,
} from './helpers';

const ADMIN = { email: 'admin@people.test', password: 'admin-password-1234' };
const NO_ACCESS = { email: 'noaccess@people.test', password: 'noaccess-password-1234' };
const DOMAIN = { name: 'example.org', imap: 'imap.example.org', smtp: 'smtp.example.org' };
const OTHER = { name: 'port-error.example', imap: 'imap.port-error.example', smtp: 'smtp.port-error.example' };
const SCOPE_SENTENCE =
  "When you edit a domain's settings, you are editing the settings for all inboxes in this domain.";

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let domainPath = ''; // "/domains/<id>" of DOMAIN, found when it is created
const consoleErrors = new ConsoleErrors();

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext(); // inherits baseURL and javaScriptEnabled from the project
  page = await context.newPage();
  consoleErrors.watch(page);
});

test.afterEach(() => consoleErrors.check());

test.afterAll(async () => {
  await context?.close();
});

const submitUntested = (p: Page, name: string) => saveUntested(p, name, consoleErrors);

async function logIn(email: string, password: string): Promise<void> {
  await field(page, 'Email').fill(email);
  await field(page, 'Password').fill(password);
  await button(page, 'Log in').click();
}

async function logOut(): Promise<void> {
  await button(page, 'Log out').click();
  await expectAt(page, '/login');
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
}

/** Posts to a server function the way the contract describes, with `request`'s cookies. */
const callListDomains = (request: APIRequestContext) =>
  request.post(new URL('/api/list_domains', baseURL()).href, {
    // The app's own origin, as a browser sends it: cross-origin posts are refused outright.
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      Origin: new URL(baseURL()).origin,
    },
    data: '',
  });

test('health endpoint answers 200', async ({ request }) => {
  const response = await request.get('/health');
  expect(response.status()).toBe(200);
  expect(await response.text()).toContain('ok');
});

test('pages carry a Content-Security-Policy with a nonce and still work', async () => {
  const response = await gotoApp(page, '/login');
  const headers = response?.headers() ?? {};
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(csp).not.toContain('unsafe-inline');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('same-origin');
  // Every inline script carries this response's nonce (a violation would be a console error).
  if (jsOn()) {
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    const inline = await page.locator('script:not([src])').evaluateAll((scripts) =>
      scripts.map((s) => (s as HTMLScriptElement).nonce));
    expect(inline.length).toBeGreaterThan(0);
    for (const n of inline) expect(n).toBe(nonce);
  }
});

test('first super admin is created via /setup with the setup token', async () => {
  const token = setupToken();
  await gotoApp(page, `/setup?token=${encodeURIComponent(token)}`);
  await expect(page.getByRole('heading', { name: 'Create the first super admin' })).toBeVisible();
  // The token field may be a hidden input (then it has no label); if it is visible it is prefilled.
  const tokenField = field(page, 'Setup token');
  if ((await tokenField.count()) > 0) await expect(tokenField).toHaveValue(token);

  await field(page, 'Email').fill(ADMIN.email);
  await field(page, 'Password').fill(ADMIN.password);
  await button(page, 'Create super admin').click();

  await expectAt(page, '/domains');
  await expect(page.getByRole('heading', { name: 'Domain IMAP settings' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(ADMIN.email);
  await expect(button(page, 'Log out')).toBeVisible();
  await expect(page.getByText('No domains yet')).toBeVisible();
});

test('setup cannot be run a second time', async () => {
  await gotoApp(page, `/setup?token=${encodeURIComponent(setupToken())}`);
  await expect(page.getByText('Setup is already complete')).toBeVisible();
  await expect(button(page, 'Create super admin')).toHaveCount(0);
});

test('log out, a wrong password is refused, then log in', async () => {
  consoleErrors.allowServerFnClientErrors(); // the wrong password may be answered with 401
  await gotoApp(page, '/domains');
  await logOut();
  await expect(button(page, 'Log out')).toHaveCount(0);

  await logIn(ADMIN.email, 'not-the-right-password');
  await expect(page.getByRole('alert').filter({ hasText: 'Incorrect email or password.' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await waitForApp(page);

  await logIn(ADMIN.email, ADMIN.password);
  await expectAt(page, '/domains');
  await expect(page.getByRole('heading', { name: 'Domain IMAP settings' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(ADMIN.email);
});

test('add a domain', async () => {
  await gotoApp(page, '/domains');
  await page.getByRole('link', { name: 'Add IMAP settings', exact: true }).click();
  await expectAt(page, '/domains/new');

  await expect(page.getByRole('heading', { name: 'Add IMAP settings' })).toBeVisible();
  await expect(page.getByText(SCOPE_SENTENCE)).toBeVisible();
  // Defaults.
  await expect(field(page, 'IMAP port')).toHaveValue('993');
  await expect(field(page, 'SMTP port')).toHaveValue('465');
  await expect(selectedOption(page, 'IMAP security', 'SSL/TLS')).toHaveCount(1);
  await expect(selectedOption(page, 'SMTP security', 'SSL/TLS')).toHaveCount(1);
  for (const label of ['IMAP security', 'SMTP security']) {
    await expect(field(page, label).getByRole('option', { name: 'STARTTLS', exact: true })).toHaveCount(1);
  }
  await expect(page.getByRole('checkbox', { name: 'Allow non-secure certificate', exact: true })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'Use static IP addresses', exact: true })).toBeVisible();

  await field(page, 'Email domain').fill(DOMAIN.name);
  await field(page, 'IMAP server').fill(DOMAIN.imap);
  await field(page, 'SMTP server').fill(DOMAIN.smtp);
  await submitUntested(page, 'Add IMAP settings');

  await expectAt(page, '/domains/\\d+');
  domainPath = new URL(page.url()).pathname;
  await expect(page.getByText('Settings saved')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Edit IMAP settings' })).toBeVisible();
  await expect(field(page, 'Email domain')).toHaveValue(DOMAIN.name);
  await expect(field(page, 'IMAP server')).toHaveValue(DOMAIN.imap);
});

test('the domain list shows the new domain', async () => {
  await gotoApp(page, '/domains');
  const table = page.getByRole('table', { name: 'Email domains' });
  for (const column of ['Email domain', 'IMAP', 'SMTP']) {
    await expect(table.getByRole('columnheader', { name: column, exact: true })).toBeVisible();
  }
  const row = domainRow(page, DOMAIN.name);
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(DOMAIN.imap);
  await expect(row).toContainText(DOMAIN.smtp);
  await expect(row.getByRole('link', { name: 'Edit', exact: true })).toBeVisible();
  await expect(page.getByText('No domains yet')).toHaveCount(0);

  // Control for the refusal tests below: the super admin may call the server function directly.
  const response = await callListDomains(page.request);
  expect(response.ok(), `list_domains as super admin: ${response.status()}`).toBe(true);
  expect(await response.text()).toContain(DOMAIN.name);
});

/** The files a page's head preloads (`rel="preload"` and `rel="modulepreload"`), in page order. */
const preloads = (html: string): string[] =>
  [...html.matchAll(/<link\b[^>]*\brel="(?:module)?preload"[^>]*>/g)].map(
    (m) => /\bhref="([^"]+)"/.exec(m[0])?.[1] ?? '');

test('no page fetches the app\'s code before its first paint, however many render at once', async () => {
  // A query makes each view a fresh render (a kept page is served as rendered).
  const render = (path: string, i: number) => page.request.get(`${path}?view=${i}`).then((r) => r.text());
  const views = [...Array(12).keys()];
  const pages = (await Promise.all([
    Promise.all(views.map((i) => render(domainPath, i))),
    Promise.all(views.map((i) => render('/users', i))),
  ])).flat();
  for (const html of pages) {
    // No preload hints: the wasm would compete with the first paint on a slow network.
    expect(preloads(html)).toEqual([]);
    // One script, which fetches the code when the browser is idle.
    expect(html.match(/requestIdleCallback\(hydrate/g)?.length).toBe(1);
  }
});

test('edit the domain: IMAP port 143 and STARTTLS', async () => {
  await gotoApp(page, '/domains');
  await domainRow(page, DOMAIN.name).getByRole('link', { name: 'Edit', exact: true }).click();
  await expectAt(page, domainPath);

  await expect(page.getByRole('heading', { name: 'Edit IMAP settings' })).toBeVisible();
  await expect(page.getByText(SCOPE_SENTENCE)).toBeVisible();
  await expect(field(page, 'Email domain')).toHaveValue(DOMAIN.name);
  await expect(field(page, 'IMAP server')).toHaveValue(DOMAIN.imap);
  await expect(field(page, 'IMAP port')).toHaveValue('993');
  await expect(field(page, 'SMTP server')).toHaveValue(DOMAIN.smtp);
  await expect(field(page, 'SMTP port')).toHaveValue('465');
  await expect(page.getByText('Settings saved')).toHaveCount(0);

  await field(page, 'IMAP port').fill('143');
  await field(page, 'IMAP security').selectOption({ label: 'STARTTLS' });
  await submitUntested(page, 'Update');
  await expect(page.getByText('Settings saved')).toBeVisible();

  // Stored, not just shown: a fresh load shows the new values.
  await gotoApp(page, domainPath);
  await expect(field(page, 'IMAP port')).toHaveValue('143');
  await expect(selectedOption(page, 'IMAP security', 'STARTTLS')).toHaveCount(1);
  await expect(selectedOption(page, 'SMTP security', 'SSL/TLS')).toHaveCount(1);
});

test('IMAP port 70000 gives a field error and keeps the typed values', async () => {
  consoleErrors.allowServerFnClientErrors(); // a validation error may be answered with 4xx
  await gotoApp(page, '/domains/new');
  await field(page, 'Email domain').fill(OTHER.name);
  await field(page, 'IMAP server').fill(OTHER.imap);
  await field(page, 'IMAP port').fill('70000');
  await field(page, 'SMTP server').fill(OTHER.smtp);
  await button(page, 'Add IMAP settings').click();

  const message = 'Port must be between 1 and 65535';
  await expect(page.getByText(message)).toBeVisible();
  await expect(field(page, 'IMAP port')).toHaveAccessibleDescription(new RegExp(message));
  await expect(page.getByRole('heading', { name: 'Add IMAP settings' })).toBeVisible();
  await expect(field(page, 'Email domain')).toHaveValue(OTHER.name);
  await expect(field(page, 'IMAP server')).toHaveValue(OTHER.imap);
  await expect(field(page, 'IMAP port')).toHaveValue('70000');
  await expect(field(page, 'SMTP server')).toHaveValue(OTHER.smtp);
  await expect(field(page, 'SMTP port')).toHaveValue('465');
  await expect(field(page, 'SMTP port')).not.toHaveAccessibleDescription(new RegExp(message));

  // Corrected, the same form is accepted (this domain is deleted further down).
  await waitForApp(page);
  await field(page, 'IMAP port').fill('993');
  await submitUntested(page, 'Add IMAP settings');
  await expectAt(page, '/domains/\\d+');
  await expect(page.getByText('Settings saved')).toBeVisible();
  await expect(field(page, 'Email domain')).toHaveValue(OTHER.name);
});

test('an internationalised domain is checked as typed, stored in ASCII and listed in Unicode', async () => {
  await gotoApp(page, '/domains/new');
  const domainField = field(page, 'Email domain');
  if (jsOn()) {
    // The browser checks names with its own URL parser (no Unicode tables in the bundle).
    await waitForApp(page);
    await domainField.fill('bü@cher.example');
    await expect(page.getByText('Names may contain only letters, digits, hyphens and dots (found "@")')).toBeVisible();
    await expect(domainField).toHaveAttribute('aria-invalid', 'true');
  }
  await domainField.fill('Bücher.Example');
  if (jsOn()) await expect(domainField).toHaveAttribute('aria-invalid', 'false');
  await field(page, 'IMAP server').fill('imap.Bücher.Example');
  await field(page, 'SMTP server').fill('smtp.example.org');
  await submitUntested(page, 'Add IMAP settings');

  await expectAt(page, '/domains/\\d+');
  await expect(page.getByText('Settings saved')).toBeVisible();
  await expect(domainField).toHaveValue('xn--bcher-kva.example');
  await expect(field(page, 'IMAP server')).toHaveValue('imap.xn--bcher-kva.example');
  await gotoApp(page, '/domains');
  await expect(domainRow(page, 'bücher.example')).toHaveCount(1);
});

test('history lists the update and the creation, newest first', async () => {
  await gotoApp(page, domainPath);
  const history = page.getByRole('region', { name: 'History' });
  await expect(history.getByRole('heading', { name: 'History' })).toBeVisible();
  await expect(history).toContainText('Created');
  await expect(history).toContainText('Updated');
  await expect(history).toContainText(ADMIN.email);
  await expect(history).toContainText('IMAP port');
  await expect(history).toContainText('993 \u2192 143');
  await expect(history).toContainText('IMAP security');

  // Entries are list items (or table rows); the nested per-field changes do not name an action.
  const entries = history
    .getByRole('listitem')
    .or(history.getByRole('row'))
    .filter({ hasText: /\b(Created|Updated|Deleted)\b/ });
  await expect(entries).toHaveCount(2);
  await expect(entries.first()).toContainText('Updated');
  await expect(entries.first()).toContainText('993 \u2192 143');
  await expect(entries.last()).toContainText('Created');
});

test('a concurrent edit is reported as a conflict', async () => {
  consoleErrors.allowServerFnClientErrors(); // the conflict may be answered with 409
  const second = await context.newPage();
  consoleErrors.watch(second);
  try {
    await gotoApp(page, domainPath);
    await gotoApp(second, domainPath);

    await field(page, 'IMAP server').fill('imap2.example.org');
    await submitUntested(page, 'Update');
    await expect(page.getByText('Settings saved')).toBeVisible();

    await field(second, 'IMAP server').fill('imap3.example.org');
    await submitUntested(second, 'Update');
    const conflict = second
      .getByRole('alert')
      .or(second.getByRole('status'))
      .filter({ hasText: 'Someone else changed these settings' });
    await expect(conflict).toBeVisible();
    await expect(conflict).toContainText('IMAP server');

    // The first write stands; the stale one was not saved.
    await gotoApp(second, domainPath);
    await expect(field(second, 'IMAP server')).toHaveValue('imap2.example.org');
  } finally {
    await second.close();
  }
});

const LAB_DOMAIN = 'lab.example';
let labPath = '';

test('a connection test of the real servers passes step by step, then the settings save without asking', async () => {
  const lab = mailLab();
  await gotoApp(page, '/domains/new');
  await field(page, 'Email domain').fill(LAB_DOMAIN);
  await field(page, 'IMAP server').fill(lab.host);
  await field(page, 'IMAP port').fill(String(lab.imaps_port));
  await field(page, 'SMTP server').fill(lab.host);
  await field(page, 'SMTP port').fill(String(lab.smtps_port));
  await field(page, 'Test mailbox email').fill(lab.email);
  await field(page, 'Mailbox password').fill(lab.password);
  await button(page, 'Test connection').click();

  const report = page.getByRole('region', { name: 'Connection test' });
  await expect(report).toContainText('Connection test passed', { timeout: 60_000 });
  for (const step of ['IMAP connect', 'IMAP login', 'SMTP connect', 'SMTP login', 'Test email']) {
    await expect(report.getByRole('listitem').filter({ has: page.getByText(step, { exact: true }) })).toContainText('Passed in');
  }
  await expect(report).toContainText('SHA-256');
  // The tested values are still in the form (without JavaScript: re-rendered from the report).
  await expect(field(page, 'Email domain')).toHaveValue(LAB_DOMAIN);
  await expect(field(page, 'IMAP port')).toHaveValue(String(lab.imaps_port));

  await button(page, 'Add IMAP settings').click();
  await expectAt(page, '/domains/\\d+');
  labPath = new URL(page.url()).pathname;
  await expect(page.getByText('Settings saved')).toBeVisible();
  await expect(page.getByText('These settings have not passed a connection test.')).toHaveCount(0);
});

test('a wrong password gives the seed category, its remediation and the field at fault', async () => {
  const lab = mailLab();
  await gotoApp(page, labPath);
  await field(page, 'Test mailbox email').fill(lab.email);
  await field(page, 'Mailbox password').fill('not the password');
  await button(page, 'Test connection').click();

  const report = page.getByRole('region', { name: 'Connection test' });
  await expect(report).toContainText('IMAP authentication error', { timeout: 60_000 });
  await expect(report.getByRole('listitem').filter({ has: page.getByText('IMAP login', { exact: true }) })).toContainText('Failed');
  await expect(report).toContainText('Confirm the IMAP server and port settings are correct.');
  await expect(field(page, 'Mailbox password')).toHaveAccessibleDescription(/IMAP authentication error/);
});

test('the certificate a connection test saw can be pinned', async () => {
  // The wrong-password test above left its report on the page: IMAP connect passed, with TLS facts.
  await button(page, 'Pin this IMAP certificate').click();
  await expect(page.getByText('IMAP certificate pinned')).toBeVisible();
  await expect(field(page, 'IMAP certificate pin')).toHaveValue(/^[0-9a-f]{64}@\d{4}-\d{2}-\d{2}$/);
  const history = page.getByRole('region', { name: 'History' });
  await expect(history).toContainText('IMAP certificate pin');
  await expect(history).toContainText('SHA-256');
});

test('accessibility: domain list and Add panel have no axe violations', async () => {
  await gotoApp(page, '/domains');
  await expect(page.getByRole('heading', { name: 'Domain IMAP settings' })).toBeVisible();
  await expectNoAxeViolations(page, 'domains-list');

  await gotoApp(page, '/domains/new');
  await expect(page.getByRole('heading', { name: 'Add IMAP settings' })).toBeVisible();
  await expectNoAxeViolations(page, 'domains-add-panel');
});

test('delete a domain after confirmation', async () => {
  await gotoApp(page, '/domains');
  await expect(domainRow(page, OTHER.name)).toHaveCount(1);
  await domainRow(page, OTHER.name).getByRole('link', { name: 'Edit', exact: true }).click();
  await expectAt(page, '/domains/\\d+');
  await expect(field(page, 'Email domain')).toHaveValue(OTHER.name);

  await button(page, 'Delete').click();
  if (!jsOn()) await expectAt(page, '/domains/\\d+/delete');
  await expect(page.getByText(`Delete the IMAP settings of ${OTHER.name}?`)).toBeVisible();
  await button(page, 'Delete domain').click();

  await expectAt(page, '/domains');
  await expect(page.getByRole('heading', { name: 'Domain IMAP settings' })).toBeVisible();
  await expect(domainRow(page, DOMAIN.name)).toHaveCount(1);
  await expect(domainRow(page, OTHER.name)).toHaveCount(0);
  // Also gone after a fresh load.
  await gotoApp(page, '/domains');
  await expect(domainRow(page, DOMAIN.name)).toHaveCount(1);
  await expect(domainRow(page, OTHER.name)).toHaveCount(0);
});

test('super admin adds a user without account access', async () => {
  await gotoApp(page, '/users');
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  const role = field(page, 'Role');
  for (const option of ['Super admin', 'User', 'Auditor']) {
    await expect(role.getByRole('option', { name: option, exact: true })).toHaveCount(1);
  }

  await field(page, 'Email').fill(NO_ACCESS.email);
  await field(page, 'Password').fill(NO_ACCESS.password);
  await role.selectOption({ label: 'User' });
  await page.getByRole('checkbox', { name: 'Account access', exact: true }).setChecked(false);
  await button(page, 'Add user').click();

  const users = page.getByRole('table', { name: 'Users' });
  await expect(users.getByRole('row', { name: new RegExp(NO_ACCESS.email.replace(/\./g, '\\.')) })).toHaveCount(1);
});

test('a user without account access is refused, in the page and at the server function', async () => {
  consoleErrors.allowServerFnClientErrors(); // the app's own list_domains call is refused with 403
  consoleErrors.allowPageStatus(403, '/domains');
  await gotoApp(page, '/domains');
  await logOut();
  await logIn(NO_ACCESS.email, NO_ACCESS.password);
  await expect(page).not.toHaveURL(/\/login(?:[?#].*)?$/);
  await expect(page.getByRole('banner')).toContainText(NO_ACCESS.email);

  const response = await gotoApp(page, '/domains');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Access denied' })).toBeVisible();
  await expect(page.getByText('You do not have permission to manage domain IMAP settings.')).toBeVisible();
  await expect(page.getByText(DOMAIN.name)).toHaveCount(0);

  // A direct server-function call with this user's session cookie is refused too.
  const direct = await callListDomains(page.request);
  expect(direct.status()).toBe(403);
  const body = await direct.text();
  expect(body).not.toContain(DOMAIN.name);
  expect(body).not.toContain(OTHER.name);
});

test('a server-function call without a session is refused with 401', async ({ playwright }) => {
  const anonymous = await playwright.request.newContext();
  try {
    const response = await callListDomains(anonymous);
    expect(response.status()).toBe(401);
    expect(await response.text()).not.toContain(DOMAIN.name);
  } finally {
    await anonymous.dispose();
  }
});
