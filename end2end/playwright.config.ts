// Browser end-to-end tests: two projects (`js`, `nojs`), each against its own server process,
// its own free port and its own fresh SQLite file. Run through ../scripts/e2e.sh.
//
// Env in: SERVER_BIN (default ../target/debug/server), SITE_ROOT (default ../target/site),
//         CHROMIUM_BIN (default /usr/bin/chromium), E2E_WORKERS (default 2),
//         E2E_SERVER_STDOUT=1 to show the servers' stdout (stderr is always shown),
//         E2E_DB_DIR: directory for the two SQLite files (default: a new directory under the OS temp dir).
import { defineConfig } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

const PROJECTS = ['js', 'nojs'] as const;
type ProjectName = (typeof PROJECTS)[number];
type RunState = { dir: string; servers: Record<ProjectName, { port: number; token: string }> };

/** Asks the OS for `n` distinct free ports on 127.0.0.1 (synchronously: config loading is sync). */
function freePorts(n: number): number[] {
  const script = `
    const net = require('net'); const servers = []; let ready = 0;
    for (let i = 0; i < ${n}; i++) {
      const s = net.createServer(); servers.push(s);
      s.listen(0, '127.0.0.1', () => {
        if (++ready === ${n}) {
          console.log(JSON.stringify(servers.map((x) => x.address().port)));
          servers.forEach((x) => x.close());
        }
      });
    }`;
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`finding free ports failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/**
 * Ports, tokens and the database directory are chosen once, in the runner process. Playwright
 * evaluates this file again in every worker; workers inherit process.env, so they see the same values.
 */
function runState(): RunState {
  if (!process.env.E2E_RUN_STATE) {
    const ports = freePorts(PROJECTS.length);
    const state: RunState = {
      dir: process.env.E2E_DB_DIR
        ? path.resolve(process.env.E2E_DB_DIR)
        : path.join(os.tmpdir(), `mailsettings-e2e-${Date.now()}-${randomBytes(4).toString('hex')}`),
      servers: {
        js: { port: ports[0], token: randomBytes(24).toString('hex') },
        nojs: { port: ports[1], token: randomBytes(24).toString('hex') },
      },
    };
    process.env.E2E_RUN_STATE = JSON.stringify(state);
  }
  return JSON.parse(process.env.E2E_RUN_STATE) as RunState;
}

const state = runState();
const serverBin = path.resolve(__dirname, process.env.SERVER_BIN ?? '../target/debug/server');
const siteRoot = path.resolve(__dirname, process.env.SITE_ROOT ?? '../target/site');
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const baseURL = (p: ProjectName) => `http://127.0.0.1:${state.servers[p].port}`;

const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** What `probe/examples/mail_lab` printed (scripts/e2e.sh passes it in MAIL_LAB). */
export type MailLab = {
  host: string; imaps_port: number; smtps_port: number; email: string; password: string; ca_file: string;
  /** A mailbox whose login name is not its address (dave@test.local logs in as `dave`). */
  custom_login: { email: string; username: string; password: string };
};
/** The spec file that starts from a fresh database; every other one runs after it. */
const STORY = /[\\/]mailsettings\.spec\.ts$/;

const mailLab: MailLab | undefined = process.env.MAIL_LAB ? JSON.parse(process.env.MAIL_LAB) : undefined;

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  // The tests of one project run serially (one server, one database, one worker per project, see
  // `projects`); the two projects run side by side.
  fullyParallel: false,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', args: chromiumArgs },
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    trace: 'retain-on-failure',
  },
  // The real mail servers (Dovecot + Postfix) that scripts/e2e.sh starts for the connection tests.
  // Each of js and nojs first runs its story (mailsettings.spec.ts: the first super admin, on a
  // fresh database) as the project "<name>-story", then the other spec files, which build on it,
  // in file-name order. One worker per project: the files of a project share its server.
  projects: PROJECTS.flatMap((name) => {
    const project = {
      use: { baseURL: baseURL(name), javaScriptEnabled: name === 'js' },
      metadata: { js: name === 'js', setupToken: state.servers[name].token },
      workers: 1,
    };
    return [
      { ...project, name: `${name}-story`, testMatch: STORY },
      { ...project, name, testIgnore: STORY, dependencies: [`${name}-story`] },
    ];
  }),
  webServer: PROJECTS.map((name) => ({
    name: `${name}-server`,
    // The database directory is created here, not at config load, so `--list` leaves nothing behind.
    command: `mkdir -p ${shellQuote(state.dir)} && exec ${shellQuote(serverBin)}`,
    url: `${baseURL(name)}/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: process.env.E2E_SERVER_STDOUT === '1' ? 'pipe' : 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${state.servers[name].port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      DATABASE_URL: `sqlite://${state.dir}/${name}.db?mode=rwc`,
      // Its own data directory, for the key file that encrypts inbox passwords (inbox.key).
      MAILSETTINGS_DATA_DIR: path.join(state.dir, name),
      MAILSETTINGS_SETUP_TOKEN: state.servers[name].token,
      // The lab listens on loopback, which connection tests refuse unless allowlisted.
      MAILSETTINGS_PROBE_ALLOW_PRIVATE: '127.0.0.0/8',
      // Every 127/8 address is local: the "static IP addresses" connections leave from.
      MAILSETTINGS_STATIC_EGRESS: '127.0.0.16/29',
      ...(mailLab ? { MAILSETTINGS_PROBE_CA_FILE: mailLab.ca_file } : {}),
      RUST_LOG: 'info',
    },
  })),
});
