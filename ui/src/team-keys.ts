/**
 * The team keys of the signed-in user's groups (GET /byok/team-keys), read-only: per team, per
 * provider, each key's label, masked key and status, with a line saying when they are used
 * (docs/resolution.md#fallback-chain). Team keys are managed by administrators; nothing here changes them.
 */
import { describeError, type Api, type Provider, type Team } from './api';
import { h, uniqueId } from './dom';
import { plural, STATUS_TEXT } from './format';

export interface TeamKeysDeps {
  api: Pick<Api, 'teamKeys'>;
  providers: () => readonly Provider[];
}

export const TEAM_KEYS_USED =
  "Your teams' keys are used for a provider when you have no usable key of your own for it (none, or all disabled, expired, invalid or rate limited), before any platform key. " +
  'Administrators manage them; you can see them here but not change them.';

export function createTeamKeys(deps: TeamKeysDeps) {
  const headingId = uniqueId('teams-heading');
  const body = h('div', { class: 'teams' }, [h('p', { class: 'muted', text: 'Loading team keys…' })]);
  const strictNotice = h('p', { class: 'notice blocked strict-notice', text: 'Strict (only my own keys) is on: team keys are not used for you.', attrs: { hidden: true } });
  const section = h('section', { class: 'panel team-keys', attrs: { 'aria-labelledby': headingId, 'aria-busy': 'true' } }, [
    h('h2', { id: headingId, text: 'Team keys' }),
    h('p', { class: 'hint', text: TEAM_KEYS_USED }),
    strictNotice,
    body,
  ]);

  const providerName = (id: string) => deps.providers().find((provider) => provider.id === id)?.name ?? id;

  function teamBlock(team: Team): HTMLElement {
    const titleId = uniqueId('team-title');
    const withKeys = team.providers.filter((entry) => entry.keys.length > 0);
    const count = withKeys.reduce((sum, entry) => sum + entry.keys.length, 0);
    return h('section', { class: 'team', attrs: { 'aria-labelledby': titleId, 'data-team': team.name } }, [
      h('h3', { id: titleId, text: team.name }),
      h('p', { class: 'muted', text: `Group ${team.path} · ${plural(count, 'key')}` }),
      withKeys.length === 0
        ? h('p', { class: 'muted empty', text: 'This team has no keys.' })
        : h(
            'ul',
            { class: 'team-providers', attrs: { 'aria-label': `Keys of ${team.name}` } },
            withKeys.map((entry) => {
              const providerId = uniqueId('team-provider');
              return h('li', { attrs: { 'data-provider': entry.provider } }, [
                h('h4', { id: providerId, text: providerName(entry.provider) }),
                h(
                  'ul',
                  { class: 'key-list', attrs: { 'aria-labelledby': providerId } },
                  entry.keys.map((key) => {
                    const labelId = uniqueId('team-key-label');
                    return h('li', { class: `key readonly status-${key.status}`, attrs: { 'data-key-id': key.id, 'aria-labelledby': labelId } }, [
                      h('div', { class: 'key-head' }, [
                        h('span', { id: labelId, class: 'key-label', text: key.label }),
                        h('code', { class: 'masked-key', text: key.maskedKey, attrs: { 'aria-label': `Masked key ${key.maskedKey}` } }),
                        h('span', { class: `status-badge status-${key.status}`, text: STATUS_TEXT[key.status] }),
                      ]),
                    ]);
                  }),
                ),
              ]);
            }),
          ),
    ]);
  }

  return {
    element: section,
    /** Shows whether strict is on (then team keys are not used). */
    setStrict(strict: boolean): void {
      strictNotice.hidden = !strict;
    },
    async load(): Promise<void> {
      try {
        const data = await deps.api.teamKeys();
        strictNotice.hidden = !data.strict;
        body.replaceChildren(
          ...(data.teams.length === 0
            ? [h('p', { class: 'muted empty', text: 'You are in no team. Teams are Keycloak groups an administrator adds you to.' })]
            : data.teams.map(teamBlock)),
        );
      } catch (caught) {
        body.replaceChildren(h('p', { class: 'error', attrs: { role: 'alert' }, text: `Team keys could not be loaded: ${describeError(caught)}` }));
      } finally {
        section.setAttribute('aria-busy', 'false');
      }
    },
  };
}
