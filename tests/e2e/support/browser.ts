/**
 * Debian's Chromium driven by playwright-core (no browser download), started with the flags this
 * closed network needs, plus a watch on every page for Content-Security-Policy violations and
 * uncaught errors on the service's own origin: a UI that needs a looser policy fails the tests.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.BYOK_CHROMIUM ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without the background-networking flags Chromium keeps calling home and hangs on this network.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Evaluates browser-side code given as text (the tests are compiled without DOM types). */
export function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/**
 * Waits until `expression` is true in the page. (Not page.waitForFunction: its polling evaluates a
 * string inside the page, which the page's CSP rightly blocks as eval.)
 */
export async function waitUntil(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await inPage<boolean>(page, `Boolean(${expression})`))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** CSP violations and page errors seen on `origin` so far. */
  problems: string[];
}

/** A fresh context (no cookies: nobody signed in) with one page, watched for CSP violations. */
export async function openPage(browser: Browser, origin: string): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  // Runs in every document before its own scripts (through the DevTools protocol, so the page's CSP
  // does not apply to it) and reports violations as console messages tagged with the origin.
  // (A string: the root tsconfig has no DOM types, and this code runs in the browser anyway.)
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      console.error('csp-violation ' + location.origin + ' ' + event.effectiveDirective + ' blocked=' + (event.blockedURI || 'inline'));
    });`,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    const fromOrigin = text.startsWith(`csp-violation ${origin} `) || (message.location().url.startsWith(origin) && /Content Security Policy/i.test(text));
    if (fromOrigin) problems.push(text);
  });
  page.on('pageerror', (error) => {
    if (page.url().startsWith(origin)) problems.push(`page error: ${error.message}`);
  });
  return { page, context, problems };
}

/**
 * The browser of a test file: launched before its tests, closed after them, and one watched page per
 * test (`open`), closed after each, when the test fails if the page saw a CSP violation or threw.
 */
export function browserPerFile(launchTimeoutMs: number): { open(origin: string): Promise<WatchedPage>; browser(): Browser } {
  let browser: Browser | undefined;
  let session: WatchedPage | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, launchTimeoutMs);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    const problems = session?.problems ?? [];
    await session?.context.close();
    session = undefined;
    expect(problems).toEqual([]);
  });
  const started = (): Browser => {
    if (!browser) throw new Error('the browser did not start');
    return browser;
  };
  return {
    async open(origin) {
      session = await openPage(started(), origin);
      return session;
    },
    /** For a page the test checks and closes itself (one that must see a violation). */
    browser: started,
  };
}

/**
 * Signs in the way a person does: the UI sends the browser to Keycloak's own login page
 * (authorization code + PKCE S256), the form is filled in, and Keycloak sends it back signed in.
 */
export async function signIn(page: Page, origin: string, user: { username: string; password: string }): Promise<URL> {
  await page.goto(`${origin}/`);
  await page.locator('#username').waitFor();
  const loginUrl = new URL(page.url());
  await page.locator('#username').fill(user.username);
  await page.locator('#password').fill(user.password);
  await page.locator('#kc-login').click();
  await page.waitForURL((url) => url.origin === origin);
  await page.getByRole('heading', { name: 'Your API keys', level: 1 }).waitFor();
  return loginUrl;
}

/**
 * Presses Tab until the focused element matches `selector` (keyboard only: no click, no focus()):
 * proves the control is reachable by keyboard, in order.
 */
export async function tabTo(page: Page, selector: string, limit = 120): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press('Tab');
    if (await inPage<boolean>(page, `document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
  }
  throw new Error(`${selector} was not reached with ${limit} presses of Tab`);
}
