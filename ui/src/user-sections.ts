/**
 * The parts of the signed-in page below the provider cards: the strict switch ("Key sources"), the
 * team keys of the user's groups, and "Use from code". Built once and kept (the dashboard re-renders
 * around them), so what the person chose or typed in them survives a re-render of the cards.
 */
import type { Api, OwnerKeys, Provider } from './api';
import { createStrictSwitch } from './strict-switch';
import { createTeamKeys } from './team-keys';
import { createUseFromCode } from './use-from-code';

export interface UserSectionsDeps {
  api: Api;
  announce: (message: string) => void;
  providers: () => readonly Provider[];
  owner: () => OwnerKeys;
  /** Keycloak's token endpoint of the realm (for "Use from code"). */
  tokenEndpoint: string;
  userId: string | undefined;
}

export function createUserSections(deps: UserSectionsDeps) {
  const teams = createTeamKeys({ api: deps.api, providers: deps.providers });
  const strict = createStrictSwitch({ api: deps.api, announce: deps.announce, changed: (on) => teams.setStrict(on) });
  const code = createUseFromCode({
    providers: deps.providers,
    preferred: () => deps.owner().providers.find((entry) => entry.keys.length > 0)?.provider,
    origin: window.location.origin,
    tokenEndpoint: deps.tokenEndpoint,
    userId: deps.userId,
  });
  code.render();
  return {
    nodes: [strict.element, teams.element, code.element] as const,
    /** Reads the preference and the team keys (each section shows its own error). */
    load: () => Promise.all([strict.load(), teams.load()]).then(() => undefined),
  };
}
