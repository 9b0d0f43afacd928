// Seed data for layout.spec.ts: domains, edits, users and lab inboxes, made through the product's own interfaces.
import { expect, request as http, test, type APIRequestContext, type APIResponse, type Page } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';
import { baseURL, button, field, gotoApp, mailLab } from '../helpers';

const USER_PASSWORD = 'layout-user-password-1234';
export const TOKEN_NAME = 'Provisioning script: northwind-logistics-europe rollout (layout)';
export const INBOXES = Number(process.env.LAYOUT_INBOXES ?? 200);
const CONNECT_CONCURRENCY = Math.max(1, Number(process.env.LAYOUT_CONNECT_CONCURRENCY ?? 4));
/** Connection tests one user may start a minute (the server's default, MAILSETTINGS_PROBE_PER_MINUTE). */
const TESTS_PER_USER = 5;
/** The domain whose numbered lab mailboxes take the inboxes (inboxes.spec.ts sets it up). */
const INBOX_DOMAIN = 'test.local';

// ---- Seed data --------------------------------------------------------------------------------

const ORGS = [
  'northwind-logistics', 'contoso-pharma', 'fabrikam-engineering', 'adventure-works', 'tailspin-toys',
  'wide-world-imports', 'litware-insurance', 'proseware-consult', 'alpine-ski-house', 'margies-travel',
];
const REGIONS = ['europe', 'americas', 'apac', 'nordics', 'iberia'];
const PEOPLE = [
  'margaret.featherstonehaugh', 'oluwaseun.adebayo-okafor', 'jean-christophe.vandenberghe',
  'anastasia.konstantinopoulou', 'bartholomew.fitzgerald', 'siobhan.macgiollaphadraig',
  'maximilian.schwarzenberg', 'guadalupe.hernandez-villanueva', 'christopher.wolstenholme',
  'thanh-huong.nguyen-tran',
];

type SeedDomain = { label: string; name: string; tld: string };

/** 50 names of 28 to 40 characters (median ~33), under .example and .test only: nothing is resolved. */
const DOMAINS: SeedDomain[] = Array.from({ length: 50 }, (_, i) => {
  const label = `${ORGS[i % ORGS.length]}-${REGIONS[Math.floor(i / ORGS.length)]}-${String(i + 1).padStart(2, '0')}`;
  const tld = i % 4 === 3 ? 'test' : 'example';
  return { label, tld, name: `${label}.${tld}` };
});
/** The domain whose panel and connection IPs are checked: the longest name. */
export const PANEL = DOMAINS.reduce((a, b) => (b.name.length > a.name.length ? b : a));

/** The settings of `d` after `edits` of the seeded edits (56 to 74-character host names). */
function settingsOf(d: SeedDomain, edits: number) {
  const cluster = `${d.label}.eu-central-mailhosting.${d.tld}`;
  return {
    domain: d.name,
    imap_host: edits >= 3 ? `imap-02.${cluster}` : `imap.${cluster}`,
    imap_port: edits >= 1 ? 143 : 993,
    imap_security: edits >= 1 ? 'starttls' : 'ssl',
    smtp_host: edits >= 2 ? `smtp-relay.${cluster}` : `smtp.${cluster}`,
    smtp_port: edits >= 2 ? 587 : 465,
    smtp_security: edits >= 2 ? 'starttls' : 'ssl',
    allow_non_secure_certificate: edits >= 3,
    // The installation has static egress addresses (playwright.config.ts): the panel domain uses them.
    use_static_ips: edits >= 3 && d === PANEL,
  };
}
const EDITS = 3;

/** The end users who own the inboxes: long, realistic addresses on the seeded domains. */
const userEmail = (k: number): string =>
  `${PEOPLE[k % PEOPLE.length]}${k >= DOMAINS.length ? `-${Math.floor(k / DOMAINS.length) + 1}` : ''}@${DOMAINS[k % DOMAINS.length].name}`;

type Mailbox = { email: string; password: string; username?: string };

/** The lab's mailboxes whose test email comes back (probe/tests/support/dovecot.rs). */
function labMailboxes(): Mailbox[] {
  const lab = mailLab();
  const numbered = Array.from({ length: 16 }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    return { email: `user${n}@test.local`, password: `user${n}-Secret-42` };
  });
  return [
    ...numbered,
    { email: lab.email, password: lab.password },
    { email: lab.custom_login.email, username: lab.custom_login.username, password: lab.custom_login.password },
  ];
}

export type Seed = {
  panelId: number;
  inboxDomainId: number | null;
  viewer: { email: string; password: string };
  users: number;
  inboxesConnected: number;
  summary: string;
};

/** Where this project's seed is remembered for the run (beside the databases). */
export function seedFile(): string {
  const state = process.env.E2E_RUN_STATE ? JSON.parse(process.env.E2E_RUN_STATE) : null;
  // Without the runner's state: one directory per runner process (a restarted worker has the same parent).
  const dir = state?.dir ?? path.join(os.tmpdir(), `mailsettings-layout-${process.ppid}`);
  return path.join(dir, `layout-seed-${test.info().project.name}.json`);
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  });
  await Promise.all(runners);
}

/** Posts a form to a server function, as a page without JavaScript does (with the app's Origin). */
function postForm(req: APIRequestContext, endpoint: string, form: Record<string, string>, accept: string, timeout = 60_000) {
  return req.post(`${baseURL()}/api/${endpoint}`, {
    form,
    headers: { Origin: new URL(baseURL()).origin, Accept: accept },
    maxRedirects: 0,
    timeout,
  });
}

async function apiList<T>(api: APIRequestContext, pathAndQuery: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = pathAndQuery.includes('?') ? '&' : '?';
    const url: string = `${pathAndQuery}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res: APIResponse = await api.get(url);
    expect(res.status(), `GET ${url}: ${await res.text()}`).toBe(200);
    const page: { items: T[]; next_cursor?: string | null } = await res.json();
    items.push(...page.items);
    cursor = page.next_cursor ?? null;
  } while (cursor);
  return items;
}

async function createToken(admin: Page): Promise<string> {
  await gotoApp(admin, '/profile');
  await field(admin, 'Name').fill(TOKEN_NAME);
  await field(admin, 'Scope').selectOption({ label: 'Read and write' });
  await field(admin, 'Expires').selectOption({ label: 'In 30 days' });
  await button(admin, 'Create token').click();
  const shown = admin.locator('#new-token-secret');
  await expect(shown).toHaveText(/^mds_[0-9a-f]{64}$/);
  return (await shown.textContent()) ?? '';
}

export async function makeSeed(admin: Page): Promise<Seed> {
  const started = Date.now();
  const secret = await createToken(admin);
  const api = await http.newContext({ baseURL: baseURL(), extraHTTPHeaders: { Authorization: `Bearer ${secret}` } });
  try {
    // Domains: created, then (after the inboxes) edited, so the history's newest page shows edits.
    const ids = new Map<string, { id: number; version: number }>();
    await pool(DOMAINS, 4, async (d) => {
      const res = await api.post('/api/v1/domains', { data: { settings: settingsOf(d, 0), save_anyway: true } });
      expect(res.status(), `create ${d.name}: ${await res.text()}`).toBe(201);
      const body = await res.json();
      ids.set(d.name, { id: body.id, version: body.version });
    });

    // The inbox domain: inboxes.spec.ts's test.local (on the lab), else one made here.
    let inboxDomainId: number | null = null;
    if (INBOXES > 0) {
      const all = await apiList<{ id: number; settings: { domain: string } }>(api, '/api/v1/domains');
      inboxDomainId = all.find((d) => d.settings.domain === INBOX_DOMAIN)?.id ?? null;
      if (inboxDomainId === null) {
        const lab = mailLab();
        const res = await api.post('/api/v1/domains', {
          data: {
            settings: {
              domain: INBOX_DOMAIN, imap_host: lab.host, imap_port: lab.imaps_port, imap_security: 'ssl',
              smtp_host: lab.host, smtp_port: lab.smtps_port, smtp_security: 'ssl',
            },
            save_anyway: true,
          },
        });
        expect(res.status(), `create ${INBOX_DOMAIN}: ${await res.text()}`).toBe(201);
        inboxDomainId = (await res.json()).id;
      }
    }

    // Users: one per 5 inboxes (each may start 5 connection tests a minute), at least one to
    // look at "Your inboxes" with.
    const userCount = Math.max(1, Math.ceil(INBOXES / TESTS_PER_USER));
    const emails = Array.from({ length: userCount }, (_, k) => userEmail(k));
    await pool(emails, 4, async (email) => {
      const res = await postForm(admin.request, 'create_user', { email, password: USER_PASSWORD, role: 'user' }, 'application/json');
      expect(res.status(), `create_user ${email}: ${res.status()} ${await res.text()}`).toBeLessThan(400);
    });

    // Inboxes: each a real connection test of a lab mailbox, by the form without JavaScript
    // (the server answers when the test has finished).
    const failures: string[] = [];
    let connected = 0;
    if (INBOXES > 0 && inboxDomainId !== null) {
      const boxes = labMailboxes();
      const sessions: APIRequestContext[] = [];
      await pool(emails, 4, async (email, k) => {
        const session = await http.newContext({ baseURL: baseURL() });
        sessions[k] = session;
        const res = await postForm(session, 'login', { email, password: USER_PASSWORD }, 'application/json');
        expect(res.status(), `login ${email}: ${await res.text()}`).toBeLessThan(400);
      });
      try {
        // User k takes 5 different mailboxes; neighbouring jobs use different mailboxes, so a
        // mailbox sees few logins at once (the lab allows 10 per user and address).
        const jobs = Array.from({ length: INBOXES }, (_, i) => {
          const k = Math.floor(i / TESTS_PER_USER);
          return { k, box: boxes[i % boxes.length] };
        });
        await pool(jobs, CONNECT_CONCURRENCY, async ({ k, box }) => {
          const form: Record<string, string> = { email: box.email, password: box.password };
          if (box.username) form.username = box.username;
          try {
            const res = await postForm(sessions[k], 'connect_inbox', form, 'text/html', 180_000);
            if (res.status() >= 400) failures.push(`${emails[k]} → ${box.email}: HTTP ${res.status()} ${(await res.text()).slice(0, 200)}`);
          } catch (e) {
            failures.push(`${emails[k]} → ${box.email}: ${(e as Error).message.split('\n')[0]}`);
          }
        });
      } finally {
        await Promise.all(sessions.filter(Boolean).map((s) => s.dispose()));
      }
      // Count what the server stored (waiting a little in case a test outlived its request).
      const ours = new Set(emails);
      const count = async () =>
        (await apiList<{ owner_email: string }>(api, `/api/v1/inboxes?domain_id=${inboxDomainId}`))
          .filter((i) => ours.has(i.owner_email)).length;
      const deadline = Date.now() + 30_000;
      connected = await count();
      while (connected < INBOXES && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 2_000));
        connected = await count();
      }
      expect(
        connected,
        `inboxes connected on ${INBOX_DOMAIN}: ${connected} of ${INBOXES}\n${failures.slice(0, 10).join('\n')}`,
      ).toBeGreaterThanOrEqual(Math.ceil(INBOXES * 0.9));
    }

    // Three edits of every domain (ports and security, a new SMTP relay, a new IMAP host with
    // non-secure certificates allowed; the panel domain turns static IP addresses on).
    for (let edit = 1; edit <= EDITS; edit++) {
      await pool(DOMAINS, 4, async (d) => {
        const known = ids.get(d.name)!;
        const res = await api.put(`/api/v1/domains/${known.id}`, {
          data: { version: known.version, settings: settingsOf(d, edit), save_anyway: true },
        });
        expect(res.status(), `edit ${edit} of ${d.name}: ${await res.text()}`).toBe(200);
        known.version = (await res.json()).version;
      });
    }

    const seconds = Math.round((Date.now() - started) / 1000);
    const summary =
      `${DOMAINS.length} domains (names ${Math.min(...DOMAINS.map((d) => d.name.length))}–` +
      `${Math.max(...DOMAINS.map((d) => d.name.length))} chars, hosts up to ` +
      `${Math.max(...DOMAINS.map((d) => settingsOf(d, EDITS).smtp_host.length))} chars) with ${EDITS} edits each, ` +
      `${userCount} users, ${connected} of ${INBOXES} inboxes connected on ${INBOX_DOMAIN}` +
      `${failures.length ? ` (${failures.length} connection requests failed)` : ''}; seeded in ${seconds} s`;
    return {
      panelId: ids.get(PANEL.name)!.id,
      inboxDomainId,
      viewer: { email: emails[0], password: USER_PASSWORD },
      users: userCount,
      inboxesConnected: connected,
      summary,
    };
  } finally {
    await api.dispose();
  }
}
