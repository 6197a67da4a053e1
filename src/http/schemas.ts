/**
 * Request schemas (zod) for every body and parameter of the API. The endpoint table (endpoints/)
 * names them, so the OpenAPI document shows what the handlers parse; `parseBody` and the parsers
 * below turn failures into stable codes.
 */
import { MAX_COOLDOWN_SECONDS } from '../gateway/classify.js';
import { OWNER_ID_PATTERN } from '../vault/ports.js';
import { z } from 'zod';
import { isKeyId } from '../crypto/envelope.js';
import { AppError } from '../errors.js';
import { isProviderId, type ProviderId } from '../providers/registry.js';
import { MAX_BASE_URL_LENGTH } from '../providers/url-policy.js';
import type { NewKeyInput } from '../vault/key-service.js';
import { KEY_MAX_LENGTH, LABEL_MAX_LENGTH, LABEL_TEXT, REPORT_OUTCOMES, TIERS } from '../vault/rules.js';

// The rules themselves live in the domain (src/vault/rules.ts); these schemas only apply them.
export { LABEL_MAX_LENGTH, REPORT_OUTCOMES };

// Printable, well-formed text: labels are shown in the UI and passed on in resolve answers, where a
// lone surrogate ("\ud800", which JSON.parse lets through) breaks strict JSON parsers downstream.
const label = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(LABEL_MAX_LENGTH, `at most ${LABEL_MAX_LENGTH} characters`)
  .regex(LABEL_TEXT, 'must be well-formed Unicode without control characters');

// The key itself: the format check proper (per provider) happens in the vault.
const apiKey = z.string().min(1, 'must not be empty').max(KEY_MAX_LENGTH, `at most ${KEY_MAX_LENGTH} characters`);

const expiresAt = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time, e.g. 2027-01-31T00:00:00Z' });

// Providers are checked separately so that an unknown one gets UNKNOWN_PROVIDER, not a generic 400.
const MAX_PROVIDER_LENGTH = 64;
const provider = z.string().max(MAX_PROVIDER_LENGTH);

export const addKeyBody = z.strictObject({
  provider,
  apiKey,
  label: label.optional(),
  baseUrl: z.string().max(MAX_BASE_URL_LENGTH).optional(),
  expiresAt: expiresAt.nullable().optional(),
  keyId: z.string().max(64).optional(),
});

/**
 * The body of `POST /byok/keys/add` and `POST /admin/groups/{id}/keys`: a new key, or (with keyId)
 * the replacement of an existing key's secret.
 */
export function parseAddKey(body: unknown): { input: NewKeyInput; keyId: string | undefined } {
  const parsed = parseBody(addKeyBody, body);
  const input = { provider: parseProvider(parsed.provider), apiKey: parsed.apiKey, label: parsed.label, baseUrl: parsed.baseUrl, expiresAt: parsed.expiresAt };
  return { input, keyId: parsed.keyId === undefined ? undefined : parseKeyId(parsed.keyId) };
}

export const patchKeyBody = z
  .strictObject({
    label: label.optional(),
    enabled: z.boolean().optional(),
    expiresAt: expiresAt.nullable().optional(),
    apiKey: apiKey.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'name at least one of label, enabled, expiresAt, apiKey' });

export const preferencesBody = z.strictObject({ strict: z.boolean() });

export const tierBody = z.strictObject({ tier: z.enum(TIERS) });

/** Parses a JSON body; failures are 400 VALIDATION_FAILED with `details` per field (never the values). */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('VALIDATION_FAILED', { message: 'The request body must be a JSON object.' });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new AppError('VALIDATION_FAILED', {
      details: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  return parsed.data;
}

export function parseProvider(raw: unknown): ProviderId {
  if (!isProviderId(raw)) {
    throw new AppError('UNKNOWN_PROVIDER', {
      message: `Unknown provider${typeof raw === 'string' && raw.length <= 64 && /^[\w.-]*$/.test(raw) ? ` "${raw}"` : ''}; see GET /api/v1/byok/providers.`,
    });
  }
  return raw;
}

/** A key id that cannot exist is reported like a missing key. */
export function parseKeyId(raw: unknown): string {
  if (typeof raw !== 'string' || !isKeyId(raw)) throw new AppError('KEY_NOT_FOUND');
  return raw;
}

/** Keycloak ids (users and groups): UUIDs, or federated ids; anything else cannot exist. */
export function parseOwnerId(raw: unknown): string {
  if (typeof raw !== 'string' || !OWNER_ID_PATTERN.test(raw)) throw new AppError('OWNER_NOT_FOUND');
  return raw;
}

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const MAX_MODEL_LENGTH = 256;

// Internal services: a Keycloak user id, and a provider or a model.
const ownerId = z.string().regex(OWNER_ID_PATTERN, 'must be a Keycloak id');

export const resolveBody = z.strictObject({
  userId: ownerId,
  provider: provider.optional(),
  model: z.string().min(1).max(MAX_MODEL_LENGTH).regex(PRINTABLE_ASCII, 'must be printable ASCII without spaces').optional(),
  groupId: ownerId.optional(),
  allowSystemFallback: z.boolean().optional(),
});

/**
 * True only for a resolve body that `resolveBody` accepts as it is: a JSON object with `userId` and
 * nothing but the fields below, each of its type and within its limits. The endpoint's `quickBody`:
 * what it does not pass goes through the schema (tests/unit/quick-body.test.ts).
 */
export function isPlainResolveBody(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const body = raw as Record<string, unknown>;
  // Every own enumerable key (all a JSON object has) must be one of these, valid.
  for (const name in body) {
    const value = body[name];
    switch (name) {
      case 'userId':
      case 'groupId':
        if (typeof value !== 'string' || !OWNER_ID_PATTERN.test(value)) return false;
        break;
      case 'provider':
        if (typeof value !== 'string' || value.length > MAX_PROVIDER_LENGTH) return false;
        break;
      case 'model':
        if (typeof value !== 'string' || value.length > MAX_MODEL_LENGTH || !PRINTABLE_ASCII.test(value)) return false;
        break;
      case 'allowSystemFallback':
        if (typeof value !== 'boolean') return false;
        break;
      default:
        return false;
    }
  }
  return typeof body.userId === 'string';
}

export const reportBody = z.strictObject({
  userId: ownerId,
  provider,
  keyId: z.string().min(1).max(64),
  outcome: z.enum(REPORT_OUTCOMES),
  retryAfterSeconds: z.number().int().min(1).max(MAX_COOLDOWN_SECONDS).optional(),
});
