import type { MailLab } from '../playwright.config';
import { expect, test, type Locator, type Page, type Response } from '@playwright/test';
import { AxeBuilder } from '@axe-core/playwright';

/** True in the `js` project (see `metadata` in playwright.config.ts). */
export const jsOn = (): boolean => test.info().project.metadata.js === true;

/** The setup token this project's server was started with. */
export const setupToken = (): string => test.info().project.metadata.setupToken as string;

export const baseURL = (): string => test.info().project.use.baseURL as string;

/** Matches a full URL whose path is exactly `pathPattern` (a regex source), with any query or fragment. */
export const urlPath = (pathPattern: string): RegExp =>
  new RegExp(`^https?://[^/]+${pathPattern}(?:[?#].*)?$`);

/** In the js project: waits until the app has hydrated (it sets data-hydrated="true" on <body>). */
export async function waitForApp(page: Page): Promise<void> {
  if (jsOn()) await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** Navigates and, with JS on, waits for hydration before anything is clicked. */
export async function gotoApp(page: Page, path: string): Promise<Response | null> {
  const response = await page.goto(path);
  await waitForApp(page);
  return response;
}

/** After a click that navigates: waits for the URL path, then (JS on) for hydration. */
export async function expectAt(page: Page, pathPattern: string): Promise<void> {
  await expect(page).toHaveURL(urlPath(pathPattern));
  await waitForApp(page);
}

/** A form control by its exact label ("Email" must not match "Email domain" or "Email domains"). */
export const field = (page: Page, label: string): Locator => page.getByLabel(label, { exact: true });

export const button = (page: Page, name: string): Locator => page.getByRole('button', { name, exact: true });

/** The option currently selected in the <select> labelled `label`, located by its visible text. */
export const selectedOption = (page: Page, label: string, optionText: string): Locator =>
  field(page, label).getByRole('option', { name: optionText, exact: true, selected: true });

/**
 * Collects console errors and uncaught page errors; `check()` (called after each test) fails the
 * test in the js project if any were seen. The favicon 404 is always ignored; a test that provokes
 * an expected error response declares it with `allow()`.
 */
/** The real Dovecot + Postfix that scripts/e2e.sh starts (MAIL_LAB). */
export const mailLab = (): MailLab => {
  expect(process.env.MAIL_LAB, 'scripts/e2e.sh starts the mail lab and passes MAIL_LAB').toBeTruthy();
  return JSON.parse(process.env.MAIL_LAB ?? 'null') as MailLab;
};

/** The domain list's row of `name` (its name starts with the domain; other rows may mention it). */
export const domainRow = (p: Page, name: string): Locator =>
  p.getByRole('table', { name: 'Email domains' }).getByRole('row', { name: new RegExp(`^${name.replace(/\./g, '\\.')}\\s`) });

/** Saves settings no connection test has passed: the app asks, the admin confirms. */
export async function saveUntested(p: Page, name: string, errors: ConsoleErrors): Promise<void> {
  errors.allowServerFnClientErrors(); // the question may come as a 428 answer
  await button(p, name).click();
  await expect(p.getByText('These settings have not passed a connection test.')).toBeVisible();
  await button(p, 'Save anyway').click();
}

export class ConsoleErrors {
  private seen: string[] = [];
  private allowed: RegExp[] = [];

  watch(page: Page): void {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const url = msg.location().url ?? '';
      if (/\/favicon\.ico(?:[?#].*)?$/.test(url) && msg.text().includes('404')) return;
      this.seen.push(`${msg.text()} @ ${url}`);
    });
    page.on('pageerror', (err) => this.seen.push(`uncaught: ${err.message}`));
  }

  allow(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  /** Expected refusals of server functions (HTTP 4xx from /api/...). 5xx is never allowed. */
  allowServerFnClientErrors(): void {
    this.allow(/status of 4\d\d\b.* @ https?:\/\/[^/]+\/api\//);
  }

  /** An expected 4xx status of a page (document) load, e.g. the 403 "Access denied" page. */
  allowPageStatus(status: number, pathPattern: string): void {
    this.allow(new RegExp(`status of ${status}\\b.* @ https?://[^/]+${pathPattern}(?:[?#].*)?$`));
  }

  check(): void {
    const unexpected = this.seen.filter((e) => !this.allowed.some((re) => re.test(e)));
    this.seen = [];
    this.allowed = [];
    if (jsOn()) expect(unexpected, `console errors:\n${unexpected.join('\n')}`).toEqual([]);
  }
}

type AxeViolation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) =>
      [
        `${v.id} [${v.impact}] ${v.help} (${v.helpUrl})`,
        ...v.nodes.map((n) => `    at ${n.target.join(' ')}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`),
      ].join('\n'),
    )
    .join('\n');
}

/**
 * Runs axe-core on the page as it is now and expects no violations (all rules axe runs by default).
 * axe cannot run in a page with JavaScript disabled, so in the nojs project the same URL is loaded,
 * with the same cookies, in a JS-enabled context where the app's own scripts are blocked: that is
 * the server-rendered page a user without JavaScript gets.
 */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  let target = page;
  const scanContext = jsOn()
    ? null
    : await page.context().browser()!.newContext({
        javaScriptEnabled: true,
        storageState: await page.context().storageState(),
      });
  try {
    if (scanContext) {
      await scanContext.route('**/*', (route) =>
        route.request().resourceType() === 'script' ? route.abort() : route.continue(),
      );
      target = await scanContext.newPage();
      await target.goto(page.url());
    }
    const { violations } = await new AxeBuilder({ page: target }).analyze();
    if (violations.length > 0) {
      await test.info().attach(`axe-${label}.json`, {
        body: JSON.stringify(violations, null, 2),
        contentType: 'application/json',
      });
    }
    expect(violations.length, `axe violations on ${label} (${page.url()}):\n${describeViolations(violations)}`).toBe(0);
  } finally {
    await scanContext?.close();
  }
}
