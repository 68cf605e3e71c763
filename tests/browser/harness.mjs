// Shared pieces of the browser tests: the real `twitchwatch serve` on a free loopback port with a
// throwaway SQLite database and the demo clinic, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const startTimeoutMs = 120_000; // a sanitizer build hashing the demo password is slow to start

/** A port that is free on the loopback interface right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `twitchwatch serve --demo` (plus `extraArgs`); resolves with {url, email, password, stop()}. */
export async function startServer(extraArgs = []) {
  const binary = process.env.TWITCHWATCH_BIN;
  if (!binary) throw new Error('set TWITCHWATCH_BIN to the built twitchwatch executable');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'twitchwatch-browser-'));
  const port = await freePort();
  const database = `sqlite:${path.join(dataDir, 'test.sqlite3')}`;
  const child = spawn(binary, ['serve', '--db', database, '--listen', `127.0.0.1:${port}`, '--demo', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const started = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start in time; stderr:\n${stderr}`)), startTimeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const url = stdout.match(/serving on (http:\/\/[^\s]+?)\/?\s/);
      const login = stdout.match(/demo login: (\S+) \/ (\S+)/);
      if (url && login) {
        clearTimeout(timer);
        resolve({ url: url[1], email: login[1], password: login[2] });
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited early (code ${code}, signal ${signal}); stderr:\n${stderr}`));
    });
  });

  return {
    ...started,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const { code, signal } = await exited;
      await rm(dataDir, { recursive: true, force: true });
      return { code, signal };
    },
  };
}

/** Debian's Chromium, headless, with a fresh profile (Playwright gives each launch its own temporary user data dir). */
export async function launchBrowser() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('playwright-core is missing in tests/browser: run scripts/bootstrap (it runs npm ci there)');
  }
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Collects what a page must never show: console errors, uncaught exceptions, CSP violations and
 * requests that leave the server under test. `allow` lists console texts expected by a test
 * (a 400 answer that the page then explains is logged by Chromium as a failed resource).
 */
export function watchPage(page, origin) {
  const problems = [];
  const allowed = [];
  const allowedFailures = [];
  const apiRequests = [];
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const text = message.text();
    if (allowed.some((pattern) => pattern.test(text))) return;
    // A failed request is logged with the address it went to: an expected one is allowed by it.
    const failedPath = /^Failed to load resource/.test(text) && message.location().url ? new URL(message.location().url).pathname : null;
    if (failedPath && allowedFailures.some(({ pathname, status }) => pathname === failedPath && text.includes(`status of ${status}`))) return;
    // Chromium warns about nothing in our pages; any warning mentioning CSP is a violation.
    if (message.type() === 'error' || /Content.Security.Policy/i.test(text)) problems.push(`console ${message.type()}: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('request', (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) problems.push(`request to another origin: ${request.url()}`);
    else if (new URL(request.url()).pathname.startsWith('/api/')) apiRequests.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });
  return {
    problems,
    /** "GET /api/dashboard", ... in the order the page sent them; emptied by the caller. */
    apiRequests,
    allow(pattern) {
      allowed.push(pattern);
    },
    /** Allows one expected failed request: `status` (401) from `pathname` ('/api/me') only. */
    allowFailure(pathname, status) {
      allowedFailures.push({ pathname, status });
    },
    /** CSP violations reported to the page itself (securitypolicyviolation events). */
    async recordCspViolations() {
      await page.addInitScript(() => {
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (event) => {
          window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
        });
      });
    },
    async cspViolations() {
      return page.evaluate(() => window.__cspViolations ?? []);
    },
  };
}

export async function screenshotDir() {
  const dir = process.env.SCREENSHOT_DIR ?? path.resolve('screenshots');
  await mkdir(dir, { recursive: true });
  return dir;
}
