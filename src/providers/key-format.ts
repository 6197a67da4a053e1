/**
 * Format checks for an API key before it is stored (docs/resolution.md#provider-and-model). Nothing is trimmed or repaired silently:
 * a key that differs from what the user will later see in the provider's console is a support
 * ticket waiting to happen, and a stray newline would break the HTTP header the key is sent in.
 *
 * Reasons quote the rule that failed and this service's own data (a prefix, a provider name, a
 * length bound), never the key or any part of it: they end up in responses and logs.
 */
import { KEY_MAX_LENGTH, KEY_MIN_LENGTH } from '../vault/rules.js';
import { PROVIDER_DEFINITIONS, type ProviderId } from './registry.js';

/** The bounds are the domain's (src/vault/rules.ts); named here too for the format checks' callers. */
export const MIN_KEY_LENGTH = KEY_MIN_LENGTH;
export const MAX_KEY_LENGTH = KEY_MAX_LENGTH;

export type KeyFormatResult = { ok: true } | { ok: false; reason: string };

/** Visible ASCII only: what an HTTP header value can carry without encoding, and what keys are made of. */
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
const EDGE_WHITESPACE = /^\s|\s$/;

export function checkKeyFormat(provider: ProviderId, apiKey: string): KeyFormatResult {
  const definition = PROVIDER_DEFINITIONS[provider];
  if (EDGE_WHITESPACE.test(apiKey)) {
    return { ok: false, reason: 'The key starts or ends with whitespace; paste it without spaces or line breaks.' };
  }
  if (!VISIBLE_ASCII.test(apiKey)) {
    return {
      ok: false,
      reason: 'The key contains spaces, control characters or non-ASCII characters; API keys never do.',
    };
  }
  if (apiKey.length < MIN_KEY_LENGTH || apiKey.length > MAX_KEY_LENGTH) {
    return {
      ok: false,
      reason: `The key is ${apiKey.length} characters long; expected ${MIN_KEY_LENGTH} to ${MAX_KEY_LENGTH}.`,
    };
  }
  const foreign = definition.keyFormat.rejects.find((entry) => apiKey.startsWith(entry.prefix));
  if (foreign !== undefined) {
    const owner = PROVIDER_DEFINITIONS[foreign.provider].name;
    return {
      ok: false,
      reason: `This looks like an API key of ${owner} (it starts with ${foreign.prefix}), not of ${definition.name}.`,
    };
  }
  const { prefixes } = definition.keyFormat;
  if (prefixes.length > 0 && !prefixes.some((prefix) => apiKey.startsWith(prefix))) {
    return { ok: false, reason: `${definition.name} keys start with ${prefixes.join(' or ')}.` };
  }
  return { ok: true };
}
