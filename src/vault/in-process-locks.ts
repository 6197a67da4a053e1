/**
 * Per-owner write locks for a single instance: a FIFO queue per owner, kept only while someone holds
 * or waits for it (so the map does not grow with the number of users). With REDIS_URL, a distributed
 * lock replaces this (docs/scale-out.md).
 */
import { ownerKey, type OwnerLocks, type OwnerRef } from './ports.js';

export function createInProcessLocks(): OwnerLocks & { held: () => number } {
  const tails = new Map<string, Promise<void>>();
  return {
    async withLock<T>(owner: OwnerRef, critical: () => Promise<T>): Promise<T> {
      const key = ownerKey(owner);
      const previous = tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const tail = previous.then(() => mine);
      tails.set(key, tail);
      await previous;
      try {
        return await critical();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    held: () => tails.size,
  };
}
