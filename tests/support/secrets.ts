/**
 * API keys made for tests. Each is random and is recorded (in .data/test-logs/secrets-<pid>.txt) so
 * that the log scan, run after every other suite, can prove no log line of the service contains one.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';

export const LOG_DIR = new URL('../../.data/test-logs', import.meta.url).pathname;

const PREFIXES: Record<string, string> = {
  openai: 'sk-proj-',
  anthropic: 'sk-ant-api03-',
  google: 'AIza',
  groq: 'gsk_',
  openrouter: 'sk-or-v1-',
  xai: 'xai-',
  perplexity: 'pplx-',
  huggingface: 'hf_',
  deepseek: 'sk-',
};

/** A fresh key shaped like the provider's keys, `length` characters long. */
export function testApiKey(provider = 'openai', length = 48): string {
  const prefix = PREFIXES[provider] ?? '';
  const body = randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, Math.max(8, length - prefix.length));
  const key = `${prefix}${body}`;
  mkdirSync(LOG_DIR, { recursive: true });
  appendFileSync(`${LOG_DIR}/secrets-${process.pid}.txt`, `${key}\n`);
  return key;
}
