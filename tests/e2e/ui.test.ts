/**
 * The web UI (docs/web-ui.md) in a real browser (Debian's Chromium) against the real stack: the service,
 * the test Keycloak's own login page, and a local fake provider. Every page is watched for CSP
 * violations and uncaught errors, and axe-core checks every screen and dialog (WCAG 2.1 A and AA);
 * screenshots of the main screens go to .data/screenshots/ (to docs/screenshots/, the README's, with
 * BYOK_UPDATE_SCREENSHOTS=1).
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { testApiKey } from '../support/secrets.js';
import { expectNoViolations } from './support/axe.js';
import { browserPerFile, inPage, openPage, signIn, waitUntil } from './support/browser.js';
import { apiAs, ORIGIN, startStack, type Stack } from './support/stack.js';

const SCREENSHOTS = new URL(process.env.BYOK_UPDATE_SCREENSHOTS === '1' ? '../../docs/screenshots/' : '../../.data/screenshots/', import.meta.url).pathname;
const ALICE = { username: 'alice', password: 'alice' };
const BOB = { username: 'bob', password: 'bob' };
const E2E_TIMEOUT = 120_000;

const goodKey = testApiKey('openai');
const secondKey = testApiKey('openai');
const apiAddedKey = testApiKey('openai');

/** What the API's masking shows of a key of 16 characters or more. */
const masked = (key: string) => `${key.slice(0, 4)}…${key.slice(-4)}`;

let stack: Stack;
// The page of each test never needs more than the strict policy allows, and throws nothing.
const pages = browserPerFile(E2E_TIMEOUT);

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await startStack({ [goodKey]: 200, [secondKey]: 401 });
}, E2E_TIMEOUT);

afterAll(async () => {
  await stack?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png` });

describe('the ops-center web UI in Chromium', () => {
  test('alice signs in on Keycloak, adds two labelled keys, sees them masked, relabels, tests, deletes one after confirming, signs out', async () => {
    const alice = await apiAs(stack, ALICE);
    await alice.clearOpenai();
    const { page } = await pages.open(ORIGIN);

    // Keycloak's own login page, reached by an authorization-code request with PKCE S256.
    await page.goto(`${ORIGIN}/`);
    await page.locator('#username').waitFor();
    const login = new URL(page.url());
    expect(login.pathname).toBe('/realms/byok/protocol/openid-connect/auth');
    expect(login.searchParams.get('client_id')).toBe('ops-center');
    expect(login.searchParams.get('response_type')).toBe('code');
    expect(login.searchParams.get('code_challenge_method')).toBe('S256');
    await shot(page, 'keycloak-login');
    await page.locator('#username').fill(ALICE.username);
    await page.locator('#password').fill(ALICE.password);
    await page.locator('#kc-login').click();
    await page.getByRole('heading', { name: 'Your API keys', level: 1 }).waitFor();
    expect(new URL(page.url()).origin).toBe(ORIGIN);
    expect(await page.locator('.username').textContent()).toBe('alice');
    expect(await page.locator('.tier-name').textContent()).toBe('Starter');
    expect(await page.locator('#tier-notice').count()).toBe(0);
    await page.waitForSelector('section.team-keys[aria-busy="false"]');
    await expectNoViolations(page, 'dashboard');

    // Open Manage by keyboard: the dialog takes the focus.
    const manage = page.getByRole('button', { name: 'Manage OpenAI keys' });
    await manage.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'OpenAI keys' });
    await dialog.waitFor();
    expect(await inPage(page, 'document.activeElement?.textContent')).toBe('OpenAI keys');
    await expectNoViolations(page, 'manage dialog, no keys');

    // Two keys with labels; the second is submitted with Enter from the key field.
    const secretField = dialog.getByLabel('API key', { exact: true });
    await dialog.getByLabel('Label (optional)').fill('Work laptop');
    await secretField.fill(goodKey);
    await dialog.getByRole('button', { name: 'Add key' }).click();
    const work = dialog.locator('li.key', { hasText: 'Work laptop' });
    await work.waitFor();
    expect(await secretField.inputValue()).toBe('');

    await dialog.getByLabel('Label (optional)').fill('Personal');
    await secretField.fill(secondKey);
    await secretField.press('Enter');
    const personal = dialog.locator('li.key', { hasText: 'Personal' });
    await personal.waitFor();
    expect(await secretField.inputValue()).toBe('');

    // Both masked, as the API masks them; no full secret anywhere in the page.
    expect(await work.locator('.masked-key').textContent()).toBe(masked(goodKey));
    expect(await personal.locator('.masked-key').textContent()).toBe(masked(secondKey));
    expect(await work.locator('.status-badge').textContent()).toBe('Active');
    const html = await page.content();
    expect(html).not.toContain(goodKey);
    expect(html).not.toContain(secondKey);
    const inputValues = await inPage<string[]>(page, "[...document.querySelectorAll('input')].map((input) => input.value)");
    expect(inputValues.join(' ')).not.toContain(goodKey.slice(8));

    // Relabel one.
    await work.getByRole('button', { name: 'Rename', exact: true }).click();
    const newLabel = dialog.getByLabel('New label for Work laptop');
    expect(await inPage(page, 'document.activeElement?.name')).toBe('label');
    await expectNoViolations(page, 'manage dialog, rename editor');
    await newLabel.fill('Work desktop');
    await dialog.getByRole('button', { name: 'Save label' }).click();
    const renamed = dialog.locator('li.key', { hasText: 'Work desktop' });
    await renamed.waitFor();
    expect(await dialog.locator('li.key', { hasText: 'Work laptop' }).count()).toBe(0);

    // Test it against the fake provider: "valid", shown in its row.
    stack.fake.requests.length = 0;
    await renamed.getByRole('button', { name: 'Test', exact: true }).click();
    await renamed.locator('.test-result', { hasText: 'Test result: valid' }).waitFor();
    await renamed.locator('.last-test', { hasText: /^valid · / }).waitFor();
    expect(stack.fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${goodKey}`]);
    await expectNoViolations(page, 'manage dialog with keys and a test result');
    await shot(page, 'manage-dialog');

    // Delete the other after confirming; Cancel first keeps it.
    await personal.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete “Personal”?' });
    await confirm.waitFor();
    await expectNoViolations(page, 'confirm dialog');
    await shot(page, 'confirm-delete');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await personal.count()).toBe(1);
    await personal.getByRole('button', { name: 'Delete', exact: true }).click();
    await confirm.getByRole('button', { name: 'Delete key' }).click();
    await personal.waitFor({ state: 'detached' });
    expect((await alice.listOpenai()).map((key) => key.label)).toEqual(['Work desktop']);

    // Escape closes the dialog and gives the focus back to its Manage button; the card shows the count.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // (The focus moves in the dialog's close event, a task after it is hidden: wait for it.)
    await waitUntil(page, "document.activeElement?.getAttribute('aria-label') === 'Manage OpenAI keys'", 5000);
    const card = page.locator('li.card[data-provider="openai"]');
    expect(await card.locator('.count').textContent()).toBe('1 key');
    expect(await card.locator('.summary').textContent()).toBe('Status: 1 active');
    await expectNoViolations(page, 'dashboard with a key');
    await shot(page, 'dashboard');

    // Sign out: back on Keycloak's login page, and the UI cannot be used without signing in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#username').waitFor();
    expect(new URL(page.url()).origin).not.toBe(ORIGIN);
    await page.goto(`${ORIGIN}/`);
    await page.locator('#username').waitFor();
  }, E2E_TIMEOUT);

  test('bob (free tier) signs in and is told why he cannot add a key', async () => {
    const bob = await apiAs(stack, BOB);
    const owner = await bob.owner();
    expect(owner).toMatchObject({ canAddKeys: false, requiredTier: 'starter' });
    const { page } = await pages.open(ORIGIN);
    await signIn(page, ORIGIN, BOB);

    expect(await page.locator('.tier-name').textContent()).toBe('Free');
    const notice = await page.locator('#tier-notice').textContent();
    expect(notice).toContain('needs the starter tier or higher; your tier is free');
    await page.waitForSelector('section.team-keys[aria-busy="false"]');
    await expectNoViolations(page, 'dashboard, free tier');

    await page.getByRole('button', { name: 'Manage OpenAI keys' }).click();
    const dialog = page.getByRole('dialog', { name: 'OpenAI keys' });
    const add = dialog.getByRole('button', { name: 'Add key' });
    expect(await add.isDisabled()).toBe(true);
    // The disabled control is described by the reason, which is shown beside it.
    const reasonId = await add.getAttribute('aria-describedby');
    expect(reasonId).toBeTruthy();
    const reason = page.locator(`[id="${reasonId}"]`);
    expect(await reason.isVisible()).toBe(true);
    expect(await reason.textContent()).toContain('needs the starter tier or higher');
    expect(await dialog.getByLabel('API key', { exact: true }).isDisabled()).toBe(true);
    await expectNoViolations(page, 'manage dialog, free tier');
    await shot(page, 'free-tier');
  }, E2E_TIMEOUT);

  test('a key added through the API appears after a reload', async () => {
    const alice = await apiAs(stack, ALICE);
    await alice.clearOpenai();
    const { page } = await pages.open(ORIGIN);
    await signIn(page, ORIGIN, ALICE);
    const card = page.locator('li.card[data-provider="openai"]');
    expect(await card.locator('.count').textContent()).toBe('0 keys');

    await alice.addOpenai(apiAddedKey, 'Added through the API');
    await page.reload();
    await page.getByRole('heading', { name: 'Your API keys', level: 1 }).waitFor();
    expect(await card.locator('.count').textContent()).toBe('1 key');
    await page.getByRole('button', { name: 'Manage OpenAI keys' }).click();
    const row = page.getByRole('dialog', { name: 'OpenAI keys' }).locator('li.key', { hasText: 'Added through the API' });
    await row.waitFor();
    expect(await row.locator('.masked-key').textContent()).toBe(masked(apiAddedKey));
    expect(await page.content()).not.toContain(apiAddedKey);
  }, E2E_TIMEOUT);

  test('disable and enable, replace the secret, and API errors shown beside the control that caused them', async () => {
    const alice = await apiAs(stack, ALICE);
    await alice.clearOpenai();
    await alice.addOpenai(goodKey, 'Main');
    const { page } = await pages.open(ORIGIN);
    await signIn(page, ORIGIN, ALICE);
    await page.getByRole('button', { name: 'Manage OpenAI keys' }).click();
    const dialog = page.getByRole('dialog', { name: 'OpenAI keys' });
    const row = dialog.locator('li.key', { hasText: 'Main' });

    await row.getByRole('button', { name: 'Disable', exact: true }).click();
    await row.locator('.status-badge', { hasText: 'Disabled' }).waitFor();
    expect(await inPage(page, 'document.activeElement?.textContent')).toBe('Enable');
    expect(await page.locator('li.card[data-provider="openai"] .summary').textContent()).toBe('Status: 1 disabled');
    await row.getByRole('button', { name: 'Enable', exact: true }).click();
    await row.locator('.status-badge', { hasText: 'Active' }).waitFor();

    // An Anthropic key under OpenAI: the API's INVALID_KEY_FORMAT shows in the row, the editor stays.
    await row.getByRole('button', { name: 'Replace secret' }).click();
    const newSecret = dialog.getByLabel('New secret for Main');
    await newSecret.fill(testApiKey('anthropic'));
    await dialog.getByRole('button', { name: 'Save secret' }).click();
    const rowError = row.locator('.error');
    await rowError.waitFor({ state: 'visible' });
    expect(await rowError.textContent()).toMatch(/key/i);
    expect(await rowError.getAttribute('role')).toBe('alert');
    expect(await newSecret.inputValue()).toBe('');
    expect(await row.locator('.masked-key').textContent()).toBe(masked(goodKey));
    await expectNoViolations(page, 'manage dialog, error in a row');

    const replacement = testApiKey('openai');
    await newSecret.fill(replacement);
    await newSecret.press('Enter');
    await row.locator('.masked-key', { hasText: masked(replacement) }).waitFor();
    expect(await row.locator('.error').isVisible()).toBe(false);
    expect((await alice.listOpenai()).map((key) => key.maskedKey)).toEqual([masked(replacement)]);

    // A bad add: the error sits under the add form; the label typed stays, the secret does not.
    const addForm = dialog.locator('form.add-form');
    await addForm.getByLabel('Label (optional)').fill('Wrong provider');
    await addForm.getByLabel('API key', { exact: true }).fill(testApiKey('anthropic'));
    await addForm.getByRole('button', { name: 'Add key' }).click();
    const addError = addForm.locator('.error');
    await addError.waitFor({ state: 'visible' });
    expect(await addError.textContent()).toMatch(/key/i);
    expect(await addForm.getByLabel('Label (optional)').inputValue()).toBe('Wrong provider');
    expect(await addForm.getByLabel('API key', { exact: true }).inputValue()).toBe('');
    expect(await dialog.locator('li.key').count()).toBe(1);
    await expectNoViolations(page, 'manage dialog, error under the add form');
    await shot(page, 'error-beside-form');
  }, E2E_TIMEOUT);

  test('the page is served under a strict CSP that blocks inline scripts, and the violation is caught', async () => {
    const response = await request(stack.service.app).get('/').expect(200);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['cache-control']).toBe('no-cache');

    const watched = await openPage(pages.browser(), ORIGIN);
    try {
      await signIn(watched.page, ORIGIN, ALICE);
      const ran = await inPage<boolean>(
        watched.page,
        `(async () => {
          const script = document.createElement('script');
          script.textContent = 'window.inlineScriptRan = true';
          document.body.append(script);
          await new Promise((resolve) => setTimeout(resolve, 200));
          return window.inlineScriptRan === true;
        })()`,
      );
      expect(ran).toBe(false);
      expect(watched.problems.some((problem) => problem.startsWith(`csp-violation ${ORIGIN} script-src-elem`))).toBe(true);
    } finally {
      await watched.context.close();
    }
  }, E2E_TIMEOUT);

  test('/docs renders the OpenAPI document with Swagger UI under its CSP, with no violation', async () => {
    const watched = await openPage(pages.browser(), ORIGIN);
    try {
      await watched.page.goto(`${ORIGIN}/docs`);
      await watched.page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
      const paths = await inPage<string[]>(watched.page, `[...document.querySelectorAll('.opblock-summary-path')].map((el) => el.getAttribute('data-path'))`);
      expect(paths).toEqual(expect.arrayContaining(['/api/v1/internal/resolve', '/api/v1/byok/keys/add', '/api/v1/admin/groups/{groupId}/keys']));
      await watched.page.screenshot({ path: `${SCREENSHOTS}api-docs.png` });
      expect(watched.problems).toEqual([]);
    } finally {
      await watched.context.close();
    }
  }, E2E_TIMEOUT);
});
