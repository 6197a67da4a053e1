/**
 * Issue 16 for every user, in Chromium against the real stack (the service, the test Keycloak's login
 * page, a fake provider as OpenAI's base URL, and a platform OpenAI key): the strict switch and what it
 * changes for an internal resolve, team keys shown read-only, a key's usage per day after gateway
 * calls, and "Use from code" with copy buttons. The new flows are done by keyboard only (Tab, Enter,
 * Space, arrows); axe-core checks every screen and dialog; screenshots of the new screens go to
 * .data/screenshots/ (docs/screenshots/ with BYOK_UPDATE_SCREENSHOTS=1).
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { masterAdmin } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';
import { expectNoViolations } from './support/axe.js';
import { browserPerFile, inPage, signIn, tabTo, waitUntil } from './support/browser.js';
import { apiAs, ORIGIN, resolveAs, startStack, type Stack } from './support/stack.js';

const SCREENSHOTS = new URL(process.env.BYOK_UPDATE_SCREENSHOTS === '1' ? '../../docs/screenshots/' : '../../.data/screenshots/', import.meta.url).pathname;
const ALICE = { username: 'alice', password: 'alice' };
const CAROL = { username: 'carol', password: 'carol' };
const OPS = { username: 'ops', password: 'ops' };
const TEAM = 'team-alpha';
const E2E_TIMEOUT = 120_000;

const platformKey = testApiKey('openai');
const aliceKey = testApiKey('openai');
const teamKey = testApiKey('openai');

/** What the API's masking shows of a key of 16 characters or more. */
const masked = (key: string) => `${key.slice(0, 4)}…${key.slice(-4)}`;
const todayUtc = () => new Date().toISOString().slice(0, 10);

/** What the fake provider answers to every request: a chat completion with its token usage. */
const COMPLETION = {
  id: 'chatcmpl-e2e',
  object: 'chat.completion',
  created: 1_764_475_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fake' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
};

let stack: Stack;
// The page of each test never needs more than the strict policy allows, and throws nothing.
const pages = browserPerFile(E2E_TIMEOUT);

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await startStack({}, { OPENAI_API_KEY: platformKey });
  stack.fake.setResponse(200, COMPLETION);
}, E2E_TIMEOUT);

afterAll(async () => {
  await stack?.close();
});

const shot = (page: Page, name: string, selector?: string) =>
  selector ? page.locator(selector).screenshot({ path: `${SCREENSHOTS}${name}.png` }) : page.screenshot({ path: `${SCREENSHOTS}${name}.png` });

/** Signs in and waits until the sections below the cards have loaded. */
async function signInAndWait(page: Page, user: { username: string; password: string }): Promise<void> {
  await signIn(page, ORIGIN, user);
  await page.waitForSelector('section.key-sources[aria-busy="false"]');
  await page.waitForSelector('section.team-keys[aria-busy="false"]');
}

describe('the user page: key sources, team keys, usage and use from code', () => {
  test('alice turns strict on by keyboard: an internal resolve for her then gets no platform key; she turns it off again', async () => {
    const alice = await apiAs(stack, ALICE);
    await alice.clearOpenai();
    await alice.setStrict(false);
    // Without a key of her own, resolution falls back to the platform key.
    const before = await resolveAs(stack, { userId: alice.id, provider: 'openai' });
    expect([before.status, before.body.source, before.body.apiKey]).toEqual([200, 'system', platformKey]);

    const { page } = await pages.open(ORIGIN);
    await signInAndWait(page, ALICE);
    const toggle = page.getByRole('switch', { name: 'Only my own keys (strict)' });
    expect(await toggle.isChecked()).toBe(false);
    // The switch says what it changes: its description is the line below it.
    const describedBy = await toggle.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/only your own keys are used: no team keys and no platform keys/i);
    await expectNoViolations(page, 'user page');
    await shot(page, 'user-page', 'main');

    await tabTo(page, 'input[role="switch"]');
    await page.keyboard.press('Space');
    await page.waitForSelector('section.key-sources[aria-busy="false"] .switch-state:text("On")');
    expect(await toggle.isChecked()).toBe(true);
    expect(await alice.strict()).toBe(true);
    await waitUntil(page, "document.getElementById('announcer')?.textContent?.startsWith('Only your own keys: on')");
    expect(await page.locator('.strict-notice').isVisible()).toBe(true);
    await expectNoViolations(page, 'user page, strict on');
    await shot(page, 'key-sources', 'section.key-sources');

    const strict = await resolveAs(stack, { userId: alice.id, provider: 'openai' });
    expect(strict.status).toBe(404);
    expect(strict.body.error).toMatchObject({ code: 'NO_KEY_AVAILABLE', details: { reason: 'no_key', strict: true } });
    expect(JSON.stringify(strict.body)).not.toContain(platformKey);

    // Off again, still by keyboard (the focus stayed on the switch).
    expect(await inPage(page, "document.activeElement?.getAttribute('role')")).toBe('switch');
    await page.keyboard.press('Space');
    await page.waitForSelector('section.key-sources[aria-busy="false"] .switch-state:text("Off")');
    expect(await toggle.isChecked()).toBe(false);
    expect(await alice.strict()).toBe(false);
    const after = await resolveAs(stack, { userId: alice.id, provider: 'openai' });
    expect([after.status, after.body.source]).toEqual([200, 'system']);
  }, E2E_TIMEOUT);

  test("carol sees team-alpha's key, masked, and cannot change it", async () => {
    const kc = await masterAdmin();
    const group = (await kc.groups.find({ search: TEAM, exact: true })).find((found) => found.name === TEAM);
    expect(group?.id).toBeDefined();
    const groupId = String(group?.id);
    const ops = await apiAs(stack, OPS);
    const teamKeys = `/api/v1/admin/groups/${groupId}/keys`;
    // Reruns: the key of an earlier run goes first.
    const existing = (await ops.as(request(stack.service.app).get(teamKeys)).expect(200)).body.keys as Array<{ id: string; provider: string; label: string }>;
    for (const old of existing.filter((key) => key.label === 'Team alpha shared')) await ops.as(request(stack.service.app).delete(`${teamKeys}/${old.provider}/${old.id}`)).expect(204);
    const added = await ops.as(request(stack.service.app).post(teamKeys)).send({ provider: 'openai', apiKey: teamKey, label: 'Team alpha shared' }).expect(201);

    const { page } = await pages.open(ORIGIN);
    await signInAndWait(page, CAROL);
    const team = page.locator(`section.team[data-team="${TEAM}"]`);
    await team.waitFor();
    const row = team.locator(`li.key[data-key-id="${added.body.id}"]`);
    expect(await row.locator('.key-label').textContent()).toBe('Team alpha shared');
    expect(await row.locator('.masked-key').textContent()).toBe(masked(teamKey));
    expect(await row.locator('.status-badge').textContent()).toBe('Active');
    expect(await team.locator('[data-provider="openai"] h4').textContent()).toBe('OpenAI');
    expect(await page.locator('section.team-keys').textContent()).toContain('when you have no usable key of your own');
    // Read-only: no control at all in the team keys section, and the secret is nowhere in the page.
    expect(await page.locator('section.team-keys').locator('button, input, select, textarea, a').count()).toBe(0);
    expect(await page.content()).not.toContain(teamKey);
    await expectNoViolations(page, 'user page with team keys');
    await shot(page, 'team-keys', 'section.team-keys');

    // Nor can she change it through the API: team keys are under the admin API.
    const carol = await apiAs(stack, CAROL);
    await carol.as(request(stack.service.app).patch(`/api/v1/admin/groups/${groupId}/keys/openai/${added.body.id}`)).send({ label: 'mine now' }).expect(403);
    await carol.as(request(stack.service.app).delete(`/api/v1/admin/groups/${groupId}/keys/openai/${added.body.id}`)).expect(403);
  }, E2E_TIMEOUT);

  test("after 5 gateway calls with alice's key, its usage chart shows 5 requests today (opened by keyboard)", async () => {
    const alice = await apiAs(stack, ALICE);
    await alice.clearOpenai();
    await alice.setStrict(false);
    const key = await alice.addOpenai(aliceKey, 'Gateway key');
    stack.fake.requests.length = 0;
    for (let call = 0; call < 5; call += 1) {
      const answer = await alice.gatewayChat();
      expect([answer.status, answer.headers['x-byok-source'], answer.headers['x-byok-key-id']]).toEqual([200, 'user', key.id]);
    }
    expect(stack.fake.requests.map((r) => r.headers.authorization)).toEqual(Array(5).fill(`Bearer ${aliceKey}`));

    const { page } = await pages.open(ORIGIN);
    await signInAndWait(page, ALICE);
    await tabTo(page, 'button[data-manage="openai"]');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'OpenAI keys' });
    await dialog.waitFor();
    await tabTo(page, `li[data-key-id="${key.id}"] button[data-action="usage"]`);
    expect(await inPage(page, "document.activeElement?.getAttribute('aria-expanded')")).toBe('false');
    await page.keyboard.press('Enter');
    const panel = dialog.getByRole('region', { name: 'Usage of Gateway key' });
    await panel.locator('figure.chart').first().waitFor();
    // The focus stays on the button, which now says the panel is open and names it.
    expect(await inPage(page, "document.activeElement?.getAttribute('aria-expanded')")).toBe('true');
    expect(await inPage(page, "document.activeElement?.getAttribute('aria-controls')")).toBe(await panel.getAttribute('id'));

    const charts = await panel.locator('figure.chart').evaluateAll((figures) => figures.map((figure) => JSON.parse(figure.getAttribute('data-chart') ?? 'null')));
    const [requests, tokens] = charts as Array<{ labels: string[]; series: Array<{ name: string; values: number[] }> }>;
    expect(requests?.labels).toHaveLength(30);
    expect(requests?.labels.at(-1)).toBe(todayUtc());
    expect(requests?.series.map((s) => s.name)).toEqual(['Requests']);
    expect(requests?.series[0]?.values.at(-1)).toBe(5);
    expect(requests?.series[0]?.values.slice(0, -1).every((value) => value === 0)).toBe(true);
    expect(tokens?.series.map((s) => [s.name, s.values.at(-1)])).toEqual([
      ['Input tokens', 5 * COMPLETION.usage.prompt_tokens],
      ['Output tokens', 5 * COMPLETION.usage.completion_tokens],
    ]);
    // The same figures as text for screen readers, and the last use.
    expect(await panel.locator('table').first().locator('tbody tr').last().textContent()).toBe(`${todayUtc()}5`);
    expect(await panel.locator('.usage-totals').textContent()).toMatch(/^Last used: (?!Never).+\. Last 30 days: 5 requests, 60 input and 40 output tokens\.$/);
    await expectNoViolations(page, 'manage dialog with usage');
    await shot(page, 'key-usage');

    // Enter again closes the panel; Escape closes the dialog.
    await page.keyboard.press('Enter');
    await panel.waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  }, E2E_TIMEOUT);

  test('use from code: base URL and samples per provider, copied by keyboard, with no secret; the copied curl works', async () => {
    const alice = await apiAs(stack, ALICE);
    await alice.clearOpenai();
    await alice.addOpenai(aliceKey, 'Code key');
    const { page, context } = await pages.open(ORIGIN);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ORIGIN });
    await signInAndWait(page, ALICE);
    const section = page.locator('section.use-from-code');
    // She has an OpenAI key: OpenAI is shown first.
    expect(await section.getByLabel('Provider').inputValue()).toBe('openai');
    expect(await section.locator('.base-url').textContent()).toBe(`${ORIGIN}/api/v1/proxy/openai`);
    expect(await section.locator('.token-help').textContent()).toContain(`X-Byok-User: ${alice.id}`);
    await expectNoViolations(page, 'use from code');
    await shot(page, 'use-from-code', 'section.use-from-code');

    // Copy the SDK sample by keyboard: the result is said beside the button (a status region).
    await tabTo(page, 'button[data-copy="OpenAI SDK example"]');
    await page.keyboard.press('Enter');
    const sdkStatus = section.locator('[data-sample="OpenAI SDK example"] [role="status"]');
    await sdkStatus.getByText('Copied OpenAI SDK example.').waitFor();
    const sdk = await inPage<string>(page, 'navigator.clipboard.readText()');
    expect(sdk).toBe(await section.locator('[data-sample="OpenAI SDK example"] pre').textContent());
    expect(sdk).toContain(`baseURL: '${ORIGIN}/api/v1/proxy/openai'`);
    expect(sdk).toContain('process.env.BYOK_TOKEN');

    // The curl sample, copied by keyboard, runs as pasted with alice's token in BYOK_TOKEN.
    await tabTo(page, 'button[data-copy="OpenAI curl example"]');
    await page.keyboard.press('Space');
    await section.locator('[data-sample="OpenAI curl example"] [role="status"]').getByText('Copied OpenAI curl example.').waitFor();
    const curl = await inPage<string>(page, 'navigator.clipboard.readText()');
    for (const secret of [aliceKey, platformKey, teamKey, alice.token]) {
      expect(sdk).not.toContain(secret);
      expect(curl).not.toContain(secret);
    }
    expect(await page.content()).not.toContain(aliceKey);
    stack.fake.requests.length = 0;
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/proxy/i.test(name)));
    const printed = await new Promise<string>((resolve, reject) =>
      execFile('sh', ['-c', curl], { env: { ...env, BYOK_TOKEN: alice.token }, timeout: 20_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(JSON.parse(printed)).toMatchObject({ choices: [{ message: { content: 'Hello from the fake' } }] });
    expect(stack.fake.requests.map((r) => [r.path, r.headers.authorization])).toEqual([['/chat/completions', `Bearer ${aliceKey}`]]);

    // Another provider, chosen with the arrow keys: its own base URL and SDK.
    await tabTo(page, 'section.use-from-code select');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await section.locator('.base-url', { hasText: `${ORIGIN}/api/v1/proxy/anthropic` }).waitFor();
    expect(await section.locator('[data-sample="Anthropic SDK example"] pre').textContent()).toContain("from '@anthropic-ai/sdk'");
    expect(await section.locator('[data-sample="Anthropic curl example"] pre').textContent()).toContain('-H "x-api-key: $BYOK_TOKEN"');
    await expectNoViolations(page, 'use from code, Anthropic');
  }, E2E_TIMEOUT);
});
