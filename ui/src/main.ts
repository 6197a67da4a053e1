/**
 * Start-up: read the sign-in settings from the service, sign in through Keycloak (authorization
 * code with PKCE S256, no login iframe: it needs third-party cookies and a looser CSP), then load
 * the providers and keys and show them. Tokens live in memory only; keycloak-js refreshes them
 * before each API call and when they expire. An administrator (realm role byok-admin in the token)
 * also gets the admin console and the navigation to it (nav.ts).
 */
import Keycloak from 'keycloak-js';
import { ADMIN_ROLE } from '../../src/keycloak/roles.js';
import { createAdminConsole } from './admin/console';
import { ApiError, createApi, describeError, type OwnerKeys, type Provider } from './api';
import { renderDashboard } from './dashboard';
import { h } from './dom';
import { createManageDialog } from './manage-dialog';
import { createNav, viewFromLocation, type View } from './nav';
import './styles.css';

interface UiConfig {
  keycloakUrl: string;
  realm: string;
  clientId: string;
}

/** Seconds of validity a token must have left before a call; less and it is refreshed first. */
const MIN_TOKEN_VALIDITY_SECONDS = 30;

const main = document.getElementById('main') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;
const announcer = document.getElementById('announcer') as HTMLElement;

function announce(message: string): void {
  // Cleared first so the same message twice is read twice.
  announcer.textContent = '';
  window.setTimeout(() => (announcer.textContent = message), 50);
}

function showFatal(message: string): void {
  main.replaceChildren(h('div', { class: 'notice error-page', attrs: { role: 'alert' } }, [h('h1', { text: 'Something went wrong' }), h('p', { text: message })]));
}

async function start(): Promise<void> {
  const response = await fetch('/ui-config.json');
  if (!response.ok) throw new Error(`The sign-in settings could not be loaded (HTTP ${response.status}).`);
  const config = (await response.json()) as UiConfig;

  const keycloak = new Keycloak({ url: config.keycloakUrl, realm: config.realm, clientId: config.clientId });
  keycloak.onTokenExpired = () => {
    keycloak.updateToken(MIN_TOKEN_VALIDITY_SECONDS).catch(() => void keycloak.login());
  };
  await keycloak.init({ onLoad: 'login-required', pkceMethod: 'S256', checkLoginIframe: false, enableLogging: false });

  const getToken = async (): Promise<string> => {
    try {
      await keycloak.updateToken(MIN_TOKEN_VALIDITY_SECONDS);
    } catch {
      // The session at Keycloak ended (signed out elsewhere, or expired): sign in again.
      await keycloak.login();
    }
    if (!keycloak.token) throw new Error('not signed in');
    return keycloak.token;
  };
  const api = createApi(getToken);

  const username = String(keycloak.tokenParsed?.preferred_username ?? 'you');
  account.replaceChildren(
    h('span', { class: 'who' }, ['Signed in as ', h('strong', { class: 'username', text: username })]),
    h('button', {
      class: 'button',
      text: 'Sign out',
      attrs: { type: 'button' },
      on: { click: () => void keycloak.logout({ redirectUri: `${window.location.origin}/` }) },
    }),
  );

  const [providers, initial] = await Promise.all([api.providers(), api.keys()]);
  let owner: OwnerKeys = initial;
  const state = { providers: (): readonly Provider[] => providers, owner: (): OwnerKeys => owner };

  const dialog = createManageDialog({
    api,
    ...state,
    announce,
    refresh: async () => {
      owner = await api.keys();
      draw();
    },
  });

  // The token's realm roles only decide whether the console is offered; the admin API checks the role itself.
  const realmRoles = keycloak.tokenParsed?.realm_access?.roles ?? [];
  const views: View<'keys' | 'admin'>[] = [{ id: 'keys', label: 'Your keys', title: 'byok-vault · your API keys' }];
  if (realmRoles.includes(ADMIN_ROLE)) views.push({ id: 'admin', label: 'Admin', title: 'byok-vault · admin console' });
  const admin = views.length > 1 ? createAdminConsole({ api, providers: state.providers, announce }) : null;
  let view = viewFromLocation(views);

  const draw = () => {
    if (view.id === 'keys') renderDashboard(main, { ...state, manage: (id, opener) => dialog.open(id, opener) });
  };
  const show = (next: View<'keys' | 'admin'>, moveFocus: boolean) => {
    view = next;
    nav?.select(next);
    document.title = next.title;
    if (next.id === 'admin' && admin) admin.show(main);
    else draw();
    // After a switch the new view's heading takes the focus, so the next Tab starts there.
    if (moveFocus) main.querySelector<HTMLElement>('h1')?.focus();
  };
  const nav = views.length > 1 ? createNav(views, (next) => show(next, true)) : null;
  if (nav) account.before(nav.element);
  show(view, false);
  main.setAttribute('aria-busy', 'false');
}

start().catch((error: unknown) =>
  showFatal(error instanceof ApiError ? describeError(error) : error instanceof Error ? error.message : 'Signing in failed; reload the page to try again.'),
);
