/**
 * "Use from code": per provider, the gateway's base URL and copyable calls through it with the
 * provider's official SDK and with curl (snippets.ts), and how to get the token they read from
 * BYOK_TOKEN. No secret is ever in them. Copy buttons use the Clipboard API and say what happened
 * beside themselves (a status region, so screen readers hear it); if copying is refused, the text is
 * selected for the person to copy.
 */
import type { Provider } from './api';
import { h, uniqueId } from './dom';
import { gatewayUse, TOKEN_VARIABLE, type CodeSample } from './snippets';

export interface UseFromCodeDeps {
  providers: () => readonly Provider[];
  /** The provider shown first (one the person has keys for). */
  preferred: () => string | undefined;
  /** The service's origin (the gateway is served there). */
  origin: string;
  /** Keycloak's token endpoint of the realm. */
  tokenEndpoint: string;
  /** The signed-in user's Keycloak id (what a service acting for them sends as X-Byok-User). */
  userId: string | undefined;
}

const COPIED_FOR_MS = 4000;

/** A Copy button for `text` with its status beside it; `what` completes the button's name ("Copy <what>"). */
function copyControl(text: string, what: string, source: () => HTMLElement): HTMLElement {
  const status = h('span', { class: 'copy-status', attrs: { role: 'status' } });
  let timer: number | undefined;
  const button = h('button', { class: 'button small copy', attrs: { type: 'button', 'data-copy': what } }, ['Copy', h('span', { class: 'visually-hidden', text: ` ${what}` })]);
  button.addEventListener('click', () => {
    window.clearTimeout(timer);
    void navigator.clipboard
      .writeText(text)
      .then(
        () => {
          status.textContent = `Copied ${what}.`;
          timer = window.setTimeout(() => (status.textContent = ''), COPIED_FOR_MS);
        },
        () => {
          const range = document.createRange();
          range.selectNodeContents(source());
          const selection = window.getSelection();
          selection?.removeAllRanges();
          selection?.addRange(range);
          status.textContent = 'Copying was not allowed: the text is selected, press Ctrl+C (⌘C) to copy it.';
        },
      );
  });
  return h('span', { class: 'copy-control' }, [button, status]);
}

function sampleBlock(sample: CodeSample, what: string): HTMLElement {
  const titleId = uniqueId('sample-title');
  const code = h('code', { text: sample.code });
  return h('section', { class: 'sample', attrs: { 'aria-labelledby': titleId, 'data-sample': what } }, [
    h('div', { class: 'sample-head' }, [h('h3', { id: titleId, text: sample.title }), copyControl(sample.code, what, () => code)]),
    sample.install ? h('p', { class: 'hint' }, ['Install: ', h('code', { text: sample.install })]) : null,
    h('pre', { class: 'snippet' }, [code]),
  ]);
}

export function createUseFromCode(deps: UseFromCodeDeps) {
  const headingId = uniqueId('code-heading');
  const selectId = uniqueId('code-provider');
  const select = h('select', { id: selectId, attrs: { name: 'provider' } });
  const details = h('div', { class: 'code-details' });

  function show(providerId: string): void {
    const provider = deps.providers().find((candidate) => candidate.id === providerId);
    if (!provider) return;
    const use = gatewayUse(deps.origin, provider.id);
    const baseUrl = h('code', { class: 'base-url', text: use.baseUrl });
    details.replaceChildren(
      h('div', { class: 'base-url-row' }, [h('span', { class: 'field-name', text: `${provider.name} base URL:` }), baseUrl, copyControl(use.baseUrl, `${provider.name} base URL`, () => baseUrl)]),
      sampleBlock(use.sdk, `${provider.name} SDK example`),
      sampleBlock(use.curl, `${provider.name} curl example`),
    );
  }

  const tokenHelp = h('p', { class: 'hint token-help' }, [
    `${TOKEN_VARIABLE} holds an access token of your account, never a provider key: a token Keycloak issues to the client ops-center (token endpoint `,
    h('code', { text: deps.tokenEndpoint }),
    '). It expires after a few minutes: fetch a new one when it does. A service acting for you uses its own token (realm role byok-internal) instead and adds the header ',
    h('code', { text: `X-Byok-User: ${deps.userId ?? '<your user id>'}` }),
    '.',
  ]);

  const section = h('section', { class: 'panel use-from-code', attrs: { 'aria-labelledby': headingId } }, [
    h('h2', { id: headingId, text: 'Use from code' }),
    h('p', {
      class: 'hint',
      text: 'Programs reach each provider through this service: point the provider’s SDK at the base URL below and give it your access token where it expects an API key. The service signs every request with one of your keys (or a team key), so your program never holds a provider key.',
    }),
    h('div', { class: 'field inline' }, [h('label', { text: 'Provider', attrs: { for: selectId } }), select]),
    details,
    tokenHelp,
  ]);
  select.addEventListener('change', () => show(select.value));

  return {
    element: section,
    /** Fills the provider list (once the providers are known) and shows the preferred one. */
    render(): void {
      const providers = deps.providers();
      select.replaceChildren(...providers.map((provider) => h('option', { text: provider.name, attrs: { value: provider.id } })));
      const first = deps.preferred() ?? providers[0]?.id;
      if (first) {
        select.value = first;
        show(first);
      }
    },
  };
}
