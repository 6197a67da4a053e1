/**
 * What the API answers, as zod schemas: the OpenAPI document's response schemas (and, through the
 * document, the web UI's types: ui/src/api-types.ts is generated from it). The domain's own types
 * (`KeyView`, `OwnerKeys`, `Resolution`) are what the handlers return; the checks at the end of this
 * file make a schema that drifts from them a compile error, so the contract is written once.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../../errors.js';
import { PROVIDER_IDS } from '../../providers/registry.js';
import type { KeyView } from '../../vault/key-record.js';
import { HEALTH_ISSUES, KEY_STATUSES, NO_KEY_REASONS, TEST_STATUSES } from '../../vault/rules.js';
import type { KeyService, OwnerKeys } from '../../vault/key-service.js';
import type { createAdoptionStats } from '../../vault/adoption-stats.js';
import type { Resolution } from '../../vault/resolver.js';
import type { GroupSummary, TeamKeys, UserSummary } from '../../vault/directory.js';
import { TIERS } from '../../vault/rules.js';

const providerId = z.enum(PROVIDER_IDS).describe('Provider id (see GET /api/v1/byok/providers)');
const tier = z.enum(TIERS).describe('Subscription tier (user attribute subscription_tier; missing or unknown counts as free)');
const dateTime = z.iso.datetime({ offset: true });
const EXAMPLE_KEY_ID = 'k_3f9cA7e1b4_d4c0e';

const errorDetail = z
  .object({
    path: z.string().describe('The field, dotted (`label`, `providers.0.id`); empty for the whole body'),
    message: z.string().describe('What is wrong with it (never the value)'),
  })
  .meta({ id: 'ErrorDetail' });

/** NO_KEY_AVAILABLE says why, so a caller knows whether to ask the user for a key or to wait. */
const noKeyDetails = z
  .object({
    reason: z
      .enum(NO_KEY_REASONS)
      .describe('no_key: nothing usable, ask the user to add or fix a key; cooling_down: every usable key is rate limited, retry after Retry-After; user_disabled: the user is disabled'),
    provider: providerId.optional(),
    fallbackProvider: providerId.optional().describe('Also tried, for a model its own provider could not serve'),
    strict: z.boolean().optional().describe('The user accepts only their own keys'),
    retryAfterSeconds: z.number().int().min(1).optional().describe('cooling_down: when the first key is back (also the Retry-After header)'),
  })
  .catchall(z.unknown())
  .meta({ id: 'NoKeyDetails' });

/**
 * Every error answer. Not recursive: `details` is a list of field problems for VALIDATION_FAILED,
 * and an object for a few codes (NO_KEY_AVAILABLE: why; TIER_REQUIRED: `requiredTier`).
 */
export const errorResponse = z
  .object({
    error: z
      .object({
        code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]).describe('Stable machine-readable code; never changes meaning'),
        message: z.string().describe('For people; may change between versions'),
        requestId: z.string().describe('The X-Request-Id of this request, to quote when asking for help'),
        details: z
          .union([z.array(errorDetail), noKeyDetails, z.record(z.string(), z.unknown())])
          .optional()
          .describe('VALIDATION_FAILED: one entry per invalid field; NO_KEY_AVAILABLE: why (NoKeyDetails); other codes: an object with more facts'),
      })
      .meta({ id: 'ErrorBody' }),
  })
  .meta({
    id: 'Error',
    examples: [
      {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'The request is not valid.',
          requestId: '8f0d2c1e-5b7a-4c3d-9e6f-1a2b3c4d5e6f',
          details: [{ path: 'label', message: 'at most 64 characters' }],
        },
      },
    ],
  });

export const keyView = z
  .object({
    id: z.string().describe('Key id, unique per owner'),
    provider: providerId,
    label: z.string().describe('Shown to the owner and passed on in resolve answers'),
    maskedKey: z.string().describe('At most the first and last four characters (the last two of a key shorter than 16); never the key'),
    enabled: z.boolean(),
    status: z.enum(KEY_STATUSES).describe('active keys are used by resolution; invalid: failed a test or reported unauthorized / over quota'),
    createdAt: dateTime,
    updatedAt: dateTime,
    expiresAt: dateTime.nullable().describe('After this instant the key is not used'),
    lastUsedAt: dateTime.nullable().describe('Last time resolution handed the key out'),
    lastTestedAt: dateTime.nullable(),
    testStatus: z.enum(TEST_STATUSES).nullable().describe('The verdict of the last test against the provider'),
    healthIssue: z.enum(HEALTH_ISSUES).nullable().describe('Set by an internal service report; cleared by a new secret or a passing test'),
    baseUrl: z.string().nullable().describe('Custom base URL (providers that need one)'),
  })
  .meta({
    id: 'KeyView',
    examples: [
      {
        id: EXAMPLE_KEY_ID,
        provider: 'openai',
        label: 'Personal',
        maskedKey: 'sk-p…x9Qz',
        enabled: true,
        status: 'active',
        createdAt: '2026-01-15T09:30:00.000Z',
        updatedAt: '2026-01-15T09:30:00.000Z',
        expiresAt: null,
        lastUsedAt: '2026-02-01T12:00:00.000Z',
        lastTestedAt: null,
        testStatus: null,
        healthIssue: null,
        baseUrl: null,
      },
    ],
  });

export const ownerKeys = z
  .object({
    tier: tier.optional().describe("The owner's tier (absent for a group)"),
    canAddKeys: z.boolean().describe('Whether the tier allows adding keys'),
    addKeysBlockedBy: z.enum(['tier']).nullable().describe('Why adding is not possible'),
    requiredTier: tier.describe('The lowest tier that may add keys'),
    maxKeysPerProvider: z.number().int(),
    providers: z.array(z.object({ provider: providerId, keys: z.array(keyView) })),
  })
  .meta({ id: 'OwnerKeys' });

export const keyList = z
  .object({
    keys: z.array(keyView),
    maxKeysPerProvider: z.number().int().describe("How many keys per provider the owner may hold: a user's tier limit, a team's the service's default"),
  })
  .meta({ id: 'KeyList' });

export const resolution = z
  .object({
    provider: providerId,
    model: z.string().optional().describe('The model asked for, when one was'),
    baseUrl: z.string().nullable().describe('Where to send the request (the provider default when null)'),
    apiKey: z.string().describe('The secret: this is the only response of the service that carries one'),
    source: z.enum(['user', 'group', 'system']).describe("Whose key: the user's own, a team key of one of their groups, or a platform key"),
    keyId: z.string().optional().describe('Report outcomes against this id'),
    label: z.string().optional(),
  })
  .meta({
    id: 'Resolution',
    examples: [{ provider: 'openai', model: 'gpt-4o', baseUrl: null, apiKey: 'sk-proj-…', source: 'user', keyId: EXAMPLE_KEY_ID, label: 'Personal' }],
  });

export const testResults = z
  .object({
    provider: providerId,
    results: z.array(z.object({ keyId: z.string(), status: z.enum(TEST_STATUSES), testedAt: dateTime })),
  })
  .meta({ id: 'TestResults' });

export const providers = z
  .object({
    providers: z.array(
      z.object({
        id: providerId,
        name: z.string(),
        keyHint: z.string().describe('What a key of this provider looks like'),
        requiresBaseUrl: z.boolean(),
        defaultBaseUrl: z.string().nullable(),
        testable: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'Providers' });

export const me = z
  .object({
    subject: z.string().describe('Token `sub`: the Keycloak user id (the `userId` internal services resolve for)'),
    username: z.string().nullable(),
    clientId: z.string().nullable().describe('Token `azp`'),
    roles: z.array(z.string()).describe('The byok-* realm roles of the token'),
  })
  .meta({ id: 'Me' });

const count = z.number().int().min(0);

const utcDate = z.iso.date().describe('A UTC date (YYYY-MM-DD)');
const dayFigures = {
  requests: count.describe('Serves of the key: every resolve that handed it out, each gateway attempt included'),
  inputTokens: count.describe('Input (prompt) tokens the provider reported for gateway requests'),
  outputTokens: count.describe('Output (completion) tokens the provider reported for gateway requests'),
};
const usageDay = z.object({ date: utcDate, ...dayFigures }).meta({ id: 'UsageDay' });
const providerUsageDay = z.object({ date: utcDate, provider: providerId, ...dayFigures }).meta({ id: 'ProviderUsageDay' });

/** Per provider of /byok/stats: the figures the usage charts are drawn from. */
const providerUsage = z
  .object({
    days: z.array(usageDay).describe("Summed over the provider's keys, ascending by date, only days with figures"),
    keys: z
      .array(z.object({ keyId: z.string(), label: z.string(), ...dayFigures, days: z.array(usageDay).describe('Ascending, only days with figures') }))
      .describe('Every readable key of the provider, with its totals over the kept days (USAGE_DAYS_KEPT)'),
  })
  .describe('Usage per UTC day over the last USAGE_DAYS_KEPT days (today included): stored plus not yet written figures')
  .meta({ id: 'ProviderUsage' });

export const keyStats = z
  .object({
    tier: tier.optional(),
    providers: z.array(
      z.object({
        provider: providerId,
        keys: count,
        unreadable: count.describe('Stored keys that cannot be decrypted (for example under a retired encryption key)'),
        enabled: count,
        active: count.describe('Keys resolution may hand out'),
        expired: count,
        lastTestedAt: dateTime.nullable(),
        testStatus: z.record(z.string(), count).describe('How many keys got each verdict at their last test'),
        lastUsedAt: dateTime.nullable(),
        uses: count.describe('Resolves that handed out one of these keys'),
        usage: providerUsage,
      }),
    ),
  })
  .meta({ id: 'KeyStats' });

export const adoptionStats = z
  .object({
    adoption: z.object({
      computedAt: dateTime.describe('When the realm was last walked (reused for a minute)'),
      users: count,
      usersWithKeys: count,
      keysByProvider: z.record(z.string(), count),
      tests: z.object({ tested: count, valid: count, successRate: z.number().min(0).max(1).nullable() }),
    }),
    resolvesBySource: z.object({ user: count, group: count, system: count }).describe('Since this instance started'),
    cache: z
      .object({ hits: count, misses: count, loads: count, staleServed: count, size: count, hitRatio: z.number().min(0).max(1).nullable() })
      .describe("This instance's owner cache"),
    usage: z
      .object({
        days: z
          .array(providerUsageDay)
          .describe("Users' and teams' keys, over the whole realm (taken with the adoption figures), ascending by date then provider"),
        system: z.array(providerUsageDay).describe('Platform keys: counted in memory by this instance since it started'),
      })
      .describe('Usage per UTC day and provider over the last USAGE_DAYS_KEPT days, only days with figures'),
  })
  .meta({ id: 'AdoptionStats' });

export const teamKeys = z
  .object({
    strict: z.boolean().describe("The caller's strict preference: while true, resolution serves none of these keys"),
    teams: z
      .array(
        z.object({
          id: z.string().describe('Keycloak group id'),
          name: z.string(),
          path: z.string().describe('Full path, e.g. /team-alpha or /org/team'),
          providers: z.array(z.object({ provider: providerId, keys: z.array(keyView) })).describe('Only providers with keys; empty for a group without keys'),
        }),
      )
      .describe("Every group the caller belongs to (directly), in the order resolution's team steps try them (by path)"),
  })
  .meta({ id: 'TeamKeys' });

export const userSummary = z
  .object({
    id: z.string().describe('Keycloak user id'),
    username: z.string(),
    email: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    enabled: z.boolean(),
    tier: tier.nullable().describe('The stored tier; null when the attribute is missing or unknown (counted as free)'),
    keyCount: count.describe('Key records stored on the user, whether or not they decrypt (nothing is decrypted to count them)'),
  })
  .meta({ id: 'UserSummary' });

export const userList = z.object({ users: z.array(userSummary) }).meta({ id: 'UserList' });

export const groupSummary = z
  .object({
    id: z.string().describe('Keycloak group id'),
    name: z.string(),
    path: z.string().describe('Full path, e.g. /team-alpha or /org/team'),
    keyCount: count.describe('Team key records stored on the group, whether or not they decrypt'),
  })
  .meta({ id: 'GroupSummary' });

export const groupList = z
  .object({
    groups: z.array(groupSummary).describe('By path'),
    truncated: z.boolean().describe('More groups match than were listed (narrow them with search)'),
  })
  .meta({ id: 'GroupList' });

export const preferences = z.object({ strict: z.boolean().describe('Only own keys: no team or platform fallback') }).meta({ id: 'Preferences' });
export const tierAnswer = z.object({ tier });
export const anyObject = z.object({}).catchall(z.unknown());
export const liveness = z.object({ status: z.literal('ok') });
export const readiness = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    reason: z.string().optional(),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
  })
  .meta({ id: 'Readiness' });
export const uiConfig = z.object({ keycloakUrl: z.string(), realm: z.string(), clientId: z.string() });

// ---------------------------------------------------------------------------------------------
// The schemas above and the domain's types may not drift: each check fails to compile when they do.

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SameKeys<A, B> = Same<keyof A, keyof B>;
const checks: [
  Same<z.infer<typeof keyView>, KeyView>,
  Same<z.infer<typeof resolution>, Resolution>,
  // OwnerKeys.tier is `Tier | undefined` in the domain, an optional field in JSON.
  [OwnerKeys] extends [z.infer<typeof ownerKeys>] ? true : false,
  SameKeys<z.infer<typeof ownerKeys>, OwnerKeys>,
  [Awaited<ReturnType<KeyService['stats']>>] extends [z.infer<typeof keyStats>] ? true : false,
  SameKeys<z.infer<typeof keyStats>['providers'][number], Awaited<ReturnType<KeyService['stats']>>['providers'][number]>,
  [Awaited<ReturnType<ReturnType<typeof createAdoptionStats>['get']>>] extends [z.infer<typeof adoptionStats>] ? true : false,
  SameKeys<z.infer<typeof adoptionStats>['cache'], Awaited<ReturnType<ReturnType<typeof createAdoptionStats>['get']>>['cache']>,
  SameKeys<z.infer<typeof providerUsage>['keys'][number], Awaited<ReturnType<KeyService['stats']>>['providers'][number]['usage']['keys'][number]>,
  SameKeys<z.infer<typeof providerUsageDay>, Awaited<ReturnType<ReturnType<typeof createAdoptionStats>['get']>>['usage']['days'][number]>,
  Same<z.infer<typeof teamKeys>, TeamKeys>,
  Same<z.infer<typeof userSummary>, UserSummary>,
  Same<z.infer<typeof groupSummary>, GroupSummary>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true];
void checks;
