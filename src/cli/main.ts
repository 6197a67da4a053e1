#!/usr/bin/env node
/**
 * The `byok` command line: thin commands over the same modules the service uses.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config.js';
import { bootstrapRealm, bootstrapRealmHelp } from './bootstrap-realm.js';
import { doctor, doctorHelp } from './doctor.js';

const usage = `byok <command> [options]

Commands:
  bootstrap-realm   create the realm, roles and clients (idempotent); --dev adds the dev users
  doctor            check configuration, Keycloak, the service account and the realm policy

Run "byok <command> --help" for a command's options.`;

export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out(usage);
    return command === undefined ? 2 : 0;
  }
  switch (command) {
    case 'bootstrap-realm': {
      const { values } = parseArgs({
        args: rest,
        options: { dev: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
      });
      if (values.help) {
        out(bootstrapRealmHelp);
        return 0;
      }
      return bootstrapRealm({ dev: values.dev ?? false, quiet: values.quiet ?? false }, env, out);
    }
    case 'doctor': {
      const { values } = parseArgs({ args: rest, options: { help: { type: 'boolean', short: 'h' } } });
      if (values.help) {
        out(doctorHelp);
        return 0;
      }
      return doctor(env, out);
    }
    default:
      process.stderr.write(`byok: unknown command "${command}"\n\n${usage}\n`);
      return 2;
  }
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}`;
if (isEntryPoint) {
  runCli(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof ConfigError) process.stderr.write(`byok: ${error.message}\n`);
      else process.stderr.write(`byok: ${(error as Error).message ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
