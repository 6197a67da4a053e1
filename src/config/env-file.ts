/**
 * `--env-file` of the `byok` command: the same KEY=VALUE file deploy.sh and Docker Compose read
 * (.env, made from .env.example), read the way scripts/deploy-lib.sh's `load_env_file` reads it.
 * The file is data, never run as shell: `$(...)`, backticks and `$VAR` stay literal text.
 *
 * Rules (Compose's .env format, as deploy.sh applies it): blank lines and lines starting with `#`
 * are skipped; an optional leading `export ` is dropped; the name is `[A-Za-z_][A-Za-z0-9_]*`; the
 * value is everything after the first `=`, with one pair of surrounding double or single quotes
 * removed; an empty value means "the default" (the variable is left out); a variable already set in
 * the environment wins over the file.
 */
import { readFileSync } from 'node:fs';

export class EnvFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvFileError';
  }
}

const LINE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** The variables of an env file's text; throws EnvFileError naming the file and line (never a value). */
export function parseEnvFile(text: string, fileName = 'env file'): Record<string, string> {
  const variables: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    let line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('export ')) line = line.slice('export '.length);
    const match = LINE.exec(line);
    if (!match) {
      // Only what precedes "=" is quoted: a malformed line might still hold a secret after it.
      throw new EnvFileError(`${fileName}:${index + 1}: not a KEY=VALUE line: ${line.split('=')[0]}`);
    }
    const [, name, rawValue] = match as unknown as [string, string, string];
    const quoted = /^"(.*)"$/.exec(rawValue) ?? /^'(.*)'$/.exec(rawValue);
    const value = quoted ? (quoted[1] as string) : rawValue;
    if (value === '') return;
    variables[name] = value;
  });
  return variables;
}

/**
 * The environment a command runs with: `env`, plus the file's variables that `env` does not set
 * (a variable set in the environment wins, even when it is empty, as in deploy.sh).
 */
export function withEnvFile(env: Record<string, string | undefined>, path: string): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new EnvFileError(`cannot read env file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const merged: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(parseEnvFile(text, path))) {
    if (merged[name] === undefined) merged[name] = value;
  }
  return merged;
}
