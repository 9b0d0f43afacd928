// The JSON API (issue 11), driven like a script with curl: the super admin of
// mailsettings.spec.ts creates an API token on the profile, then plain HTTP calls (no cookies)
// create a domain, run a connection test against the real Dovecot + Postfix, edit it; the
// change history names the token; a revoked token is refused; the OpenAPI document validates.
import { expect, request as http, test, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import SwaggerParser from '@apidevtools/swagger-parser';
import {
  ConsoleErrors, baseURL, button, expectAt, expectNoAxeViolations, field, gotoApp, mailLab,
} from './helpers';

const ADMIN = { email: 'admin@people.test', password: 'admin-password-1234' };

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let secret = '';
const consoleErrors = new ConsoleErrors();
const DOMAIN = 'api.example';

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext();
  page = await context.newPage();
  consoleErrors.watch(page);
});

test.afterEach(() => consoleErrors.check());

test.afterAll(async () => {
  await context?.close();
});

/** A client with no cookies, sending the token the way curl -H would. */
async function client(token: string): Promise<APIRequestContext> {
  return http.newContext({
    baseURL: baseURL(),
    extraHTTPHeaders: { Authorization: `Bearer ${token}` },
  });
}

function labSettings(extra: Record<string, unknown> = {}) {
  const lab = mailLab();
  return {
    domain: DOMAIN,
    imap_host: lab.host,
    imap_port: lab.imaps_port,
    imap_security: 'ssl',
    smtp_host: lab.host,
    smtp_port: lab.smtps_port,
    smtp_security: 'ssl',
    ...extra,
  };
}

test('an admin creates an API token on the profile and sees it once', async () => {
  await gotoApp(page, '/login');
  await field(page, 'Email').fill(ADMIN.email);
  await field(page, 'Password').fill(ADMIN.password);
  await button(page, 'Log in').click();
  await expectAt(page, '/domains');
  await page.getByRole('link', { name: 'API tokens', exact: true }).click();
  await expectAt(page, '/profile');
  await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();

  await field(page, 'Name').fill('deploy script');
  await field(page, 'Scope').selectOption({ label: 'Read and write' });
  await field(page, 'Expires').selectOption({ label: 'In 30 days' });
  await button(page, 'Create token').click();
  const shown = page.locator('#new-token-secret');
  await expect(shown).toHaveText(/^mds_[0-9a-f]{64}$/);
  secret = (await shown.textContent()) ?? '';
  const table = page.getByRole('table', { name: 'API tokens' });
  await expect(table.getByRole('row', { name: /deploy script/ })).toContainText('Read and write');
  await expect(table.getByRole('row', { name: /deploy script/ })).toContainText('Active');
  await expectNoAxeViolations(page, 'profile-new-token');

  // Shown once: a reload does not show it again.
  await gotoApp(page, '/profile');
  await expect(page.locator('#new-token-secret')).toHaveCount(0);
});

test('a script creates, tests and edits a domain with the token', async () => {
  const api = await client(secret);
  const lab = mailLab();

  const untested = await api.post('/api/v1/domains', { data: { settings: labSettings() } });
  expect(untested.status()).toBe(428);
  expect((await untested.json()).error.code).toBe('unverified');

  const test = await api.post('/api/v1/connection-tests?wait=true', {
    data: { settings: labSettings(), email: lab.email, password: lab.password },
  });
  expect(test.status()).toBe(200);
  const report = await test.json();
  expect(report.state).toBe('finished');
  expect(report.report.ok).toBe(true);
  expect(report.report.steps.map((s: { outcome: string }) => s.outcome)).toEqual(
    Array(5).fill('passed'),
  );
  const followed = await api.get(test.headers()['location']);
  expect((await followed.json()).id).toBe(report.id);

  const created = await api.post('/api/v1/domains', { data: { settings: labSettings() } });
  expect(created.status()).toBe(201);
  const domain = await created.json();
  expect(domain.version).toBe(1);

  const edited = await api.put(`/api/v1/domains/${domain.id}`, {
    data: { version: 1, settings: labSettings({ allow_non_secure_certificate: true }), save_anyway: true },
  });
  expect(edited.status()).toBe(200);
  expect((await edited.json()).settings.allow_non_secure_certificate).toBe(true);

  const stale = await api.put(`/api/v1/domains/${domain.id}`, {
    data: { version: 1, settings: labSettings(), save_anyway: true },
  });
  expect(stale.status()).toBe(409);
  const conflict = (await stale.json()).error;
  expect(conflict.current_version).toBe(2);
  expect(conflict.conflicting_changes[0].field).toBe('allow_non_secure_certificate');

  const list = await (await api.get('/api/v1/domains?limit=200')).json();
  expect(list.items.map((d: { settings: { domain: string } }) => d.settings.domain)).toContain(DOMAIN);

  // The history's CSV export by token, as the page exports it: each row names the token.
  const csv = await api.get(`/api/v1/history/export.csv?domain=${DOMAIN}`);
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toContain('text/csv');
  const lines = (await csv.text()).trim().split('\n');
  expect(lines[0]).toMatch(/,hash,api_token$/);
  expect(lines.filter((l) => l.includes(',updated,'))).toHaveLength(1);
  expect(lines.slice(1).every((l) => /,\d+$/.test(l))).toBe(true);
  await api.dispose();

  // The change history shows every step, naming the token.
  await gotoApp(page, `/history?domain=${DOMAIN}`);
  const rows = page.getByRole('table', { name: 'Events, newest first' }).getByRole('row');
  await expect(rows.filter({ hasText: 'Updated' })).toContainText(/via API token #\d+/);
  await expect(rows.filter({ hasText: 'Created' })).toContainText(/via API token #\d+/);
  await expect(rows.filter({ hasText: 'Connection test' }).first()).toContainText(/via API token #\d+/);
});

test('a revoked token is refused', async () => {
  await gotoApp(page, '/profile');
  await page.locator('summary', { hasText: 'Revoke deploy script' }).click();
  await button(page, 'Yes, revoke it').click();
  const table = page.getByRole('table', { name: 'API tokens' });
  await expect(table.getByRole('row', { name: /deploy script/ })).toContainText('Revoked');
  const api = await client(secret);
  const refused = await api.get('/api/v1/domains');
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.message).toContain('revoked');
  await api.dispose();
  await gotoApp(page, '/history?action=api_token_revoked');
  await expect(page.getByRole('table', { name: 'Events, newest first' })).toContainText('deploy script');
});

test('the OpenAPI document is valid OpenAPI 3.1 and has a browsable page', async () => {
  const anonymous = await http.newContext({ baseURL: baseURL() });
  const doc = await (await anonymous.get('/api/v1/openapi.json')).json();
  expect(doc.openapi).toMatch(/^3\.1\./);
  await SwaggerParser.validate(structuredClone(doc));
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining(['/api/v1/domains', '/api/v1/domains/{id}', '/api/v1/connection-tests']),
  );
  await anonymous.dispose();
  await page.goto('/api/v1/docs');
  await expect(page.getByRole('heading', { name: 'Mail domain settings API' })).toBeVisible();
  await expect(page.getByText('POST /api/v1/connection-tests')).toBeVisible();
});
