/**
 * One card per provider with its key count and status and a Manage button: the user's own keys on
 * the dashboard, and a team's keys in the admin console (admin/teams.ts). The Manage button carries
 * `data-manage` (the provider id), where the Manage dialog puts the focus back when it closes.
 */
import type { KeyView, OwnerKeys, Provider } from './api';
import { h, uniqueId } from './dom';
import { addRule, plural, summarize, type AddRules } from './format';

export interface ProviderCardsInput {
  providers: readonly Provider[];
  owner: Pick<OwnerKeys, 'providers'> & AddRules;
  manage: (providerId: string, opener: HTMLElement) => void;
  /** The Manage button's accessible name ("Manage OpenAI keys"). */
  manageLabel: (providerName: string) => string;
  /** The cards' heading level (they sit under the page's h1 on the dashboard, deeper elsewhere). */
  headingLevel?: 'h2' | 'h3' | 'h4';
  /** The list's accessible name. */
  label?: string;
}

export function keysOfProvider(owner: Pick<OwnerKeys, 'providers'>, providerId: string): readonly KeyView[] {
  return owner.providers.find((entry) => entry.provider === providerId)?.keys ?? [];
}

export function providerCards(input: ProviderCardsInput): HTMLUListElement {
  const { owner } = input;
  const cards = input.providers.map((provider) => {
    const keys = keysOfProvider(owner, provider.id);
    const titleId = uniqueId('card-title');
    const rule = addRule(owner, provider.name, keys.length);
    return h('li', { class: keys.length > 0 ? 'card has-keys' : 'card', attrs: { 'aria-labelledby': titleId, 'data-provider': provider.id } }, [
      h(input.headingLevel ?? 'h2', { id: titleId, text: provider.name }),
      h('p', { class: 'count', text: plural(keys.length, 'key') }),
      h('p', { class: 'summary', text: `Status: ${summarize(keys)}` }),
      !rule.allowed && rule.reason === 'limit' ? h('p', { class: 'hint', text: `Limit reached (${owner.maxKeysPerProvider}).` }) : null,
      h('button', {
        class: 'button',
        text: 'Manage',
        attrs: { type: 'button', 'aria-label': input.manageLabel(provider.name), 'data-manage': provider.id },
        on: { click: (event) => input.manage(provider.id, event.currentTarget as HTMLElement) },
      }),
    ]);
  });
  return h('ul', { class: 'cards', attrs: { 'aria-label': input.label ?? 'Providers' } }, cards);
}
