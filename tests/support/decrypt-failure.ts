/** For tests of what must not decrypt: the reason a DecryptError gives, and nothing else. */
import { DecryptError, type DecryptFailureReason } from '../../src/crypto/envelope.js';

/** Runs `fn` and returns the DecryptError reason it threw; fails the test if it returned or threw something else. */
export function failureOf(fn: () => unknown): DecryptFailureReason {
  try {
    fn();
  } catch (error) {
    if (error instanceof DecryptError) return error.reason;
    throw error;
  }
  throw new Error('expected a DecryptError, but the envelope opened');
}
