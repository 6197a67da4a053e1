/**
 * `/docs` in a real browser: Swagger UI renders the document without resolver errors (the error
 * schema is not recursive, error answers render as objects), under its strict CSP, and "Authorize"
 * signs in at Keycloak with the authorization-code flow and PKCE (the UI's public client), returning
 * through /docs/oauth2-redirect.html with a token.
 */

import { browserPerFile, inPage } from './support/browser.js';
import { ORIGIN, startStack, type Stack } from './support/stack.js';

const E2E_TIMEOUT = 120_000;

let stack: Stack;
// The page of each test never needs more than the strict policy allows, and throws nothing.
const pages = browserPerFile(E2E_TIMEOUT);

beforeAll(async () => {
  stack = await startStack();
}, E2E_TIMEOUT);

afterAll(async () => {
  await stack?.close();
});

describe('/docs in Chromium', () => {
  test('the document renders without resolver errors and "Authorize" signs in at Keycloak (authorization code + PKCE)', async () => {
    const { page } = await pages.open(ORIGIN);
    await page.goto(`${ORIGIN}/docs`);
    await page.locator('#operations-user-postByokKeysAdd').waitFor();

    // An operation's error answers render as the error object, and no resolver error shows.
    await page.locator('#operations-user-postByokKeysAdd .opblock-summary').first().click();
    await page.locator('#operations-user-postByokKeysAdd .responses-table').waitFor();
    const responses = await page.locator('#operations-user-postByokKeysAdd .responses-table').innerText();
    expect(responses).toContain('requestId');
    expect(responses).toContain('TIER_REQUIRED');
    expect(await page.locator('.errors-wrapper').count()).toBe(0);
    expect(await page.content()).not.toMatch(/Recursive Schema|Resolver error/);

    await page.locator('button.authorize').first().click();
    const scheme = page.locator('.auth-container').filter({ hasText: 'authorizationCode' });
    // The UI's public client is filled in (init.js); no secret: PKCE.
    expect(await scheme.locator('#client_id_authorizationCode').inputValue()).toBe('ops-center');
    const popupOpened = page.waitForEvent('popup');
    await scheme.locator('button.modal-btn.authorize').click();
    const popup = await popupOpened;
    await popup.locator('#username').waitFor();
    const login = new URL(popup.url());
    expect(login.pathname).toBe('/realms/byok/protocol/openid-connect/auth');
    expect(login.searchParams.get('code_challenge_method')).toBe('S256');
    expect(login.searchParams.get('redirect_uri')).toBe(`${ORIGIN}/docs/oauth2-redirect.html`);
    await popup.locator('#username').fill('alice');
    await popup.locator('#password').fill('alice');
    await popup.locator('#kc-login').click();
    await popup.waitForEvent('close');
    // Swagger UI exchanged the code (with the PKCE verifier) at Keycloak's token endpoint.
    await scheme.getByRole('button', { name: 'Remove authorization' }).waitFor();
    const token = await inPage<string | undefined>(page, `window.ui.authSelectors.authorized().toJS().authorizationCode?.token?.access_token`);
    expect(token?.split('.')).toHaveLength(3);
    // The token works against the API.
    const me = await fetch(`${ORIGIN}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { username: string }).username).toBe('alice');
  }, E2E_TIMEOUT);
});
