/**
 * The admin console (docs/web-ui.md#admin-console), shown to tokens with the realm role byok-admin:
 * adoption figures and charts, finding a user to see their keys and change their tier, and teams'
 * keys managed with the same dialog as a user's own. Each section keeps its state (a search, the
 * user or team shown) while the person switches views; the figures are reloaded on every visit.
 */
import type { Api, Provider } from '../api';
import { h } from '../dom';
import { createAdoptionSection } from './adoption';
import { createTeamsSection } from './teams';
import { createUsersSection } from './users';

export interface AdminDeps {
  api: Api;
  providers: () => readonly Provider[];
  announce: (message: string) => void;
}

export function createAdminConsole(deps: AdminDeps) {
  const adoption = createAdoptionSection(deps);
  const users = createUsersSection(deps);
  const teams = createTeamsSection(deps);
  let teamsLoaded = false;

  return {
    show(root: HTMLElement): void {
      root.replaceChildren(
        h('div', { class: 'page-head' }, [
          h('h1', { text: 'Admin console', attrs: { tabindex: '-1' } }),
          h('p', { class: 'muted', text: 'Adoption across the realm, users and their tiers, and team keys.' }),
        ]),
        adoption.element,
        users.element,
        teams.element,
      );
      void adoption.load();
      if (!teamsLoaded) {
        teamsLoaded = true;
        void teams.load();
      }
    },
  };
}
