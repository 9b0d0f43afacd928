// Nothing spills: with realistic data (50 domains with 28 to 40-character names and 56 to
// 74-character IMAP/SMTP hosts, each edited three times; 40 users with long addresses; 200
// inboxes on one domain; a long change history) every screen is checked at 360, 390, 768, 1280
// and 1920 px wide (800 px high):
//   (a) the page never scrolls sideways;
//   (b) no element or text reaches past its card (or, outside cards, past the viewport);
//       inside a sideways scroller (a table's `overflow-x: auto` wrapper) or a clipping box
//       (`.truncate`) elements are not judged: the scroller/box itself is;
//   (c) wherever the domain list shows (alone or beside a panel) every row's actions are
//       separate (no overlap, >= 4 px apart) and each one can be seen and clicked without
//       scrolling the page sideways.
// One test per screen loops over the widths; each view lists all its problems in one message.
//
// Runs after mailsettings.spec.ts (its super admin) and inboxes.spec.ts (test.local, on the
// mail lab) on the same server. Seeding goes through the product's own interfaces:
//  - an API token made on the profile, then the JSON API (/api/v1) for domains and edits;
//  - the server functions the no-JavaScript forms post to (/api/create_user, /api/login,
//    /api/connect_inbox) for users and inboxes. There is no cheaper way to add an inbox: each one
//    is a real connection test (IMAP + SMTP login and a test email that must arrive) against
//    the mail lab, so the inboxes are numbered lab mailboxes of test.local. A user may start 5
//    connection tests a minute, hence one user per 5 inboxes.
// The seed is made once per project (server); its ids are kept in a file beside the databases,
// so a worker restarted after a failing screen carries on without seeding again. The screens are
// not `serial`: a screen that spills must not keep the others from being checked.
//
// Env: LAYOUT_INBOXES (default 200; 0 skips the inboxes and the mail lab),
//      LAYOUT_CONNECT_CONCURRENCY (default 4: connection tests in flight per project).
// The seeding is in layout/seed.ts; the check run in the page, in layout/inspect.ts.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConsoleErrors, button, domainRow, expectAt, field, gotoApp, jsOn } from './helpers';
import { ACTION_TABLES, CARDS, MIN_GAP, formatFindings, inspectLayout, type LayoutReport } from './layout/inspect';
import { INBOXES, PANEL, TOKEN_NAME, makeSeed, seedFile, type Seed } from './layout/seed';

const ADMIN = { email: 'admin@people.test', password: 'admin-password-1234' };
const WIDTHS = [360, 390, 768, 1280, 1920];
const HEIGHT = 800;

// ---- Shared state -------------------------------------------------------------------------------

let adminContext: BrowserContext;
let userContext: BrowserContext;
let admin: Page;
let user: Page;
let seed: Seed;
const consoleErrors = new ConsoleErrors();

async function logIn(p: Page, who: { email: string; password: string }, home: string): Promise<void> {
  await gotoApp(p, '/login');
  await field(p, 'Email').fill(who.email);
  await field(p, 'Password').fill(who.password);
  await button(p, 'Log in').click();
  await expectAt(p, home);
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(20 * 60_000);
  adminContext = await browser.newContext(); // inherits baseURL and javaScriptEnabled from the project
  admin = await adminContext.newPage();
  consoleErrors.watch(admin);
  await logIn(admin, ADMIN, '/domains');

  const file = seedFile();
  if (existsSync(file)) {
    seed = JSON.parse(readFileSync(file, 'utf8')) as Seed;
  } else {
    seed = await makeSeed(admin);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(seed, null, 2));
    console.log(`layout seed (${test.info().project.name}): ${seed.summary}`);
  }

  userContext = await browser.newContext();
  user = await userContext.newPage();
  consoleErrors.watch(user);
  await logIn(user, seed.viewer, '/inboxes');
});

test.afterEach(() => consoleErrors.check());

test.afterAll(async () => {
  await userContext?.close();
  await adminContext?.close();
});

// ---- The screens ------------------------------------------------------------------------------------

type Screen = {
  title: string;
  as: 'admin' | 'user';
  path: () => string;
  /** What shows that the page has the seeded data (it fails the test when it does not). */
  ready: (p: Page) => Promise<void>;
  /** (c) must find domain rows here. */
  actions?: boolean;
  skip?: () => string | false;
};

const SCREENS: Screen[] = [
  {
    title: 'domain list',
    as: 'admin',
    path: () => '/domains',
    actions: true,
    ready: async (p) => {
      await expect(domainRow(p, PANEL.name)).toHaveCount(1);
      await expect(p.getByRole('table', { name: 'Email domains' }).getByRole('row')).not.toHaveCount(0);
    },
  },
  {
    title: 'domain panel (long names, edited, static IPs)',
    as: 'admin',
    path: () => `/domains/${seed.panelId}`,
    ready: async (p) => {
      await expect(field(p, 'Email domain')).toHaveValue(PANEL.name);
      await expect(p.getByRole('region', { name: 'History' })).toContainText('Updated');
    },
  },
  {
    title: `domain panel with ${INBOXES} inboxes`,
    as: 'admin',
    path: () => `/domains/${seed.inboxDomainId}`,
    skip: () => (seed.inboxDomainId === null ? 'no inboxes were seeded (LAYOUT_INBOXES=0)' : false),
    ready: async (p) => {
      const table = p.getByRole('table', { name: 'Inboxes of this domain' });
      await expect(table).toBeVisible();
      expect(await table.getByRole('row').count()).toBeGreaterThan(Math.min(seed.inboxesConnected, 200));
    },
  },
  {
    title: 'connection IPs',
    as: 'admin',
    path: () => `/domains/${seed.panelId}/ips`,
    ready: async (p) => {
      await expect(p.getByRole('heading', { name: 'View connection IPs' })).toBeVisible();
      await expect(p.getByRole('table', { name: 'IP ranges to allowlist' })).toBeVisible();
    },
  },
  {
    title: 'new domain',
    as: 'admin',
    path: () => '/domains/new',
    ready: async (p) => {
      await expect(p.getByRole('heading', { name: 'Add IMAP settings' })).toBeVisible();
    },
  },
  {
    title: 'change history',
    as: 'admin',
    path: () => '/history',
    ready: async (p) => {
      const events = p.getByRole('table', { name: 'Events, newest first' });
      await expect(events.getByRole('row').nth(20)).toBeAttached();
      await expect(events).toContainText('Updated');
    },
  },
  {
    title: 'users',
    as: 'admin',
    path: () => '/users',
    ready: async (p) => {
      await expect(p.getByRole('table', { name: 'Users' })).toContainText(seed.viewer.email);
    },
  },
  {
    title: 'profile',
    as: 'admin',
    path: () => '/profile',
    ready: async (p) => {
      await expect(p.getByRole('table', { name: 'API tokens' })).toContainText(TOKEN_NAME);
    },
  },
  {
    title: 'your inboxes',
    as: 'user',
    path: () => '/inboxes',
    ready: async (p) => {
      await expect(p.getByRole('heading', { name: 'Your inboxes', exact: true })).toBeVisible();
      if (seed.inboxesConnected > 0) await expect(p.getByRole('article').first()).toBeVisible();
    },
  },
  {
    title: 'connect inbox (address of a seeded domain)',
    as: 'user',
    path: () => `/inboxes/connect?email=${encodeURIComponent(`jean-christophe.vandenberghe@${PANEL.name}`)}`,
    ready: async (p) => {
      await expect(p.getByRole('heading', { name: 'Connect your inbox', exact: true })).toBeVisible();
      await expect(p.getByText('Set by your administrator', { exact: true }).first()).toBeVisible();
    },
  },
];

const VIEWS_PER_PROJECT = SCREENS.length * WIDTHS.length;

for (const screen of SCREENS) {
  test(`nothing spills: ${screen.title}`, async () => {
    const reason = screen.skip?.();
    test.skip(!!reason, reason || '');
    const p = screen.as === 'admin' ? admin : user;
    const url = screen.path();
    const project = test.info().project.name;
    test.info().annotations.push({ type: 'seed', description: seed.summary });

    await p.setViewportSize({ width: WIDTHS[0], height: HEIGHT });
    await gotoApp(p, url);
    await screen.ready(p);
    if (jsOn()) await expect(p.getByText('Loading…', { exact: true })).toHaveCount(0);

    const all: Record<number, LayoutReport> = {};
    for (const width of WIDTHS) {
      await p.setViewportSize({ width, height: HEIGHT });
      const report = await p.evaluate(inspectLayout, { cards: CARDS, actionTables: ACTION_TABLES, minGap: MIN_GAP });
      all[width] = report;
      if (screen.actions) expect(report.actionRows, `domain rows checked for (c) at ${width}px`).toBeGreaterThan(0);
      expect.soft(
        report.findings.length,
        `layout problems on ${url} at ${width}×${HEIGHT} (${project}; ${report.elements} elements, ` +
          `${report.texts} texts, ${report.actionRows} domain rows checked):\n${formatFindings(report.findings)}`,
      ).toBe(0);
    }
    await p.setViewportSize({ width: 1280, height: HEIGHT });

    const scrolling = WIDTHS.flatMap((w) => all[w].scrollers.map((s) => `${w}px: ${s}`));
    if (scrolling.length > 0) {
      test.info().annotations.push({ type: 'scrolls inside (allowed)', description: scrolling.join('\n') });
    }
    test.info().annotations.push({
      type: 'layout views',
      description: `${url}: ${WIDTHS.length} widths (${WIDTHS.join(', ')} × ${HEIGHT}); ` +
        `${SCREENS.length} screens × ${WIDTHS.length} widths = ${VIEWS_PER_PROJECT} views per project`,
    });
    await test.info().attach(`layout-${screen.title.replace(/[^a-z0-9]+/gi, '-')}.json`, {
      body: JSON.stringify({ url, project, report: all }, null, 2),
      contentType: 'application/json',
    });
    const problems = WIDTHS.reduce((n, w) => n + all[w].findings.length, 0);
    console.log(`layout (${project}): ${url} checked at ${WIDTHS.length} widths, ${problems} problem groups`);
  });
}
