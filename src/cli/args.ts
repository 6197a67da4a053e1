/**
 * Argument parsing for the `byok` commands: node:util parseArgs in strict mode, with every mistake
 * (unknown option, missing value, wrong number of arguments, a bad value) turned into a UsageError,
 * which the command line answers with the message, a pointer to --help and exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT_OK = 0;
/** Something failed (values not rewrapped, keys not migrated, a check failed, Keycloak down, bad config). */
export const EXIT_FAILED = 1;
/** The command line itself was wrong. */
export const EXIT_USAGE = 2;
/** Stopped by Ctrl-C (SIGINT) or SIGTERM; rerunning resumes. */
export const EXIT_INTERRUPTED = 130;

export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose --help to point at. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` for `command` with its options (plus --help/-h, always accepted). `positionals` is the
 * names of the arguments it takes, all required.
 */
export function parseCommandArgs(command: string, argv: string[], options: Options, positionals: readonly string[] = []): ParsedArgs & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' messages name the option, never a value worth hiding; keep only their first line.
    throw new UsageError(String((error as Error).message).split('\n')[0] ?? 'bad arguments', command);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { values, positionals: parsed.positionals, help: true };
  if (parsed.positionals.length !== positionals.length) {
    const expected = positionals.length === 0 ? 'no arguments' : positionals.map((name) => `<${name}>`).join(' ');
    throw new UsageError(`${command} takes ${expected}, got ${parsed.positionals.length} argument${parsed.positionals.length === 1 ? '' : 's'}`, command);
  }
  return { values, positionals: parsed.positionals, help: false };
}

/** A whole number option within bounds. */
export function intOption(command: string, name: string, raw: string | boolean | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`, command);
  }
  return value;
}
