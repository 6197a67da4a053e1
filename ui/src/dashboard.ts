/**
 * The signed-in page: who is signed in and their tier, why adding keys is not possible (when it is
 * not), one card per provider with its key count and status and a Manage button, then the sections
 * given (key sources, team keys, use from code).
 */
import type { OwnerKeys, Provider } from './api';
import { h, uniqueId } from './dom';
import { addRule, plural, summarize } from './format';

export interface DashboardDeps {
  providers: () => readonly Provider[];
  owner: () => OwnerKeys;
  manage: (providerId: string, opener: HTMLElement) => void;
  /** Sections shown below the cards, kept between renders (user-sections.ts). */
  sections?: readonly Node[];
}

const TIER_NAMES: Record<string, string> = { free: 'Free', trial: 'Trial', starter: 'Starter', professional: 'Professional', enterprise: 'Enterprise' };

export function renderDashboard(root: HTMLElement, deps: DashboardDeps): void {
  const owner = deps.owner();
  const tier = owner.tier ?? 'free';
  const cards = deps.providers().map((provider) => {
    const keys = owner.providers.find((entry) => entry.provider === provider.id)?.keys ?? [];
    const titleId = uniqueId('card-title');
    const rule = addRule(owner, provider.name, keys.length);
    return h('li', { class: keys.length > 0 ? 'card has-keys' : 'card', attrs: { 'aria-labelledby': titleId, 'data-provider': provider.id } }, [
      h('h2', { id: titleId, text: provider.name }),
      h('p', { class: 'count', text: plural(keys.length, 'key') }),
      h('p', { class: 'summary', text: `Status: ${summarize(keys)}` }),
      !rule.allowed && rule.reason === 'limit' ? h('p', { class: 'hint', text: `Limit reached (${owner.maxKeysPerProvider}).` }) : null,
      h('button', {
        class: 'button',
        text: 'Manage',
        attrs: { type: 'button', 'aria-label': `Manage ${provider.name} keys`, 'data-manage': provider.id },
        on: { click: (event) => deps.manage(provider.id, event.currentTarget as HTMLElement) },
      }),
    ]);
  });

  const blocked = addRule(owner, '', 0);
  const tierNotice =
    !blocked.allowed && blocked.reason === 'tier' ? h('p', { class: 'notice blocked blocked-tier', attrs: { id: 'tier-notice' }, text: blocked.message }) : null;
  root.replaceChildren(
    h('div', { class: 'page-head' }, [
      h('h1', { text: 'Your API keys', attrs: { tabindex: '-1' } }),
      h('p', { class: 'tier' }, [
        'Subscription tier: ',
        h('strong', { class: 'tier-name', text: TIER_NAMES[tier] ?? tier }),
        ` · up to ${plural(owner.maxKeysPerProvider, 'key')} per provider`,
      ]),
    ]),
    ...(tierNotice ? [tierNotice] : []),
    h('ul', { class: 'cards', attrs: { 'aria-label': 'Providers' } }, cards),
    ...(deps.sections ?? []),
  );
}
