/**
 * The admin console (docs/web-ui.md#admin-console) in Chromium against the real stack: the service,
 * the test Keycloak's login page and a local fake provider. ops (realm role byok-admin) reads the
 * adoption figures, finds dave by email and raises his tier after confirming (read back from
 * Keycloak), and manages team-alpha's keys with the Manage dialog, which carol then sees; alice gets
 * neither the navigation nor the admin API. Every flow is done by keyboard only (Tab, Enter, typing),
 * and axe-core checks every admin screen and dialog. Screenshots go to .data/screenshots/ (to
 * docs/screenshots/ with BYOK_UPDATE_SCREENSHOTS=1).
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { masterAdmin, userToken } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';
import { expectNoViolations } from './support/axe.js';
import { browserPerFile, inPage, signIn, tabTo, waitUntil } from './support/browser.js';
import { apiAs, ORIGIN, startStack, type Stack } from './support/stack.js';

const SCREENSHOTS = new URL(process.env.BYOK_UPDATE_SCREENSHOTS === '1' ? '../../docs/screenshots/' : '../../.data/screenshots/', import.meta.url).pathname;
const OPS = { username: 'ops', password: 'ops' };
const ALICE = { username: 'alice', password: 'alice' };
const DAVE = { username: 'dave', password: 'dave' };
const CAROL = { username: 'carol', password: 'carol' };
const TEAM = 'team-alpha';
const E2E_TIMEOUT = 180_000;
/** Gateway calls alice makes before the figures are first taken (the usage chart must count them). */
const GATEWAY_CALLS = 3;

const aliceKey = testApiKey('openai');
const teamKey = testApiKey('openai');
const teamKeyReplacement = testApiKey('openai');
const daveKey = testApiKey('openai');
const masked = (key: string) => `${key.slice(0, 4)}…${key.slice(-4)}`;

let stack: Stack;
// The page of each test never needs more than the strict policy allows, and throws nothing.
const pages = browserPerFile(E2E_TIMEOUT);
let daveId: string;
let teamId: string;

/** A bearer-token session on the service's API, for set-up and checks. */
async function bearer(user: { username: string; password: string }) {
  const token = await userToken(user);
  return <T extends request.Test>(test: T) => test.set('Authorization', `Bearer ${token}`);
}

async function setDaveTier(tier: string): Promise<void> {
  const kc = await masterAdmin();
  const dave = await kc.users.findOne({ id: daveId });
  await kc.users.update({ id: daveId }, { ...dave, attributes: { ...dave?.attributes, subscription_tier: [tier] } });
}

async function daveTierInKeycloak(): Promise<string[] | undefined> {
  const kc = await masterAdmin();
  return (await kc.users.findOne({ id: daveId }))?.attributes?.subscription_tier as string[] | undefined;
}

/** Deletes team-alpha's OpenAI keys through the admin API, so reruns start from the same state. */
async function clearTeamKeys(): Promise<void> {
  const as = await bearer(OPS);
  const { keys } = (await as(request(stack.service.app).get(`/api/v1/admin/groups/${teamId}/keys`)).expect(200)).body as { keys: Array<{ id: string; provider: string }> };
  for (const key of keys.filter((candidate) => candidate.provider === 'openai')) {
    await as(request(stack.service.app).delete(`/api/v1/admin/groups/${teamId}/keys/openai/${key.id}`)).expect(204);
  }
}

/** The team keys carol is shown (GET /byok/team-keys): label, masked key and status of team-alpha's OpenAI keys. */
async function carolSeesTeamKeys(): Promise<Array<{ label: string; maskedKey: string; status: string }>> {
  const as = await bearer(CAROL);
  const body = (await as(request(stack.service.app).get('/api/v1/byok/team-keys')).expect(200)).body as {
    teams: Array<{ name: string; providers: Array<{ provider: string; keys: Array<{ label: string; maskedKey: string; status: string }> }> }>;
  };
  const team = body.teams.find((candidate) => candidate.name === TEAM);
  return (team?.providers.find((entry) => entry.provider === 'openai')?.keys ?? []).map(({ label, maskedKey, status }) => ({ label, maskedKey, status }));
}

const focused = (page: Page, expression = 'textContent') => inPage<string | null>(page, `document.activeElement?.${expression} ?? null`);

/** Waits until the focused element's text is `text` (focus moves once a view's data has arrived). */
const focusOn = (page: Page, text: string) => waitUntil(page, `document.activeElement?.textContent === ${JSON.stringify(text)}`);

/** ops signs in and opens the admin console from the navigation, by keyboard. */
async function openConsole(page: Page): Promise<void> {
  await signIn(page, ORIGIN, OPS);
  await tabTo(page, 'nav a[data-view="admin"]');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Admin console', level: 1 }).waitFor();
  // The figures have arrived when the adoption section is no longer busy.
  await page.locator('.adoption-body[aria-busy="false"]').waitFor();
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png` });

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const kc = await masterAdmin();
  const dave = (await kc.users.find({ username: 'dave', exact: true }))[0];
  const team = (await kc.groups.find({ search: TEAM })).find((group) => group.name === TEAM);
  if (!dave?.id || !team?.id) throw new Error('dave or team-alpha missing: run bootstrap-realm --dev');
  daveId = dave.id;
  teamId = team.id;
  stack = await startStack({ [aliceKey]: 200, [teamKey]: 200, [teamKeyReplacement]: 200 });

  // Usage for the chart: alice's gateway calls, before anyone takes the figures (kept for a minute).
  const alice = await apiAs(stack, ALICE);
  await alice.clearOpenai();
  await alice.addOpenai(aliceKey, 'Admin console test');
  const as = await bearer(ALICE);
  for (let call = 0; call < GATEWAY_CALLS; call += 1) {
    await as(request(stack.service.app).post('/api/v1/proxy/openai/chat/completions')).send({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).expect(200);
  }
}, E2E_TIMEOUT);

afterAll(async () => {
  if (daveId) await setDaveTier('enterprise').catch(() => undefined);
  await stack?.close();
});

describe('the admin console in Chromium', () => {
  test('ops reaches the console from the navigation by keyboard; its figures and charts are those of GET /admin/stats', async () => {
    const { page } = await pages.open(ORIGIN);
    await signIn(page, ORIGIN, OPS);

    // A navigation landmark with the current view marked.
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Your keys', 'Admin']);
    expect(await nav.getByRole('link', { name: 'Your keys' }).getAttribute('aria-current')).toBe('page');
    expect(await nav.getByRole('link', { name: 'Admin' }).getAttribute('aria-current')).toBeNull();
    await expectNoViolations(page, 'your keys (with the admin navigation)');

    await tabTo(page, 'nav a[data-view="admin"]');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Admin console', level: 1 }).waitFor();
    expect(await focused(page)).toBe('Admin console');
    expect(new URL(page.url()).searchParams.get('view')).toBe('admin');
    expect(await page.title()).toBe('byok-vault · admin console');
    expect(await nav.getByRole('link', { name: 'Admin' }).getAttribute('aria-current')).toBe('page');
    expect(await nav.getByRole('link', { name: 'Your keys' }).getAttribute('aria-current')).toBeNull();
    await page.locator('.adoption-body[aria-busy="false"]').waitFor();

    // The page shows what the API answers (the realm's figures are kept for a minute, so both read the same walk).
    const as = await bearer(OPS);
    const stats = (await as(request(stack.service.app).get('/api/v1/admin/stats')).expect(200)).body as {
      adoption: { users: number; usersWithKeys: number; keysByProvider: Record<string, number>; tests: { successRate: number | null } };
      usage: { days: Array<{ date: string; provider: string; requests: number }> };
    };
    expect(stats.adoption.usersWithKeys).toBeGreaterThanOrEqual(1);
    const figures = page.locator('dl.figures');
    const figureValue = (term: string) => figures.locator('.figure', { hasText: term }).locator('.figure-value').textContent();
    expect(await figureValue('Users with keys')).toBe(`${stats.adoption.usersWithKeys} of ${stats.adoption.users}`);
    const successRate = await figureValue('Key test success rate');
    if (stats.adoption.tests.successRate === null) expect(successRate).toBe('No key tested yet');
    else expect(Number.parseFloat(successRate ?? '')).toBeCloseTo(stats.adoption.tests.successRate * 100, 1);
    // The cache's figures are live (they move with every lookup): a percentage, or none yet.
    expect(await figureValue('Cache hit ratio')).toMatch(/^(\d+(\.\d)?%|No lookups yet)$/);

    const chartData = async (title: string) => {
      const raw = await page.locator('figure.chart', { has: page.locator('figcaption', { hasText: title }) }).getAttribute('data-chart');
      return JSON.parse(raw ?? 'null') as { labels: string[]; series: Array<{ name: string; values: number[] }> };
    };
    const keysChart = await chartData("Users' keys per provider");
    const openaiIndex = keysChart.labels.indexOf('OpenAI');
    expect(keysChart.series[0]?.values[openaiIndex]).toBe(stats.adoption.keysByProvider.openai);
    expect(keysChart.labels.length).toBe(Object.values(stats.adoption.keysByProvider).filter((count) => count > 0).length);
    expect((await chartData('Resolves by source')).labels).toEqual(['Own keys', 'Team keys', 'Platform keys']);

    // alice's gateway calls are in today's OpenAI bar, as the API counts them.
    const today = new Date().toISOString().slice(0, 10);
    const usage = await chartData('Requests per day');
    expect(usage.labels).toHaveLength(30);
    expect(usage.labels.at(-1)).toBe(today);
    const todayOpenai = usage.series.find((series) => series.name === 'OpenAI')?.values.at(-1);
    expect(todayOpenai).toBe(stats.usage.days.find((day) => day.date === today && day.provider === 'openai')?.requests);
    expect(todayOpenai).toBeGreaterThanOrEqual(GATEWAY_CALLS);
    // The numbers are also text: the chart's table says the same for screen readers.
    const table = page.locator('figure.chart', { has: page.locator('figcaption', { hasText: 'Requests per day' }) }).locator('table');
    expect(await table.locator('tbody tr').last().locator('th').textContent()).toBe(today);

    await expectNoViolations(page, 'admin console');
    await shot(page, 'admin-console');

    // Refresh figures, by keyboard: reloaded and announced.
    await tabTo(page, '[data-action="refresh-stats"]');
    await page.keyboard.press('Enter');
    await waitUntil(page, `document.getElementById('announcer')?.textContent === 'Figures refreshed.'`);
    expect(await figureValue('Users with keys')).toBe(`${stats.adoption.usersWithKeys} of ${stats.adoption.users}`);

    // Back to the user's view by keyboard, and with the browser's Back button to the console again and out.
    await tabTo(page, 'nav a[data-view="keys"]');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your API keys', level: 1 }).waitFor();
    expect(new URL(page.url()).searchParams.get('view')).toBeNull();
    await page.goBack();
    await page.getByRole('heading', { name: 'Admin console', level: 1 }).waitFor();
    expect(await nav.getByRole('link', { name: 'Admin' }).getAttribute('aria-current')).toBe('page');

    // A reload of /?view=admin signs in again (Keycloak's session) and comes back to the console.
    await page.reload();
    await page.getByRole('heading', { name: 'Admin console', level: 1 }).waitFor();
    expect(new URL(page.url()).searchParams.get('view')).toBe('admin');
  }, E2E_TIMEOUT);

  test('ops finds dave by email, sees his keys (masked) and tier, raises the tier after confirming, and Keycloak holds it', async () => {
    const dave = await apiAs(stack, DAVE);
    await dave.clearOpenai();
    await dave.addOpenai(daveKey, 'Dave laptop');
    await setDaveTier('trial');
    const { page } = await pages.open(ORIGIN);
    await openConsole(page);

    // A search that matches nobody says so.
    const results = page.locator('section.users .results');
    await tabTo(page, 'input[name="search"]');
    await page.keyboard.type('nobody-by-this-name');
    await page.keyboard.press('Enter');
    await results.getByText('No user matches.').waitFor();

    // Find him by keyboard: the search field, his email, Enter.
    await tabTo(page, 'input[name="search"]');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('dave@example.com');
    await page.keyboard.press('Enter');
    await results.getByRole('heading', { name: 'Users matching “dave@example.com”' }).waitFor();
    await focusOn(page, 'Users matching “dave@example.com”');
    const row = results.locator(`tr[data-user-id="${daveId}"]`);
    expect(await row.locator('th').textContent()).toBe('dave');
    expect(await row.locator('.tier-cell').textContent()).toBe('Trial');

    await tabTo(page, 'button[aria-label="Show dave"]');
    await page.keyboard.press('Enter');
    const detail = page.locator(`article[data-user-id="${daveId}"]`);
    await detail.getByRole('heading', { name: 'dave', level: 3 }).waitFor();
    await focusOn(page, 'dave');
    expect(await detail.locator('.tier-name').textContent()).toBe('Trial');
    const keyRow = detail.locator('table.key-table tr', { hasText: 'Dave laptop' });
    expect(await keyRow.locator('.masked-key').textContent()).toBe(masked(daveKey));
    expect(await page.content()).not.toContain(daveKey);
    expect(await detail.locator('dd', { hasText: '@' }).textContent()).toBe('dave@example.com');
    await expectNoViolations(page, 'admin: a user');
    await page.locator('section.users').screenshot({ path: `${SCREENSHOTS}admin-user.png` });

    // Choose Enterprise in the select by typing its initial, then the button: a confirmation first.
    await tabTo(page, 'select[name="tier"]');
    await page.keyboard.type('E');
    expect(await detail.locator('select[name="tier"]').inputValue()).toBe('enterprise');
    await tabTo(page, '[data-action="change-tier"]');
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: "Change dave's tier to Enterprise?" });
    await confirm.waitFor();
    expect(await focused(page)).toBe('Cancel');
    await expectNoViolations(page, 'admin: confirm a tier change');
    await shot(page, 'admin-confirm-tier');
    // Cancel (the default) changes nothing.
    await page.keyboard.press('Enter');
    await confirm.waitFor({ state: 'detached' });
    expect(await daveTierInKeycloak()).toEqual(['trial']);
    expect(await detail.locator('.tier-name').textContent()).toBe('Trial');

    await page.keyboard.press('Enter');
    await confirm.waitFor();
    await tabTo(page, 'dialog.confirm button.primary');
    expect(await focused(page)).toBe('Change tier');
    await page.keyboard.press('Enter');
    await detail.locator('.tier-changed', { hasText: 'Tier changed to Enterprise.' }).waitFor();
    expect(await detail.locator('.tier-name').textContent()).toBe('Enterprise');
    expect(await results.locator(`tr[data-user-id="${daveId}"] .tier-cell`).textContent()).toBe('Enterprise');
    expect(await focused(page, "getAttribute('data-action')")).toBe('change-tier');
    expect(await daveTierInKeycloak()).toEqual(['enterprise']);
    await expectNoViolations(page, 'admin: a user after a tier change');
  }, E2E_TIMEOUT);

  test("ops adds, relabels, replaces, tests, disables and deletes a team-alpha key by keyboard in the Manage dialog; carol sees it masked meanwhile", async () => {
    await clearTeamKeys();
    expect(await carolSeesTeamKeys()).toEqual([]);
    const { page } = await pages.open(ORIGIN);
    await openConsole(page);

    // The teams are listed; team-alpha's keys by keyboard.
    const teams = page.locator('section.teams');
    await teams.locator(`tr[data-group-id="${teamId}"]`).waitFor();
    await tabTo(page, `button[aria-label="Show keys of ${TEAM}"]`);
    await page.keyboard.press('Enter');
    const detail = teams.locator(`article[data-group-id="${teamId}"]`);
    await detail.getByRole('heading', { name: TEAM, level: 3 }).waitFor();
    await focusOn(page, TEAM);
    expect(await detail.locator('li.card[data-provider="openai"] .count').textContent()).toBe('0 keys');

    await tabTo(page, `button[aria-label="Manage ${TEAM} OpenAI keys"]`);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `OpenAI keys of ${TEAM}` });
    await dialog.waitFor();
    expect(await focused(page)).toBe(`OpenAI keys of ${TEAM}`);
    expect(await dialog.getByRole('heading', { name: `Keys of ${TEAM}`, level: 3 }).count()).toBe(1);

    // Add: label, secret, Enter.
    await tabTo(page, 'dialog.manage .add-form input[name="label"]');
    await page.keyboard.type('Shared team key');
    await page.keyboard.press('Tab');
    await page.keyboard.type(teamKey);
    await page.keyboard.press('Enter');
    const row = dialog.locator('li.key', { hasText: 'Shared team key' });
    await row.waitFor();
    expect(await row.locator('.masked-key').textContent()).toBe(masked(teamKey));
    expect(await page.content()).not.toContain(teamKey);
    expect(await carolSeesTeamKeys()).toEqual([{ label: 'Shared team key', maskedKey: masked(teamKey), status: 'active' }]);
    // The team's limit (the service's default, 10 here) counts down as a user's does.
    await dialog.locator('p.muted', { hasText: '1 key of at most 10' }).waitFor();
    expect(await dialog.locator('section.add > p.hint').textContent()).toBe('You can add 9 more keys for OpenAI.');
    await expectNoViolations(page, 'admin: team Manage dialog');
    await shot(page, 'admin-team-dialog');

    // Escape: the team shows the key (masked) and its count; Enter on the focused Manage button opens the dialog again.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await waitUntil(page, `document.activeElement?.getAttribute('aria-label') === 'Manage ${TEAM} OpenAI keys'`);
    expect(await detail.locator('table.key-table tr', { hasText: 'Shared team key' }).locator('.masked-key').textContent()).toBe(masked(teamKey));
    expect(await detail.locator('li.card[data-provider="openai"] .count').textContent()).toBe('1 key');
    expect(await teams.locator(`tr[data-group-id="${teamId}"] .key-count`).textContent()).toBe('1');
    await expectNoViolations(page, 'admin: a team');
    await detail.screenshot({ path: `${SCREENSHOTS}admin-team.png` });
    await page.keyboard.press('Enter');
    await dialog.waitFor();

    // Relabel: Rename, select the old label, type the new one, Enter.
    await tabTo(page, 'dialog.manage li.key [data-action="rename"]');
    await page.keyboard.press('Enter');
    expect(await focused(page, 'name')).toBe('label');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Team alpha key');
    await page.keyboard.press('Enter');
    const renamed = dialog.locator('li.key', { hasText: 'Team alpha key' });
    await renamed.waitFor();

    // Replace the secret: the label stays, the masked key changes.
    await tabTo(page, 'dialog.manage li.key [data-action="replace"]');
    await page.keyboard.press('Enter');
    expect(await focused(page, 'name')).toBe('apiKey');
    await page.keyboard.type(teamKeyReplacement);
    await page.keyboard.press('Enter');
    await renamed.locator('.masked-key', { hasText: masked(teamKeyReplacement) }).waitFor();
    expect(await page.content()).not.toContain(teamKeyReplacement);
    expect(await carolSeesTeamKeys()).toEqual([{ label: 'Team alpha key', maskedKey: masked(teamKeyReplacement), status: 'active' }]);

    // Test against the fake provider, through the admin API's team test: the new secret is sent.
    stack.fake.requests.length = 0;
    await tabTo(page, 'dialog.manage li.key [data-action="test"]');
    await page.keyboard.press('Enter');
    await renamed.locator('.test-result', { hasText: 'Test result: valid' }).waitFor();
    expect(stack.fake.requests.map((recorded) => recorded.headers.authorization)).toEqual([`Bearer ${teamKeyReplacement}`]);

    // Disable: carol sees it disabled.
    await tabTo(page, 'dialog.manage li.key [data-action="toggle"]');
    await page.keyboard.press('Enter');
    await renamed.locator('.status-badge', { hasText: 'Disabled' }).waitFor();
    expect(await focused(page)).toBe('Enable');
    expect(await carolSeesTeamKeys()).toEqual([{ label: 'Team alpha key', maskedKey: masked(teamKeyReplacement), status: 'disabled' }]);

    // Delete after confirming (Cancel is the default).
    await tabTo(page, 'dialog.manage li.key [data-action="delete"]');
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: 'Delete “Team alpha key”?' });
    await confirm.waitFor();
    expect(await focused(page)).toBe('Cancel');
    await expectNoViolations(page, 'admin: confirm a team key delete');
    await tabTo(page, 'dialog.confirm button.danger');
    await page.keyboard.press('Enter');
    await renamed.waitFor({ state: 'detached' });
    expect(await carolSeesTeamKeys()).toEqual([]);

    // Escape closes the dialog; the focus goes back to the team's Manage button, whose card counts 0 keys.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await waitUntil(page, `document.activeElement?.getAttribute('aria-label') === 'Manage ${TEAM} OpenAI keys'`);
    expect(await detail.locator('li.card[data-provider="openai"] .count').textContent()).toBe('0 keys');
  }, E2E_TIMEOUT);

  test('alice has no admin navigation, ?view=admin shows her own keys, and the admin API answers her 403', async () => {
    const { page } = await pages.open(ORIGIN);
    await signIn(page, ORIGIN, ALICE);
    expect(await page.getByRole('navigation').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    expect(await page.locator('text=Admin console').count()).toBe(0);

    await page.goto(`${ORIGIN}/?view=admin`);
    await page.getByRole('heading', { name: 'Your API keys', level: 1 }).waitFor();
    expect(await page.getByRole('heading', { name: 'Admin console' }).count()).toBe(0);

    const as = await bearer(ALICE);
    const app = stack.service.app;
    for (const call of [
      as(request(app).get('/api/v1/admin/stats')),
      as(request(app).get('/api/v1/admin/users').query({ search: 'dave' })),
      as(request(app).get(`/api/v1/admin/users/${daveId}`)),
      as(request(app).put(`/api/v1/admin/users/${daveId}/tier`)).send({ tier: 'free' }),
      as(request(app).get('/api/v1/admin/groups')),
      as(request(app).get(`/api/v1/admin/groups/${teamId}/keys`)),
    ]) {
      const response = await call;
      expect([response.status, response.body?.error?.code]).toEqual([403, 'FORBIDDEN']);
    }
    expect(await daveTierInKeycloak()).not.toEqual(['free']);
  }, E2E_TIMEOUT);
});
