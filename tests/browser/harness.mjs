// The harness both browser tests share: configuration from the environment, bounded waits,
// steps that record one check each, Debian's chromium through playwright-core, and a summary
// line "N passed, M failed" last (exit status 1 on any failure). One test per process.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const BASE = (process.env.TESSERA_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const USER = process.env.TESSERA_USER ?? '';
export const PASSWORD = process.env.TESSERA_PASSWORD ?? '';
export const SHOTS = process.env.TESSERA_SCREENSHOT_DIR || join(here, 'screenshots');
const CHROMIUM = process.env.TESSERA_CHROMIUM || '/usr/bin/chromium';
export const WAIT_MS = 15_000;
const started = Date.now();
let totalMs = 90_000;

const results = []; // { name, ok, detail }
const steps = [];
export const pageErrors = [];
let browser = null;
let finished = false;

export function record(name, ok, detail = '') {
  if (finished) return; // a step still unwinding after the deadline: the summary is out
  results.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} - ${name}${detail ? `: ${detail}` : ''}`);
}

/** Time left for one wait: WAIT_MS, or less near the global deadline. */
export function budget(ms = WAIT_MS) {
  return Math.max(1_000, Math.min(ms, totalMs - 5_000 - (Date.now() - started)));
}

async function finish(extraFailures = []) {
  if (finished) return;
  for (const name of extraFailures) record(name, false, 'not run: an earlier step failed or time ran out');
  finished = true;
  try {
    await browser?.close();
  } catch {
    /* already gone */
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

/** Logs in through the form (as USER unless told) and waits until the client is connected; the name shown. */
export async function login(page, user = USER, password = PASSWORD) {
  await page.goto(`${BASE}/`, { timeout: budget(), waitUntil: 'domcontentloaded' });
  await page.locator('#login-username').waitFor({ state: 'visible', timeout: budget() });
  await page.fill('#login-username', user);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.locator('#user-name').waitFor({ state: 'visible', timeout: budget() });
  await page.locator('#conn-status[data-state="connected"]').waitFor({ timeout: budget() });
  return (await page.textContent('#user-name'))?.trim();
}

/**
 * A page in a browser context of its own (its own cookies: another user), like the first one.
 * For tests with several people at once; closed with the browser.
 */
export async function newPage() {
  if (!browser) throw new Error('the browser is not running');
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'fr-FR' });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e.message ?? e)));
  return page;
}

/**
 * Waits until the change set after `prevId` is acknowledged with nothing pending, or an error
 * toast (and, with `warnings`, a warning toast) or the conflict dialog shows: then it fails with
 * what it says (the toasts cleared for the next step). Returns the ack.
 */
export async function waitForAck(page, prevId, what, { warnings = false } = {}) {
  const selector = warnings ? '.toast-error .toast-text, .toast-warning .toast-text' : '.toast-error .toast-text';
  const handle = await page.waitForFunction(([prev, sel]) => {
    const t = window.tessera;
    const errs = [...document.querySelectorAll(sel)].map((e) => e.textContent.trim()).filter(Boolean);
    if (errs.length) return { error: errs.join(' | ') };
    if (document.getElementById('conflict-dialog')?.hidden === false) return { error: 'a conflict dialog opened' };
    const a = t.lastAck();
    if (a && a.changeSetId !== prev && t.pendingCount() === 0) return { ack: a };
    return null;
  }, [prevId, selector], { timeout: budget() }).catch(() => null);
  const v = handle ? await handle.jsonValue() : null;
  if (!v) {
    const pending = await page.evaluate(() => window.tessera.pendingCount());
    const state = await page.evaluate(() => window.tessera.saveState?.());
    throw new Error(`${what}: no ack within ${budget() / 1000} s (pending ${pending}, save state "${state}")`);
  }
  if (v.error) {
    await page.evaluate(() => document.querySelectorAll('.toast').forEach((e) => e.remove()));
    throw new Error(`${what}: ${v.error}`);
  }
  return v.ack;
}

/** Waits until `fn(arg)` in the page is truthy; on timeout, says what `describe(arg)` reads then. */
export async function waitUntil(page, fn, arg, what, describe = () => null, ms = budget()) {
  const ok = await page.waitForFunction(fn, arg, { timeout: ms }).then(() => true, () => false);
  if (!ok) throw new Error(`${what} (now: ${JSON.stringify(await page.evaluate(describe, arg))})`);
}

// The steps, in order. A step records its own check; when it throws, its check fails and, if
// it is `fatal`, the checks of the remaining steps are counted as failed (not run).
export const step = (name, fatal, fn) => steps.push({ name, fatal, fn });

/**
 * Runs the steps in a new page (1440×900, French locale). `name` prefixes the log lines and the
 * failure screenshot; `onPage(page)` hands the page to the test before the first step.
 */
export function run(name, total, onPage) {
  totalMs = total;
  main(name, onPage).catch((e) => {
    record('test harness', false, String(e?.stack ?? e));
    void finish();
  });
}

async function main(name, onPage) {
  const deadline = setTimeout(() => {
    console.log(`${name}: stopped after ${totalMs / 1000} s`);
    void finish(steps.slice(results.length).map((s) => s.name));
  }, totalMs - 2_000);
  deadline.unref();

  if (!USER || !PASSWORD) {
    record('configuration', false, 'set TESSERA_USER and TESSERA_PASSWORD');
    return finish(steps.map((s) => s.name));
  }
  mkdirSync(SHOTS, { recursive: true });
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: budget(30_000),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (e) {
    record('chromium starts', false, `${CHROMIUM}: ${String(e.message ?? e).split('\n')[0]}`);
    return finish(steps.map((s) => s.name));
  }
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'fr-FR' });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e.message ?? e)));
  onPage(page);

  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (finished) return;
    try {
      const detail = await s.fn();
      record(s.name, true, detail ?? '');
    } catch (e) {
      record(s.name, false, String(e?.message ?? e).split('\n')[0]);
      if (s.fatal) {
        try {
          await page.screenshot({ path: join(SHOTS, `${name.replace(/\.mjs$/, '')}-failure.png`) });
        } catch {
          /* the page may be gone */
        }
        return finish(steps.slice(i + 1).map((x) => x.name));
      }
    }
  }
  return finish();
}
