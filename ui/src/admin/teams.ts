/**
 * Teams (Keycloak groups, GET /api/v1/admin/groups): the list with each team's key count, and the team
 * chosen with its keys (masked) and one card per provider whose Manage button opens the same dialog
 * as a user's own keys (manage-dialog.ts), acting on the team through the admin API (team-keys.ts).
 */
import { describeError, type GroupSummary, type KeyView } from '../api';
import { errorSlot, field, h, uniqueId } from '../dom';
import { plural } from '../format';
import { createManageDialog } from '../manage-dialog';
import { providerCards } from '../provider-cards';
import type { AdminDeps } from './console';
import { keyTable } from './key-table';
import { teamKeyApi, teamOwnerView } from './team-keys';

/** Matches the admin API's limit on a search (1 to 100 characters). */
const SEARCH_MAX_LENGTH = 100;

export function createTeamsSection(deps: AdminDeps) {
  const headingId = uniqueId('teams-heading');
  const filter = field({ label: 'Team name', name: 'team', type: 'search', maxLength: SEARCH_MAX_LENGTH, hint: 'Part of a team name; empty lists every team.' });
  const listError = errorSlot();
  const form = h('form', { class: 'search-form', attrs: { role: 'search', 'aria-label': 'Find a team' } }, [
    filter.wrapper,
    h('button', { class: 'button primary', text: 'Filter', attrs: { type: 'submit', 'data-action': 'find-team' } }),
  ]);
  const list = h('div', { class: 'results' }, [h('p', { class: 'muted', text: 'Loading the teams…' })]);
  const detail = h('div', { class: 'team-detail' });
  const element = h('section', { class: 'admin-section teams', attrs: { 'aria-labelledby': headingId } }, [
    h('h2', { id: headingId, text: 'Teams' }),
    h('p', { class: 'hint', text: "A team's members use its keys when they have no usable key of their own for a provider, unless they turned strict on. Members see them masked and cannot change them." }),
    form,
    listError.element,
    list,
    detail,
  ]);

  let teams: { query: string; groups: GroupSummary[]; truncated: boolean } | null = null;
  let shown: { group: GroupSummary; keys: KeyView[] | null; limit?: number; error?: string } | null = null;
  const current = (): GroupSummary => {
    if (!shown) throw new Error('no team shown');
    return shown.group;
  };

  const dialog = createManageDialog({
    api: teamKeyApi(deps.api, () => current().id),
    providers: deps.providers,
    owner: () => teamOwnerView(shown?.keys ?? [], shown?.limit),
    announce: deps.announce,
    refresh: async () => {
      if (!shown) return;
      ({ keys: shown.keys, maxKeysPerProvider: shown.limit } = await deps.api.groupKeys(current().id));
      renderDetail();
      // The list's key counts follow (its failure must not hide the change just made).
      await load(teams?.query ?? '').catch(() => undefined);
    },
    wording: {
      title: (providerName) => `${providerName} keys of ${current().name}`,
      listHeading: () => `Keys of ${current().name}`,
      addHint: (providerName) => `Every member of ${current().name} can be served these ${providerName} keys; the service's per-provider limit applies.`,
    },
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load(filter.input.value.trim()).then((loaded) => {
      if (!loaded || !teams) return;
      deps.announce(`${plural(teams.groups.length, 'team')} listed.`);
      list.querySelector<HTMLElement>('h3')?.focus();
    });
  });

  /** Lists the teams whose name contains `query` (every team when empty); false when the API failed (shown). */
  async function load(query = ''): Promise<boolean> {
    listError.clear();
    try {
      const answer = await deps.api.groups(query === '' ? undefined : query);
      teams = { query, groups: answer.groups, truncated: answer.truncated };
    } catch (error) {
      listError.show(describeError(error));
      if (teams === null) list.replaceChildren();
      return false;
    }
    renderList();
    return true;
  }

  function renderList(): void {
    if (teams === null) return;
    const listHeadingId = uniqueId('team-list-heading');
    const rows = teams.groups.map((group) =>
      h('tr', { attrs: { 'data-group-id': group.id } }, [
        h('th', { text: group.name, attrs: { scope: 'row' } }),
        h('td', { text: group.path }),
        h('td', { class: 'key-count', text: String(group.keyCount) }),
        h('td', {}, [
          h('button', {
            class: 'button small',
            text: 'Show keys',
            attrs: { type: 'button', 'aria-label': `Show keys of ${group.name}`, 'data-action': 'show-team' },
            on: { click: () => void open(group) },
          }),
        ]),
      ]),
    );
    const truncated = teams.truncated ? [h('p', { class: 'hint', text: 'More teams exist than are listed: narrow them by name.' })] : [];
    list.replaceChildren(
      h('h3', { id: listHeadingId, text: teams.query === '' ? 'All teams' : `Teams matching “${teams.query}”`, attrs: { tabindex: '-1' } }),
      teams.groups.length === 0
        ? h('p', { class: 'muted empty', text: teams.query === '' ? 'The realm has no groups.' : 'No team matches.' })
        : h('table', { class: 'data-table team-table', attrs: { 'aria-labelledby': listHeadingId } }, [
            h('thead', {}, [h('tr', {}, ['Team', 'Path', 'Keys', 'Details'].map((column) => h('th', { text: column, attrs: { scope: 'col' } })))]),
            h('tbody', {}, rows),
          ]),
      ...truncated,
    );
  }

  async function open(group: GroupSummary): Promise<void> {
    shown = { group, keys: null };
    renderDetail();
    try {
      ({ keys: shown.keys, maxKeysPerProvider: shown.limit } = await deps.api.groupKeys(group.id));
    } catch (error) {
      shown.error = describeError(error);
    }
    renderDetail();
    detail.querySelector<HTMLElement>('h3')?.focus();
  }

  function renderDetail(): void {
    if (shown === null) return detail.replaceChildren();
    const { group, keys } = shown;
    const titleId = uniqueId('team-title');
    detail.replaceChildren(
      h('article', { class: 'owner-detail', attrs: { 'aria-labelledby': titleId, 'data-group-id': group.id } }, [
        h('h3', { id: titleId, text: group.name, attrs: { tabindex: '-1' } }),
        h('p', { class: 'muted', text: `${group.path} · ${plural(keys?.length ?? group.keyCount, 'key')}` }),
        shown.error
          ? h('p', { class: 'error', attrs: { role: 'alert' }, text: shown.error })
          : keys === null
            ? h('p', { class: 'muted', text: 'Loading the keys…' })
            : h('div', {}, [
                keys.length === 0 ? h('p', { class: 'muted empty', text: `${group.name} has no keys yet.` }) : keyTable(keys, deps.providers(), `Keys of ${group.name}`),
                providerCards({
                  providers: deps.providers(),
                  owner: teamOwnerView(keys, shown.limit),
                  manage: (providerId, opener) => dialog.open(providerId, opener),
                  manageLabel: (providerName) => `Manage ${group.name} ${providerName} keys`,
                  headingLevel: 'h4',
                  label: `${group.name} keys per provider`,
                }),
              ]),
      ]),
    );
  }

  return { element, load: () => load(teams?.query ?? '') };
}
