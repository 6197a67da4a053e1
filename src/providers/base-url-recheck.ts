/**
 * The URL policy check of a stored base URL, as resolution uses it: before a custom provider's key is
 * handed out with its base URL, the URL must still pass (DNS may point elsewhere since it was saved,
 * or the operator may have tightened the policy). The check can cost a DNS lookup, so its answer is
 * kept for `ttlMs` per URL (one check in flight per URL); resolution itself stays a cache read.
 */
import { LRUCache } from 'lru-cache';
import type { BaseUrlCheck } from './url-policy.js';

export interface BaseUrlRecheckOptions {
  check: (raw: string) => Promise<BaseUrlCheck>;
  ttlMs: number;
  max?: number;
}

export function createBaseUrlRecheck(options: BaseUrlRecheckOptions): (raw: string) => Promise<BaseUrlCheck> {
  const answers = new LRUCache<string, Promise<BaseUrlCheck>>({ max: options.max ?? 10_000, ttl: Math.max(1, options.ttlMs) });
  return (raw) => {
    let answer = answers.get(raw);
    if (answer === undefined) {
      answer = options.check(raw).catch((error: unknown) => {
        answers.delete(raw); // an unexpected failure is not an answer to keep
        throw error;
      });
      answers.set(raw, answer);
    }
    return answer;
  };
}
