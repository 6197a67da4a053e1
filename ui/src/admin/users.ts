/**
 * Finding a user (GET /api/v1/admin/users?search=) by username, email or name; the one chosen shows
 * their details, keys (masked, read-only: an admin sees them, only the user changes them) and tier,
 * and the tier can be changed after a confirmation (PUT /api/v1/admin/users/{userId}/tier), then the
 * user is read again so the page shows what Keycloak now holds.
 */
import { describeError, type KeyView, type Tier, type UserSummary } from '../api';
import { confirmAction } from '../confirm-dialog';
import { errorSlot, field, h, uniqueId } from '../dom';
import { plural, TIER_NAMES } from '../format';
import { TIERS } from '../../../src/vault/tiers.js';
import type { AdminDeps } from './console';
import { keyTable } from './key-table';

/** Matches the admin API's limit on a search (1 to 100 characters). */
const SEARCH_MAX_LENGTH = 100;

function tierText(tier: Tier | null): string {
  return tier === null ? 'Free (not set)' : TIER_NAMES[tier];
}

function fullName(user: UserSummary): string {
  return [user.firstName, user.lastName].filter(Boolean).join(' ');
}

export function createUsersSection(deps: AdminDeps) {
  const headingId = uniqueId('users-heading');
  const search = field({
    label: 'Username or email',
    name: 'search',
    type: 'search',
    required: true,
    maxLength: SEARCH_MAX_LENGTH,
    hint: 'Part of a username, email or name; an exact username or email comes first.',
  });
  const searchError = errorSlot();
  const form = h('form', { class: 'search-form', attrs: { role: 'search', 'aria-label': 'Find a user' } }, [
    search.wrapper,
    h('button', { class: 'button primary', text: 'Find', attrs: { type: 'submit', 'data-action': 'find-user' } }),
  ]);
  const results = h('div', { class: 'results' });
  const detail = h('div', { class: 'user-detail' });
  const element = h('section', { class: 'admin-section users', attrs: { 'aria-labelledby': headingId } }, [
    h('h2', { id: headingId, text: 'Users' }),
    form,
    searchError.element,
    results,
    detail,
  ]);

  let found: { query: string; users: UserSummary[] } | null = null;
  let shown: { user: UserSummary; keys: KeyView[] | null; error?: string; notice?: string; tierError?: string } | null = null;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = search.input.value.trim();
    searchError.clear();
    if (query === '') {
      searchError.show('Type part of a username or email.');
      search.input.focus();
      return;
    }
    void (async () => {
      try {
        found = { query, users: await deps.api.searchUsers(query) };
      } catch (error) {
        searchError.show(describeError(error));
        return;
      }
      renderResults();
      deps.announce(`${plural(found.users.length, 'user')} found.`);
      results.querySelector<HTMLElement>('h3')?.focus();
    })();
  });

  function renderResults(): void {
    if (found === null) return results.replaceChildren();
    const headingId = uniqueId('results-heading');
    const rows = found.users.map((user) =>
      h('tr', { attrs: { 'data-user-id': user.id } }, [
        h('th', { text: user.username, attrs: { scope: 'row' } }),
        h('td', { text: user.email ?? '' }),
        h('td', { text: fullName(user) }),
        h('td', { class: 'tier-cell', text: tierText(user.tier) }),
        h('td', { text: String(user.keyCount) }),
        h('td', { text: user.enabled ? 'Enabled' : 'Disabled' }),
        h('td', {}, [
          h('button', {
            class: 'button small',
            text: 'Show',
            attrs: { type: 'button', 'aria-label': `Show ${user.username}`, 'data-action': 'show-user' },
            on: { click: () => void open(user) },
          }),
        ]),
      ]),
    );
    results.replaceChildren(
      h('h3', { id: headingId, text: `Users matching “${found.query}”`, attrs: { tabindex: '-1' } }),
      found.users.length === 0
        ? h('p', { class: 'muted empty', text: 'No user matches.' })
        : h('table', { class: 'data-table user-table', attrs: { 'aria-labelledby': headingId } }, [
            h('thead', {}, [
              h(
                'tr',
                {},
                ['Username', 'Email', 'Name', 'Tier', 'Keys', 'Account', 'Details'].map((column) => h('th', { text: column, attrs: { scope: 'col' } })),
              ),
            ]),
            h('tbody', {}, rows),
          ]),
    );
  }

  async function open(user: UserSummary): Promise<void> {
    shown = { user, keys: null };
    renderDetail();
    try {
      shown.keys = await deps.api.adminUserKeys(user.id);
    } catch (error) {
      shown.error = describeError(error);
    }
    renderDetail();
    detail.querySelector<HTMLElement>('h3')?.focus();
  }

  async function changeTier(next: Tier): Promise<void> {
    if (!shown) return;
    const { user } = shown;
    shown.notice = undefined;
    shown.tierError = undefined;
    if (next === user.tier) {
      shown.tierError = `${user.username} already has the ${TIER_NAMES[next]} tier.`;
      renderDetail('tier-select');
      return;
    }
    const confirmed = await confirmAction({
      title: `Change ${user.username}'s tier to ${TIER_NAMES[next]}?`,
      body: `From ${tierText(user.tier)} to ${TIER_NAMES[next]}. The tier decides whether ${user.username} may add or replace keys and how many per provider; the keys stored stay.`,
      confirmLabel: 'Change tier',
      destructive: false,
    });
    if (!confirmed) return;
    try {
      await deps.api.setTier(user.id, next);
      // Read back: the page shows what the service now reads from Keycloak, not what was asked for.
      const fresh = await deps.api.adminUser(user.id);
      shown = { ...shown, user: fresh, notice: `Tier changed to ${tierText(fresh.tier)}.` };
      if (found) found = { ...found, users: found.users.map((candidate) => (candidate.id === fresh.id ? fresh : candidate)) };
      renderResults();
      deps.announce(`${fresh.username}'s tier is now ${tierText(fresh.tier)}.`);
    } catch (error) {
      shown.tierError = describeError(error);
    }
    renderDetail('tier-submit');
  }

  function renderDetail(focus?: 'tier-select' | 'tier-submit'): void {
    if (shown === null) return detail.replaceChildren();
    const { user, keys } = shown;
    const titleId = uniqueId('user-title');
    const tierHeadingId = uniqueId('tier-heading');
    const selectId = uniqueId('tier-select');
    const select = h(
      'select',
      { id: selectId, attrs: { name: 'tier', 'data-field': 'tier' } },
      TIERS.map((tier) => h('option', { text: TIER_NAMES[tier], attrs: { value: tier, selected: tier === (user.tier ?? 'free') } })),
    );
    const tierError = errorSlot();
    if (shown.tierError) tierError.show(shown.tierError);
    const tierForm = h('form', { class: 'tier-form', attrs: { 'aria-labelledby': tierHeadingId } }, [
      h('div', { class: 'field' }, [h('label', { text: 'New tier', attrs: { for: selectId } }), select]),
      h('button', { class: 'button primary', text: 'Change tier', attrs: { type: 'submit', 'data-action': 'change-tier' } }),
    ]);
    tierForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void changeTier(select.value as Tier);
    });

    const keysHeadingId = uniqueId('user-keys-heading');
    detail.replaceChildren(
      h('article', { class: 'owner-detail', attrs: { 'aria-labelledby': titleId, 'data-user-id': user.id } }, [
        h('h3', { id: titleId, text: user.username, attrs: { tabindex: '-1' } }),
        h('dl', { class: 'facts' }, [
          h('div', {}, [h('dt', { text: 'Email' }), h('dd', { text: user.email ?? 'None' })]),
          h('div', {}, [h('dt', { text: 'Name' }), h('dd', { text: fullName(user) || 'None' })]),
          h('div', {}, [h('dt', { text: 'Account' }), h('dd', { text: user.enabled ? 'Enabled' : 'Disabled' })]),
          h('div', {}, [h('dt', { text: 'Tier' }), h('dd', {}, [h('strong', { class: 'tier-name', text: tierText(user.tier), attrs: { 'data-tier': user.tier ?? '' } })])]),
        ]),
        h('section', { attrs: { 'aria-labelledby': keysHeadingId } }, [
          h('h4', { id: keysHeadingId, text: 'Keys' }),
          shown.error
            ? h('p', { class: 'error', attrs: { role: 'alert' }, text: shown.error })
            : keys === null
              ? h('p', { class: 'muted', text: 'Loading the keys…' })
              : keys.length === 0
                ? h('p', { class: 'muted empty', text: `${user.username} has no keys.` })
                : keyTable(keys, deps.providers(), `Keys of ${user.username}`),
        ]),
        h('section', { attrs: { 'aria-labelledby': tierHeadingId } }, [
          h('h4', { id: tierHeadingId, text: 'Tier' }),
          h('p', { class: 'hint', text: 'The tier decides whether the user may add keys and how many per provider.' }),
          tierForm,
          tierError.element,
          shown.notice ? h('p', { class: 'notice tier-changed', attrs: { role: 'status' }, text: shown.notice }) : null,
        ]),
      ]),
    );
    if (focus === 'tier-select') select.focus();
    else if (focus === 'tier-submit') detail.querySelector<HTMLElement>('[data-action="change-tier"]')?.focus();
  }

  return { element };
}
