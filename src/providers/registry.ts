/**
 * The provider registry (docs/resolution.md#provider-and-model): everything that differs between AI providers is data in this file —
 * base URL, key shape, how a key is tested, which model names belong to whom. Code elsewhere reads
 * these entries and never branches on a provider id, so adding a provider is adding one entry.
 *
 * Base URLs follow each provider's official SDK: the value is what that SDK takes as its `baseURL`
 * (with `/v1` for the OpenAI-compatible APIs, without a version for Anthropic, Google and Cohere,
 * whose SDKs add it). Internal services receive it from `/internal/resolve` and hand it to the SDK.
 */

export const PROVIDER_IDS = [
  'openai',
  'anthropic',
  'google',
  'groq',
  'mistral',
  'cohere',
  'together',
  'perplexity',
  'huggingface',
  'openrouter',
  'deepseek',
  'xai',
  'meta',
  'custom',
] as const;

export type ProviderId = (typeof PROVIDER_IDS)[number];

/** How the key travels in the test request (and in real requests of the provider's SDK). */
export type KeyTransport =
  | { kind: 'bearer' }
  /** A named header carrying the bare key (`x-api-key`, `x-goog-api-key`). */
  | { kind: 'header'; name: string };

/**
 * Where a caller's SDK may put its key besides the provider's own transport (the gateway reads the
 * caller's credential from there, and strips every such place before forwarding): Anthropic's SDK
 * sends `Authorization: Bearer` when given `authToken`; Google's older SDKs and curl examples use `?key=`.
 */
export type CallerKeyLocation = KeyTransport | { kind: 'query'; name: string };

/** The header that carries `apiKey` over `transport`: the one place that spells the scheme out. */
export function keyHeaderOf(transport: KeyTransport, apiKey: string): { readonly name: string; readonly value: string } {
  return transport.kind === 'bearer' ? { name: 'authorization', value: `Bearer ${apiKey}` } : { name: transport.name, value: apiKey };
}

/**
 * How a provider reports token usage (the gateway's usage meters): `openai` for the OpenAI-compatible
 * APIs (`usage` in the body and in the last SSE chunk), `anthropic` (`message_start`/`message_delta`),
 * `google` (`usageMetadata`), `none` where no meter exists yet (requests are still counted).
 */
export type UsageFormat = 'openai' | 'anthropic' | 'google' | 'none';

/**
 * A cheap authenticated request that proves a key works without spending tokens: every one is a
 * read of account or model metadata, never a completion.
 */
export interface TestRequest {
  readonly method: 'GET';
  /** Appended to the base URL (which may itself carry a path such as `/v1`). */
  readonly path: string;
  readonly auth: KeyTransport;
  /** Fixed extra headers the API insists on (e.g. `anthropic-version`). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Where the test goes when that is not the inference base URL (Hugging Face checks tokens on the
   * Hub; its inference router lists models without authentication, so it cannot tell keys apart).
   * A configured override or a key's own base URL replaces this too.
   */
  readonly baseUrl?: string;
}

/**
 * A soft format check: lenient where a provider has no fixed prefix, but it catches the common
 * mistake of pasting one provider's key under another (an `sk-ant-` key saved as OpenAI).
 */
export interface KeyFormat {
  /** The key must start with one of these (case-sensitive). Empty: any prefix is fine. */
  readonly prefixes: readonly string[];
  /** Prefixes that identify another provider's key; checked before `prefixes`. */
  readonly rejects: readonly { readonly prefix: string; readonly provider: ProviderId }[];
}

export interface ProviderDefinition {
  readonly id: ProviderId;
  readonly name: string;
  /** Undefined only for `custom`, whose keys carry their own base URL. */
  readonly defaultBaseUrl: string | undefined;
  readonly requiresBaseUrl: boolean;
  /** Shown in the UI next to the key field, e.g. "sk-…". */
  readonly keyHint: string;
  readonly keyFormat: KeyFormat;
  readonly test: TestRequest;
  /** Whole-name patterns (case-insensitive) of the provider's own model names. */
  readonly modelPatterns: readonly RegExp[];
  /**
   * Places other than `test.auth` where the provider's SDKs put the key (see CallerKeyLocation).
   * `test.auth` is both where the key is sent upstream and the first place a caller's key is read from.
   */
  readonly otherCallerKeyLocations: readonly CallerKeyLocation[];
  readonly usageFormat: UsageFormat;
}

/** A definition with this deployment's base URL overrides applied. */
export interface ProviderDescriptor extends ProviderDefinition {
  /** The override if one is configured, else the default (undefined for `custom`). */
  readonly baseUrl: string | undefined;
  /** Where the test request is sent, unless a key brings its own base URL. */
  readonly testBaseUrl: string | undefined;
}

/**
 * Prefixes only one provider issues. Every provider except `custom` rejects the others' prefixes:
 * OpenAI and DeepSeek both issue `sk-` keys, so `sk-ant-` and `sk-or-` must be rejected explicitly.
 * `custom` rejects nothing: a self-hosted gateway may well be fronting any of these.
 */
const DISTINCTIVE_PREFIXES: readonly { prefix: string; provider: ProviderId }[] = [
  { prefix: 'sk-ant-', provider: 'anthropic' },
  { prefix: 'sk-or-', provider: 'openrouter' },
  { prefix: 'gsk_', provider: 'groq' },
  { prefix: 'xai-', provider: 'xai' },
  { prefix: 'pplx-', provider: 'perplexity' },
  { prefix: 'hf_', provider: 'huggingface' },
  { prefix: 'AIza', provider: 'google' },
];

function keyFormat(self: ProviderId, prefixes: readonly string[]): KeyFormat {
  return { prefixes, rejects: DISTINCTIVE_PREFIXES.filter((entry) => entry.provider !== self) };
}

const BEARER: KeyTransport = { kind: 'bearer' };
const LIST_MODELS_BEARER: TestRequest = { method: 'GET', path: '/models', auth: BEARER, headers: {} };

const DEFINITIONS: readonly ProviderDefinition[] = [
  {
    id: 'openai',
    name: 'OpenAI',
    defaultBaseUrl: 'https://api.openai.com/v1',
    requiresBaseUrl: false,
    keyHint: 'sk-…',
    // sk-proj-, sk-svcacct-, sk-admin- and legacy sk- keys all start with sk-.
    keyFormat: keyFormat('openai', ['sk-']),
    test: LIST_MODELS_BEARER,
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [
      /^gpt-/i,
      /^o\d+(?:-|$)/i,
      /^chatgpt-/i,
      /^codex-/i,
      /^text-embedding-/i,
      /^omni-moderation-/i,
      /^dall-e-/i,
      /^whisper-/i,
      /^tts-/i,
      /^(?:davinci|babbage)-\d/i,
    ],
  },
  {
    id: 'anthropic',
    name: 'Anthropic',
    defaultBaseUrl: 'https://api.anthropic.com',
    requiresBaseUrl: false,
    keyHint: 'sk-ant-…',
    keyFormat: keyFormat('anthropic', ['sk-ant-']),
    test: {
      method: 'GET',
      path: '/v1/models',
      auth: { kind: 'header', name: 'x-api-key' },
      headers: { 'anthropic-version': '2023-06-01' },
    },
    otherCallerKeyLocations: [{ kind: 'bearer' }],
    usageFormat: 'anthropic',
    modelPatterns: [/^claude-/i],
  },
  {
    id: 'google',
    name: 'Google Gemini',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com',
    requiresBaseUrl: false,
    keyHint: 'AIza…',
    keyFormat: keyFormat('google', ['AIza']),
    // The API also accepts `?key=`, but a key in a query string ends up in proxy and access logs.
    // Google answers an unknown key with 400 API_KEY_INVALID, which the tester counts as invalid.
    test: { method: 'GET', path: '/v1beta/models', auth: { kind: 'header', name: 'x-goog-api-key' }, headers: {} },
    otherCallerKeyLocations: [{ kind: 'query', name: 'key' }],
    usageFormat: 'google',
    modelPatterns: [/^gemini-/i, /^gemma-/i, /^imagen-/i],
  },
  {
    id: 'groq',
    name: 'Groq',
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    requiresBaseUrl: false,
    keyHint: 'gsk_…',
    keyFormat: keyFormat('groq', ['gsk_']),
    test: LIST_MODELS_BEARER,
    // Groq serves other vendors' models under their names; only `groq/<model>` selects it.
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [],
  },
  {
    id: 'mistral',
    name: 'Mistral AI',
    defaultBaseUrl: 'https://api.mistral.ai/v1',
    requiresBaseUrl: false,
    keyHint: '32 letters and digits',
    keyFormat: keyFormat('mistral', []),
    test: LIST_MODELS_BEARER,
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [
      /^(?:open-)?(?:mistral|mixtral|codestral|pixtral|ministral|magistral|devstral|voxtral)(?:-|$)/i,
    ],
  },
  {
    id: 'cohere',
    name: 'Cohere',
    defaultBaseUrl: 'https://api.cohere.com',
    requiresBaseUrl: false,
    keyHint: '40 letters and digits',
    keyFormat: keyFormat('cohere', []),
    // The model list only exists in the v1 API; the key is the same for v1 and v2.
    test: { method: 'GET', path: '/v1/models', auth: BEARER, headers: {} },
    otherCallerKeyLocations: [],
    usageFormat: 'none',
    modelPatterns: [/^command(?:-|$)/i, /^c4ai-/i, /^embed-(?:english|multilingual|v\d)/i, /^rerank-/i],
  },
  {
    id: 'together',
    name: 'Together AI',
    defaultBaseUrl: 'https://api.together.xyz/v1',
    requiresBaseUrl: false,
    keyHint: 'tgp_v1_… or 64 hex digits',
    keyFormat: keyFormat('together', []),
    test: LIST_MODELS_BEARER,
    // Together names models `org/model`; those go to the fallback provider unless prefixed together/.
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [],
  },
  {
    id: 'perplexity',
    name: 'Perplexity',
    defaultBaseUrl: 'https://api.perplexity.ai',
    requiresBaseUrl: false,
    keyHint: 'pplx-…',
    keyFormat: keyFormat('perplexity', ['pplx-']),
    // Perplexity's model list does not require authentication, so it cannot tell keys apart; the
    // list of the account's async requests does, and costs nothing.
    test: { method: 'GET', path: '/async/chat/completions', auth: BEARER, headers: {} },
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [/^sonar(?:-|$)/i, /^r1-1776$/i],
  },
  {
    id: 'huggingface',
    name: 'Hugging Face',
    defaultBaseUrl: 'https://router.huggingface.co/v1',
    requiresBaseUrl: false,
    keyHint: 'hf_…',
    keyFormat: keyFormat('huggingface', ['hf_']),
    test: { method: 'GET', path: '/api/whoami-v2', auth: BEARER, headers: {}, baseUrl: 'https://huggingface.co' },
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [],
  },
  {
    id: 'openrouter',
    name: 'OpenRouter',
    defaultBaseUrl: 'https://openrouter.ai/api/v1',
    requiresBaseUrl: false,
    keyHint: 'sk-or-v1-…',
    keyFormat: keyFormat('openrouter', ['sk-or-']),
    // Describes the calling key (limits, usage); 401 for an unknown key.
    test: { method: 'GET', path: '/key', auth: BEARER, headers: {} },
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [],
  },
  {
    id: 'deepseek',
    name: 'DeepSeek',
    defaultBaseUrl: 'https://api.deepseek.com',
    requiresBaseUrl: false,
    keyHint: 'sk-…',
    keyFormat: keyFormat('deepseek', ['sk-']),
    test: LIST_MODELS_BEARER,
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [/^deepseek-/i],
  },
  {
    id: 'xai',
    name: 'xAI',
    defaultBaseUrl: 'https://api.x.ai/v1',
    requiresBaseUrl: false,
    keyHint: 'xai-…',
    keyFormat: keyFormat('xai', ['xai-']),
    test: LIST_MODELS_BEARER,
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [/^grok(?:-|$)/i],
  },
  {
    id: 'meta',
    name: 'Meta Llama API',
    defaultBaseUrl: 'https://api.llama.com/v1',
    requiresBaseUrl: false,
    keyHint: 'LLM|…',
    keyFormat: keyFormat('meta', []),
    test: LIST_MODELS_BEARER,
    // The Llama API names models `Llama-4-…`, plus accelerated variants `cerebras-llama-…`/`groq-llama-…`.
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [/^llama-/i, /^(?:cerebras|groq)-llama-/i],
  },
  {
    id: 'custom',
    name: 'Custom (OpenAI-compatible)',
    defaultBaseUrl: undefined,
    requiresBaseUrl: true,
    keyHint: 'any key your endpoint accepts',
    keyFormat: { prefixes: [], rejects: [] },
    test: LIST_MODELS_BEARER,
    otherCallerKeyLocations: [],
    usageFormat: 'openai',
    modelPatterns: [],
  },
];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof RegExp) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The static definitions by id (no overrides applied). Frozen: this is data, not state. */
export const PROVIDER_DEFINITIONS: Readonly<Record<ProviderId, ProviderDefinition>> = deepFreeze(
  Object.fromEntries(DEFINITIONS.map((definition) => [definition.id, definition])) as Record<
    ProviderId,
    ProviderDefinition
  >,
);

export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && (PROVIDER_IDS as readonly string[]).includes(value);
}

export interface ProviderRegistryOptions {
  /**
   * Per-provider base URL replacing the default and the test endpoint (tests point these at a local
   * fake provider; operators at a corporate egress proxy). Validated by config, not here; operator
   * input, so not subject to the URL policy applied to users' base URLs.
   */
  baseUrlOverrides?: Partial<Record<ProviderId, string>>;
}

export interface DetectedModel {
  provider: ProviderId;
  model: string;
}

export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;

export function createProviderRegistry(options: ProviderRegistryOptions = {}) {
  const overrides = options.baseUrlOverrides ?? {};
  const descriptors = PROVIDER_IDS.map((id): ProviderDescriptor => {
    const definition = PROVIDER_DEFINITIONS[id];
    const override = overrides[id]?.replace(/\/+$/, '');
    return Object.freeze({
      ...definition,
      baseUrl: override ?? definition.defaultBaseUrl,
      testBaseUrl: override ?? definition.test.baseUrl ?? definition.defaultBaseUrl,
    });
  });
  const byId = new Map(descriptors.map((descriptor) => [descriptor.id, descriptor]));

  function get(id: ProviderId): ProviderDescriptor {
    const descriptor = byId.get(id);
    // Unreachable for a ProviderId; guards callers that cast unchecked input.
    if (descriptor === undefined) throw new TypeError(`unknown provider id "${String(id)}"`);
    return descriptor;
  }

  /**
   * `provider/model` names its provider (the prefix is matched case-insensitively, the model is
   * passed on as written). A slash with an unknown prefix (`meta-llama/Llama-3`) is the `org/model`
   * naming of hosting platforms such as OpenRouter, Together and Hugging Face, not a vendor's own
   * name, so it is not pattern-matched: it is undefined here and goes to the fallback provider.
   */
  // Services ask about the same few model names all day: remember the answers (bounded).
  const detected = new Map<string, DetectedModel | undefined>();
  function detectModel(model: string): DetectedModel | undefined {
    if (detected.has(model)) return detected.get(model);
    const answer = detectModelUncached(model);
    if (detected.size >= 10_000) detected.clear();
    detected.set(model, answer);
    return answer;
  }

  function detectModelUncached(model: string): DetectedModel | undefined {
    if (model === '') return undefined;
    const slash = model.indexOf('/');
    if (slash >= 0) {
      const prefix = model.slice(0, slash).toLowerCase();
      const rest = model.slice(slash + 1);
      return isProviderId(prefix) && rest !== '' ? { provider: prefix, model: rest } : undefined;
    }
    const match = descriptors.find((descriptor) => descriptor.modelPatterns.some((pattern) => pattern.test(model)));
    return match === undefined ? undefined : { provider: match.id, model };
  }

  return {
    list: (): readonly ProviderDescriptor[] => descriptors,
    get,
    isProviderId,
    detectModel,
  };
}
