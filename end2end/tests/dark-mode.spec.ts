// Dark mode (prefers-color-scheme: dark) swaps the design system's colour tokens: the pages stay
// readable (axe's contrast checks pass) and really are dark. Runs after mailsettings.spec.ts.
import { expect, test } from '@playwright/test';
import { ConsoleErrors, expectAt, expectNoAxeViolations, gotoApp, jsOn } from './helpers';

const ADMIN = { email: 'admin@people.test', password: 'admin-password-1234' };
const consoleErrors = new ConsoleErrors();
test.afterEach(() => consoleErrors.check());

test('in dark mode every page keeps AA contrast', async ({ browser }) => {
  // axe needs JavaScript; the stylesheet is the same for both projects.
  test.skip(!jsOn(), 'the nojs project scans in a separate context without the colour scheme');
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  consoleErrors.watch(page);
  await gotoApp(page, '/login');
  await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await expectAt(page, '/domains');
  const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(background, 'the page background is dark').toBe('rgb(13, 17, 23)');
  await expectNoAxeViolations(page, 'dark-domains');
  await page.getByRole('link', { name: 'Edit', exact: true }).first().click();
  await expectAt(page, '/domains/\\d+');
  await expectNoAxeViolations(page, 'dark-panel');
  for (const path of ['/history', '/users', '/profile', '/inboxes', '/inboxes/connect']) {
    await gotoApp(page, path);
    await expectNoAxeViolations(page, `dark-${path}`);
  }
  await context.close();
});
