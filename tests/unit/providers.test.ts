import { checkKeyFormat, MAX_KEY_LENGTH } from '../../src/providers/key-format.js';
import {
  createProviderRegistry,
  PROVIDER_DEFINITIONS,
  PROVIDER_IDS,
  type ProviderId,
} from '../../src/providers/registry.js';

/** A plausible key for each provider, long enough to pass the length rule. */
const SAMPLE_KEYS: Record<ProviderId, string> = {
  openai: 'sk-proj-Abc123Def456Ghi789Jkl012Mno345',
  anthropic: 'sk-ant-api03-Abc123Def456Ghi789Jkl012Mno345-xyzAA',
  google: 'AIzaSyAbc123Def456Ghi789Jkl012Mno345Pq',
  groq: 'gsk_Abc123Def456Ghi789Jkl012Mno345Pqr678',
  mistral: 'Abc123Def456Ghi789Jkl012Mno345Pq',
  cohere: 'Abc123Def456Ghi789Jkl012Mno345Pqr678Stu9',
  together: 'tgp_v1_Abc123Def456Ghi789Jkl012Mno345Pqr678',
  perplexity: 'pplx-Abc123Def456Ghi789Jkl012Mno345Pqr678',
  huggingface: 'hf_Abc123Def456Ghi789Jkl012Mno345Pq',
  openrouter: 'sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef',
  deepseek: 'sk-0123456789abcdef0123456789abcdef',
  xai: 'xai-Abc123Def456Ghi789Jkl012Mno345Pqr678',
  meta: 'LLM|123456789|Abc123Def456Ghi789Jkl012Mno345',
  custom: 'any-gateway-key-123456',
};

describe('provider registry (docs/resolution.md#provider-and-model)', () => {
  const registry = createProviderRegistry();

  test('every provider of the spec has a complete entry, in PROVIDER_IDS order', () => {
    expect(registry.list().map((provider) => provider.id)).toEqual([...PROVIDER_IDS]);
    for (const provider of registry.list()) {
      expect(provider.name).not.toBe('');
      expect(provider.keyHint).not.toBe('');
      expect(provider.test.method).toBe('GET');
      expect(provider.test.path).toMatch(/^\/[a-z0-9/_-]+$/i);
      expect(['bearer', 'header']).toContain(provider.test.auth.kind);
      if (provider.requiresBaseUrl) {
        expect(provider.defaultBaseUrl).toBeUndefined();
      } else {
        expect(new URL(provider.defaultBaseUrl ?? '').protocol).toBe('https:');
        expect(provider.defaultBaseUrl).not.toMatch(/\/$/);
        expect(provider.baseUrl).toBe(provider.defaultBaseUrl);
      }
    }
    expect(registry.list().filter((provider) => provider.requiresBaseUrl).map((p) => p.id)).toEqual(['custom']);
  });

  test('every provider accepts its own sample key (the checks are not stricter than real keys)', () => {
    for (const id of PROVIDER_IDS) expect([id, checkKeyFormat(id, SAMPLE_KEYS[id])]).toEqual([id, { ok: true }]);
  });

  test('keys are sent the way each provider expects', () => {
    expect(registry.get('openai').test.auth).toEqual({ kind: 'bearer' });
    expect(registry.get('anthropic').test.auth).toEqual({ kind: 'header', name: 'x-api-key' });
    expect(registry.get('anthropic').test.headers).toHaveProperty('anthropic-version');
    expect(registry.get('google').test.auth).toEqual({ kind: 'header', name: 'x-goog-api-key' });
    expect(registry.get('meta').defaultBaseUrl).toBe('https://api.llama.com/v1');
  });

  test('a base URL override replaces both the inference base URL and the test endpoint', () => {
    const overridden = createProviderRegistry({
      baseUrlOverrides: { openai: 'http://127.0.0.1:9999/v1/', huggingface: 'http://127.0.0.1:9998' },
    });
    expect(overridden.get('openai').baseUrl).toBe('http://127.0.0.1:9999/v1');
    expect(overridden.get('openai').testBaseUrl).toBe('http://127.0.0.1:9999/v1');
    expect(overridden.get('huggingface').testBaseUrl).toBe('http://127.0.0.1:9998');
    // Without an override, Hugging Face tests on the Hub, not on the inference router.
    expect(registry.get('huggingface').testBaseUrl).toBe('https://huggingface.co');
    expect(overridden.get('anthropic').baseUrl).toBe('https://api.anthropic.com');
  });

  test('registries do not share state: an override in one is not seen by another', () => {
    createProviderRegistry({ baseUrlOverrides: { groq: 'http://127.0.0.1:1' } });
    expect(createProviderRegistry().get('groq').baseUrl).toBe('https://api.groq.com/openai/v1');
  });

  test('the definitions are frozen data', () => {
    expect(Object.isFrozen(PROVIDER_DEFINITIONS.openai)).toBe(true);
    expect(Object.isFrozen(PROVIDER_DEFINITIONS.openai.keyFormat.rejects)).toBe(true);
    expect(Object.isFrozen(registry.get('openai'))).toBe(true);
  });

  test('isProviderId accepts exactly the provider ids', () => {
    expect(PROVIDER_IDS.every((id) => registry.isProviderId(id))).toBe(true);
    for (const other of ['OpenAI', 'azure', '', 'constructor', '__proto__', 42, undefined]) {
      expect(registry.isProviderId(other)).toBe(false);
    }
  });
});

describe('model detection', () => {
  const registry = createProviderRegistry();

  test.each([
    ['gpt-4o', 'openai', 'gpt-4o'],
    ['gpt-4.1-mini', 'openai', 'gpt-4.1-mini'],
    ['o1', 'openai', 'o1'],
    ['o3-mini', 'openai', 'o3-mini'],
    ['o4-mini', 'openai', 'o4-mini'],
    ['chatgpt-4o-latest', 'openai', 'chatgpt-4o-latest'],
    ['text-embedding-3-small', 'openai', 'text-embedding-3-small'],
    ['claude-3-5-sonnet-20241022', 'anthropic', 'claude-3-5-sonnet-20241022'],
    ['claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5'],
    ['gemini-2.5-pro', 'google', 'gemini-2.5-pro'],
    ['mistral-large-latest', 'mistral', 'mistral-large-latest'],
    ['mixtral-8x7b', 'mistral', 'mixtral-8x7b'],
    ['codestral-latest', 'mistral', 'codestral-latest'],
    ['open-mistral-nemo', 'mistral', 'open-mistral-nemo'],
    ['command-r-plus', 'cohere', 'command-r-plus'],
    ['command-a-03-2025', 'cohere', 'command-a-03-2025'],
    ['sonar', 'perplexity', 'sonar'],
    ['sonar-pro', 'perplexity', 'sonar-pro'],
    ['deepseek-chat', 'deepseek', 'deepseek-chat'],
    ['deepseek-reasoner', 'deepseek', 'deepseek-reasoner'],
    ['grok-4', 'xai', 'grok-4'],
    ['llama-3.3-70b-instruct', 'meta', 'llama-3.3-70b-instruct'],
    ['Llama-4-Maverick-17B-128E-Instruct-FP8', 'meta', 'Llama-4-Maverick-17B-128E-Instruct-FP8'],
    // provider/model names the provider and passes the rest on unchanged
    ['openai/gpt-4o', 'openai', 'gpt-4o'],
    ['anthropic/claude-3-opus', 'anthropic', 'claude-3-opus'],
    ['groq/llama-3.1-8b-instant', 'groq', 'llama-3.1-8b-instant'],
    ['openrouter/meta-llama/llama-3.1-70b-instruct', 'openrouter', 'meta-llama/llama-3.1-70b-instruct'],
    ['together/meta-llama/Llama-3-70b-chat-hf', 'together', 'meta-llama/Llama-3-70b-chat-hf'],
    ['OpenAI/gpt-4o', 'openai', 'gpt-4o'],
    ['custom/my-model', 'custom', 'my-model'],
  ])('%s → %s / %s', (input, provider, model) => {
    expect(registry.detectModel(input)).toEqual({ provider, model });
  });

  test.each([
    'meta-llama/Llama-3', // org/model of a hosting platform: left to the fallback provider
    'deepseek-ai/DeepSeek-V3', // looks like deepseek-*, but is a Hugging Face / Together name
    'mistralai/Mixtral-8x7B-Instruct-v0.1',
    'openai/',
    '/gpt-4o',
    '',
    'my-finetune',
    'gpt4', // no dash: not OpenAI's naming
    'o', // not o<digit>
    'oracle-model',
    'sonarqube',
    'commander',
  ])('%j is not recognised', (input) => {
    expect(registry.detectModel(input)).toBeUndefined();
  });

  test('no model name in the table is claimed by two providers', () => {
    const samples = ['gpt-4o', 'o3', 'claude-3', 'gemini-2', 'mistral-small', 'command-r', 'sonar'];
    samples.push('deepseek-chat', 'grok-3', 'llama-3');
    for (const sample of samples) {
      const claimants = registry.list().filter((p) => p.modelPatterns.some((pattern) => pattern.test(sample)));
      expect([sample, claimants.length]).toEqual([sample, 1]);
    }
  });
});

describe('key format checks', () => {
  test('an sk-ant- key is rejected under openai and accepted under anthropic', () => {
    const key = SAMPLE_KEYS.anthropic;
    const underOpenai = checkKeyFormat('openai', key);
    expect(underOpenai.ok).toBe(false);
    expect(underOpenai.ok ? '' : underOpenai.reason).toMatch(/Anthropic/);
    expect(checkKeyFormat('anthropic', key)).toEqual({ ok: true });
  });

  test('an sk-or- key is rejected under openai and deepseek, accepted under openrouter', () => {
    const key = SAMPLE_KEYS.openrouter;
    expect(checkKeyFormat('openai', key).ok).toBe(false);
    expect(checkKeyFormat('deepseek', key).ok).toBe(false);
    expect(checkKeyFormat('openrouter', key)).toEqual({ ok: true });
  });

  test('every distinctive key is rejected under every other provider except custom', () => {
    const distinctive: ProviderId[] = ['anthropic', 'openrouter', 'groq', 'xai', 'perplexity', 'huggingface', 'google'];
    for (const owner of distinctive) {
      for (const other of PROVIDER_IDS) {
        if (other === owner) continue;
        const expected = other === 'custom';
        expect([owner, other, checkKeyFormat(other, SAMPLE_KEYS[owner]).ok]).toEqual([owner, other, expected]);
      }
    }
  });

  test('providers without a fixed prefix stay lenient', () => {
    for (const id of ['mistral', 'cohere', 'together', 'meta', 'custom'] as const) {
      expect(checkKeyFormat(id, 'Zq9xY8wV7uT6sR5qP4oN3mL2')).toEqual({ ok: true });
    }
  });

  test('a key missing its provider prefix is rejected with the expected prefix', () => {
    const result = checkKeyFormat('anthropic', 'api03-Abc123Def456Ghi789');
    expect(result.ok ? '' : result.reason).toContain('sk-ant-');
  });

  test('nothing is trimmed silently: surrounding whitespace is rejected', () => {
    for (const key of [` ${SAMPLE_KEYS.openai}`, `${SAMPLE_KEYS.openai}\n`, `${SAMPLE_KEYS.openai}\t`]) {
      expect(checkKeyFormat('openai', key).ok).toBe(false);
    }
  });

  test('spaces, control characters and non-ASCII inside the key are rejected', () => {
    const keys = ['sk-abc def123456', 'sk-abc\u0000def123456', 'sk-abc\u007fdef123456'];
    keys.push('sk-abcdéf123456', 'sk-abc\u200bdef1234');
    for (const key of keys) {
      expect([JSON.stringify(key), checkKeyFormat('openai', key).ok]).toEqual([JSON.stringify(key), false]);
    }
  });

  test('length must be 8 to 512', () => {
    expect(checkKeyFormat('custom', 'a'.repeat(7)).ok).toBe(false);
    expect(checkKeyFormat('custom', 'a'.repeat(8)).ok).toBe(true);
    expect(checkKeyFormat('custom', 'a'.repeat(MAX_KEY_LENGTH)).ok).toBe(true);
    expect(checkKeyFormat('custom', 'a'.repeat(MAX_KEY_LENGTH + 1)).ok).toBe(false);
  });

  test('reasons never contain the key', () => {
    const attempts: Array<[ProviderId, string]> = [
      ['openai', SAMPLE_KEYS.anthropic],
      ['openai', SAMPLE_KEYS.openrouter],
      ['anthropic', 'Zq9xY8wV7uT6sR5qP4oN3mL2'],
      ['google', 'sk-Zq9xY8wV7uT6sR5qP4oN3mL2'],
      ['openai', ' sk-Zq9xY8wV7uT6sR5qP4oN3mL2'],
      ['openai', 'sk-Zq9xY8wV7 uT6sR5qP4oN3mL2'],
      ['custom', 'Zq9xY8w'],
      ['custom', `Zq9xY8wV${'x'.repeat(600)}`],
    ];
    for (const [provider, key] of attempts) {
      const result = checkKeyFormat(provider, key);
      expect(result.ok).toBe(false);
      const reason = result.ok ? '' : result.reason;
      expect(reason).not.toContain(key.trim());
      // nor a recognisable piece of it beyond a well-known prefix
      expect(reason).not.toContain('Zq9xY8w');
    }
  });
});
