/**
 * "Use from code": the gateway's base URL of a provider and ready-to-copy calls through it, with the
 * provider's official SDK (Node) and with curl (docs/gateway.md#quickstart). The credential is never in
 * them: the code reads the caller's token from the BYOK_TOKEN environment variable.
 *
 * Which SDK a provider needs is the one thing here that depends on the provider's id: Anthropic,
 * Google and Cohere have SDKs of their own, every other provider (custom ones included) speaks the
 * OpenAI API, so the OpenAI SDK with the gateway's base URL is its official way in.
 * No imports and no DOM: unit-tested under Node (tests/unit/ui-snippets.test.ts).
 */

/** Where every snippet takes the token from. */
export const TOKEN_VARIABLE = 'BYOK_TOKEN';

export interface CodeSample {
  /** What it is, for the heading and the copy button ("Node.js (openai)", "curl"). */
  title: string;
  /** The install command, when the sample needs a package. */
  install?: string;
  code: string;
}

export interface GatewayUse {
  baseUrl: string;
  sdk: CodeSample;
  curl: CodeSample;
}

type Family = 'openai' | 'anthropic' | 'google' | 'cohere';

const FAMILY: Record<string, Family> = { anthropic: 'anthropic', google: 'google', cohere: 'cohere' };

/** A model name to start from, per provider (any model the key may use works). */
const EXAMPLE_MODEL: Record<string, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
  google: 'gemini-2.5-flash',
  groq: 'llama-3.3-70b-versatile',
  mistral: 'mistral-small-latest',
  cohere: 'command-a-03-2025',
  together: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  perplexity: 'sonar',
  huggingface: 'meta-llama/Llama-3.1-8B-Instruct',
  openrouter: 'openai/gpt-4o-mini',
  deepseek: 'deepseek-chat',
  xai: 'grok-3-mini',
  meta: 'Llama-4-Maverick-17B-128E-Instruct-FP8',
};
const ANY_MODEL = 'your-model';

/** The gateway's base URL of a provider: what its SDK takes as base URL (docs/gateway.md). */
export function gatewayBaseUrl(origin: string, providerId: string): string {
  return `${origin.replace(/\/+$/, '')}/api/v1/proxy/${encodeURIComponent(providerId)}`;
}

const ENV = `process.env.${TOKEN_VARIABLE}`;
const HELLO = "[{ role: 'user', content: 'Hello' }]";

function sdkSample(family: Family, baseUrl: string, model: string): CodeSample {
  switch (family) {
    case 'anthropic':
      return {
        title: 'Node.js (@anthropic-ai/sdk)',
        install: 'npm install @anthropic-ai/sdk',
        code: [
          "import Anthropic from '@anthropic-ai/sdk';",
          '',
          'const client = new Anthropic({',
          `  baseURL: '${baseUrl}',`,
          `  apiKey: ${ENV}, // your access token, not a provider key`,
          '});',
          'const message = await client.messages.create({',
          `  model: '${model}',`,
          '  max_tokens: 256,',
          `  messages: ${HELLO},`,
          '});',
          'console.log(message.content[0].text);',
        ].join('\n'),
      };
    case 'google':
      return {
        title: 'Node.js (@google/genai)',
        install: 'npm install @google/genai',
        code: [
          "import { GoogleGenAI } from '@google/genai';",
          '',
          'const ai = new GoogleGenAI({',
          `  apiKey: ${ENV}, // your access token, not a provider key`,
          `  httpOptions: { baseUrl: '${baseUrl}' },`,
          '});',
          `const response = await ai.models.generateContent({ model: '${model}', contents: 'Hello' });`,
          'console.log(response.text);',
        ].join('\n'),
      };
    case 'cohere':
      return {
        title: 'Node.js (cohere-ai)',
        install: 'npm install cohere-ai',
        code: [
          "import { CohereClientV2 } from 'cohere-ai';",
          '',
          'const cohere = new CohereClientV2({',
          `  token: ${ENV}, // your access token, not a provider key`,
          `  environment: '${baseUrl}',`,
          '});',
          `const response = await cohere.chat({ model: '${model}', messages: ${HELLO} });`,
          'console.log(response.message.content?.[0]?.text);',
        ].join('\n'),
      };
    case 'openai':
      return {
        title: 'Node.js (openai)',
        install: 'npm install openai',
        code: [
          "import OpenAI from 'openai';",
          '',
          'const client = new OpenAI({',
          `  baseURL: '${baseUrl}',`,
          `  apiKey: ${ENV}, // your access token, not a provider key`,
          '});',
          'const reply = await client.chat.completions.create({',
          `  model: '${model}',`,
          `  messages: ${HELLO},`,
          '});',
          'console.log(reply.choices[0].message.content);',
        ].join('\n'),
      };
  }
}

function curlSample(family: Family, baseUrl: string, model: string): CodeSample {
  const token = `$${TOKEN_VARIABLE}`;
  const json = "-H 'Content-Type: application/json'";
  const lines: string[] = (() => {
    switch (family) {
      case 'anthropic':
        return [
          `curl ${baseUrl}/v1/messages`,
          `-H "x-api-key: ${token}"`,
          "-H 'anthropic-version: 2023-06-01'",
          json,
          `-d '{"model":"${model}","max_tokens":256,"messages":[{"role":"user","content":"Hello"}]}'`,
        ];
      case 'google':
        return [`curl '${baseUrl}/v1beta/models/${model}:generateContent'`, `-H "x-goog-api-key: ${token}"`, json, `-d '{"contents":[{"parts":[{"text":"Hello"}]}]}'`];
      case 'cohere':
        return [`curl ${baseUrl}/v2/chat`, `-H "Authorization: Bearer ${token}"`, json, `-d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'`];
      case 'openai':
        return [`curl ${baseUrl}/chat/completions`, `-H "Authorization: Bearer ${token}"`, json, `-d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'`];
    }
  })();
  return { title: 'curl', code: lines.join(' \\\n  ') };
}

/** The base URL and the two samples for `providerId`, served by the gateway at `origin`. */
export function gatewayUse(origin: string, providerId: string): GatewayUse {
  const baseUrl = gatewayBaseUrl(origin, providerId);
  const family = FAMILY[providerId] ?? 'openai';
  const model = EXAMPLE_MODEL[providerId] ?? ANY_MODEL;
  return { baseUrl, sdk: sdkSample(family, baseUrl, model), curl: curlSample(family, baseUrl, model) };
}
