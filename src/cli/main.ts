#!/usr/bin/env node
/**
 * The `byok` command line (docs/operations.md): thin commands over the same modules the service uses.
 * Exit codes: 0 done, 1 failed (or completed with problems), 2 usage error, 130 interrupted.
 * Reports go to stdout, progress to stderr; neither ever carries key material.
 */
import { ConfigError } from '../config/config.js';
import { EnvFileError, withEnvFile } from '../config/env-file.js';
import { AppError } from '../errors.js';
import { isTier, TIERS } from '../vault/tiers.js';
import { EXIT_FAILED, EXIT_USAGE, intOption, parseCommandArgs, UsageError } from './args.js';
import { bootstrapRealm, bootstrapRealmHelp } from './bootstrap-realm.js';
import { createInternalClient, createInternalClientHelp } from './create-internal-client.js';
import { withCliContext } from './context.js';
import { doctor, doctorHelp } from './doctor.js';
import { indexHolders, indexHoldersHelp, indexHoldersOptions } from './index-holders.js';
import { migrateLegacy, migrateLegacyHelp, migrateLegacyOptions } from './migrate-legacy.js';
import { rewrap, rewrapHelp, rewrapOptions } from './rewrap.js';
import { setTier, setTierHelp, setTierOptions } from './set-tier.js';
import { stats, statsHelp, statsOptions } from './stats.js';

export const usage = `byok [--env-file FILE] <command> [options]

Commands:
  doctor            check configuration, Keycloak, the service account and the realm policy
  bootstrap-realm   create the realm, roles and clients (idempotent); --dev adds the dev users
  rewrap            re-encrypt every stored key under the active KEK (resumable, --dry-run)
  create-internal-client <clientId>
                    a client for an internal service: role byok-internal, audience, secret once
  migrate-legacy    move the old Python ops center's keys into byok-vault records
  index-holders     mark every key holder, so realm walks visit holders only (idempotent)
  stats             keys, owners, tiers and KEK versions across the realm
  set-tier          set a user's subscription tier

--env-file FILE reads KEY=VALUE lines as deploy.sh and Docker Compose read .env (never run as
shell; an empty value means the default; a variable set in the environment wins). Any position.

Run "byok <command> --help" for a command's options and environment.
Exit codes: 0 done, 1 failed or completed with problems, 2 usage error, 130 interrupted.`;

export const COMMANDS = ['doctor', 'bootstrap-realm', 'create-internal-client', 'rewrap', 'migrate-legacy', 'index-holders', 'stats', 'set-tier'] as const;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  signal?: AbortSignal;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs one command and returns its exit code; failures of the command itself are thrown. */
async function dispatch(argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const { out } = io;
  if (command === undefined) {
    io.err(usage);
    return EXIT_USAGE;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    out(usage);
    return 0;
  }
  const concurrency = (raw: string | boolean | undefined) => intOption(command, 'concurrency', raw, 4, 1, 32);
  switch (command) {
    case 'bootstrap-realm': {
      const args = parseCommandArgs(command, rest, { dev: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } });
      if (args.help) return out(bootstrapRealmHelp), 0;
      return bootstrapRealm({ dev: args.values.dev === true, quiet: args.values.quiet === true }, env, out);
    }
    case 'create-internal-client': {
      const args = parseCommandArgs(command, rest, { quiet: { type: 'boolean', short: 'q' } }, ['clientId']);
      if (args.help) return out(createInternalClientHelp), 0;
      return createInternalClient(args.positionals[0] as string, { quiet: args.values.quiet === true }, env, out);
    }
    case 'doctor': {
      const args = parseCommandArgs(command, rest, {});
      if (args.help) return out(doctorHelp), 0;
      return doctor(env, out);
    }
    case 'rewrap': {
      const args = parseCommandArgs(command, rest, rewrapOptions);
      if (args.help) return out(rewrapHelp), 0;
      const flags = { dryRun: args.values['dry-run'] === true, concurrency: concurrency(args.values.concurrency), verbose: args.values.verbose === true, quiet: args.values.quiet === true };
      return withCliContext(env, (context) => rewrap(context, flags, out, io.signal));
    }
    case 'migrate-legacy': {
      const args = parseCommandArgs(command, rest, migrateLegacyOptions);
      if (args.help) return out(migrateLegacyHelp), 0;
      const flags = { dryRun: args.values['dry-run'] === true, concurrency: concurrency(args.values.concurrency), verbose: args.values.verbose === true, quiet: args.values.quiet === true };
      return withCliContext(env, (context) => migrateLegacy(context, env, flags, out, io.signal));
    }
    case 'index-holders': {
      const args = parseCommandArgs(command, rest, indexHoldersOptions);
      if (args.help) return out(indexHoldersHelp), 0;
      const flags = { dryRun: args.values['dry-run'] === true, concurrency: concurrency(args.values.concurrency), verbose: args.values.verbose === true, quiet: args.values.quiet === true };
      return withCliContext(env, (context) => indexHolders(context, flags, out, io.signal));
    }
    case 'stats': {
      const args = parseCommandArgs(command, rest, statsOptions);
      if (args.help) return out(statsHelp), 0;
      return withCliContext(env, (context) => stats(context, { json: args.values.json === true, quiet: args.values.quiet === true }, out));
    }
    case 'set-tier': {
      const args = parseCommandArgs(command, rest, setTierOptions, ['username|user id', 'tier']);
      if (args.help) return out(setTierHelp), 0;
      const [who, tier] = args.positionals as [string, string];
      if (!isTier(tier)) throw new UsageError(`unknown tier "${tier}"; one of ${TIERS.join(', ')}`, command);
      return withCliContext(env, (context) => setTier(context, who, tier, out));
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/**
 * Runs the command line and returns the exit code. Every error becomes a message on stderr and an
 * exit code: usage errors 2, configuration and other failures 1.
 */
export async function runCli(argv: string[], env: Record<string, string | undefined>, io: CliIo = defaultIo): Promise<number> {
  try {
    const { rest, envFile } = takeEnvFileOption(argv);
    return await dispatch(rest, envFile === undefined ? env : withEnvFile(env, envFile), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`byok: ${error.message}`);
      io.err(error.command ? `Run "byok ${error.command} --help" for its usage.` : `\n${usage}`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError || error instanceof EnvFileError) {
      io.err(`byok: ${error.message}`);
    } else if (error instanceof AppError) {
      io.err(`byok: ${error.code}: ${error.message}`);
    } else {
      // Our own errors never carry secrets; a library's message might be long, so only its first line.
      io.err(`byok: failed: ${String((error as Error)?.message ?? error).split('\n')[0]}`);
    }
    return EXIT_FAILED;
  }
}

/**
 * Takes `--env-file FILE` (or `--env-file=FILE`) out of the arguments, wherever it stands (before a
 * lone `--`), as deploy.sh accepts it; the rest goes to the command.
 */
export function takeEnvFileOption(argv: readonly string[]): { rest: string[]; envFile: string | undefined } {
  const rest: string[] = [];
  let envFile: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    let value: string | undefined;
    if (arg === '--env-file') {
      value = argv[i + 1];
      if (value === undefined || value === '' || value.startsWith('-')) throw new UsageError('--env-file needs a file');
      i += 1;
    } else if (arg.startsWith('--env-file=')) {
      value = arg.slice('--env-file='.length);
      if (value === '') throw new UsageError('--env-file needs a file');
    } else {
      rest.push(arg);
      continue;
    }
    if (envFile !== undefined) throw new UsageError('--env-file given twice');
    envFile = value;
  }
  return { rest, envFile };
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}`;
if (isEntryPoint) {
  // The first Ctrl-C (or SIGTERM) lets the owners in progress finish and prints the report; a
  // second one stops at once. Either way a rerun resumes.
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (controller.signal.aborted) process.exit(130);
      process.stderr.write(`byok: ${signal}: finishing the owners in progress (again to stop at once)\n`);
      controller.abort();
    });
  }
  runCli(process.argv.slice(2), process.env, { ...defaultIo, signal: controller.signal }).then(
    (code) => process.exit(code),
    () => process.exit(EXIT_FAILED),
  );
}
