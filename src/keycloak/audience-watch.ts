/**
 * Notices, from the tokens the service is shown, that the UI client (ops-center) lacks its audience
 * mapper: the symptom is that every UI user gets 401, and readiness should say why and how to fix it.
 * The service account may not read client settings (realm-management `view-clients` would also let it
 * read every client's secret), so the evidence is the tokens themselves, correctly signed by the
 * realm (the verifier reports only those, after the signature check; a forged token cannot trip it).
 *
 * The state is "missing" while the newest refused UI token is newer than the newest accepted one and
 * was seen less than `holdSeconds` ago: a token issued before the mapper was added stops counting once
 * a newer token carries the audience, and the state clears by itself (an instance taken out of the
 * load balancer sees no more tokens, so it must not stay unready for ever).
 */
import type { ReadinessCheck } from './readiness.js';

export interface AudienceWatchOptions {
  /** The UI client whose tokens are watched (UI_CLIENT_ID). */
  clientId: string;
  audience: string;
  now: () => number;
  /** How long a refused token counts, in seconds (default 300, Keycloak's default access token lifespan). */
  holdSeconds?: number;
}

export type AudienceWatch = ReturnType<typeof createAudienceWatch>;

export function createAudienceWatch(options: AudienceWatchOptions) {
  const holdMs = (options.holdSeconds ?? 300) * 1000;
  let newestAccepted = 0;
  let refused: { issuedAt: number; until: number } | undefined;

  return {
    /** A correctly signed token of `clientId` without the audience. */
    missing: (clientId: string | undefined, issuedAt: number): void => {
      if (clientId !== options.clientId || issuedAt <= newestAccepted) return;
      if (refused === undefined || issuedAt >= refused.issuedAt) refused = { issuedAt, until: options.now() + holdMs };
    },
    /** An accepted token (it carried the audience). */
    accepted: (clientId: string | undefined, issuedAt: number): void => {
      if (clientId !== options.clientId) return;
      newestAccepted = Math.max(newestAccepted, issuedAt);
      if (refused !== undefined && refused.issuedAt <= newestAccepted) refused = undefined;
    },
    check(): ReadinessCheck {
      if (refused !== undefined && refused.until <= options.now()) refused = undefined;
      if (refused !== undefined) {
        return {
          name: 'token_audience',
          ok: false,
          detail:
            `tokens of client ${options.clientId} do not carry the audience ${options.audience}, so the service refuses them ` +
            `(its audience mapper is missing): run \`byok bootstrap-realm\`, or add an Audience mapper (included custom audience ${options.audience}) to ${options.clientId}`,
        };
      }
      return { name: 'token_audience', ok: true, detail: `tokens must carry the audience ${options.audience}; none of ${options.clientId} was seen without it` };
    },
  };
}
