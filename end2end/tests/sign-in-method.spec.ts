// A domain's sign-in method (issue 23): the super admin switches a domain to OAuth 2.0 with a
// Microsoft 365 application, gets the redirect URI and the tenant's admin consent link, and the
// client secret is kept without ever being shown. Runs after mailsettings.spec.ts on the same
// server (its super admin logs in), JavaScript on and off.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import {
  ConsoleErrors, button, expectAt, expectNoAxeViolations, field, gotoApp, jsOn, selectedOption,
} from './helpers';

const ADMIN = { email: 'admin@people.test', password: 'admin-password-1234' };
const SECRET = 'client-secret-never-shown-again';

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

test('a domain signs in with OAuth 2.0 through a Microsoft 365 application', async () => {
  const domain = jsOn() ? 'contoso-js.example' : 'contoso-nojs.example';
  await gotoApp(page, '/domains/new');
  await field(page, 'Email domain').fill(domain);
  await field(page, 'IMAP server').fill('outlook.office365.com');
  await field(page, 'SMTP server').fill('smtp.office365.com');
  const oauthFields = page.locator('.oauth-fields');
  if (jsOn()) await expect(oauthFields).toBeHidden();
  await page.getByRole('radio', { name: 'OAuth 2.0' }).check();
  await expect(oauthFields).toBeVisible();
  await field(page, 'Provider').selectOption('Microsoft 365');
  if (jsOn()) await expect(field(page, 'Issuer URL')).toBeHidden();
  await field(page, 'Microsoft 365 tenant').fill('common');
  if (jsOn()) {
    // Checked as it is typed, by the parser the server uses.
    await expect(page.getByText('Enter your own tenant, not "common"')).toBeVisible();
  }
  await field(page, 'Microsoft 365 tenant').fill('contoso.onmicrosoft.com');
  await field(page, 'Client ID').fill('11111111-2222-3333-4444-555555555555');

  // Without a secret the server refuses, naming the field (before asking about the untested
  // settings).
  consoleErrors.allowServerFnClientErrors();
  await button(page, 'Add IMAP settings').click();
  await expect(page.getByText('Enter the client secret of the OAuth application')).toBeVisible();
  await field(page, 'Client secret').fill(SECRET);
  await button(page, 'Add IMAP settings').click();
  await expect(page.getByText('These settings have not passed a connection test.')).toBeVisible();
  if (!jsOn()) {
    // The refused form came back as typed, except the secret: it is never sent to the browser.
    await expect(field(page, 'Client ID')).toHaveValue('11111111-2222-3333-4444-555555555555');
    await expect(field(page, 'Client secret')).toHaveValue('');
    await field(page, 'Client secret').fill(SECRET);
  }
  await button(page, 'Save anyway').click();
  await expectAt(page, '/domains/\\d+');

  // The saved domain: OAuth chosen, Microsoft 365, the secret kept and not shown.
  await expect(page.getByRole('radio', { name: 'OAuth 2.0' })).toBeChecked();
  await expect(selectedOption(page, 'Provider', 'Microsoft 365')).toHaveCount(1);
  await expect(field(page, 'Client secret')).toHaveValue('');
  await expect(page.getByText('A secret is stored. Leave this empty to keep it')).toBeVisible();
  expect(await page.content()).not.toContain(SECRET);
  await expect(field(page, 'Scopes')).toHaveValue(
    'https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access',
  );
  await expect(page.locator('#oauth-redirect-uri')).toHaveText(/^http:\/\/[^/]+\/oauth\/callback$/);
  await expect(page.locator('#oauth-consent-link')).toHaveText(
    /^https:\/\/login\.microsoftonline\.com\/contoso\.onmicrosoft\.com\/v2\.0\/adminconsent\?client_id=11111111-2222-3333-4444-555555555555&/,
  );
  if (jsOn()) await expect(button(page, 'Copy').first()).toBeVisible();
  await expectNoAxeViolations(page, 'domain-oauth');

  // The panel's history lists the method and that a secret was set, never the secret.
  const history = page.getByRole('region', { name: 'History', exact: true });
  await expect(history.getByText('Sign-in method')).toBeVisible();
  await expect(history.getByText('OAuth 2.0')).toBeVisible();
  await expect(history.getByText('Client secret')).toBeVisible();
  expect(await history.textContent()).not.toContain(SECRET);
});
