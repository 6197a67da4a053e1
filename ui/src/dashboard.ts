/**
 * The signed-in page: who is signed in and their tier, why adding keys is not possible (when it is
 * not), and one card per provider with its key count and status and a Manage button.
 */
import type { OwnerKeys, Provider } from './api';
import { h } from './dom';
import { addRule, plural, TIER_NAMES } from './format';
import { providerCards } from './provider-cards';

export interface DashboardDeps {
  providers: () => readonly Provider[];
  owner: () => OwnerKeys;
  manage: (providerId: string, opener: HTMLElement) => void;
}

export function renderDashboard(root: HTMLElement, deps: DashboardDeps): void {
  const owner = deps.owner();
  const tier = owner.tier ?? 'free';
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
    providerCards({ providers: deps.providers(), owner, manage: deps.manage, manageLabel: (name) => `Manage ${name} keys` }),
  );
}
