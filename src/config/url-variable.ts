/** A zod schema for an environment variable holding a URL of the given schemes, trailing slashes dropped. */
import { z } from 'zod';

export function urlVariable(name: string, options: { protocols: readonly string[]; kind: string; example: string; plain?: boolean }) {
  return z
    .string({ error: `${name} is required (e.g. ${options.example})` })
    .trim()
    .min(1, `${name} is required (e.g. ${options.example})`)
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          return options.protocols.includes(url.protocol) && (!options.plain || (url.search === '' && url.hash === ''));
        } catch {
          return false;
        }
      },
      `${name} must be ${options.kind}${options.plain ? ' without query or fragment' : ''} (e.g. ${options.example})`,
    )
    .transform((value) => value.replace(/\/+$/, ''));
}
