/**
 * Legacy data made the way the Python ops center made it: with Python's `cryptography` package
 * (Debian's python3-cryptography; scripts/test.sh installs it). Secrets go through stdin, never argv.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = process.env.BYOK_TEST_PYTHON ?? '/usr/bin/python3';

const SCRIPT = `
import json, sys
from cryptography.fernet import Fernet
request = json.load(sys.stdin)
key = request.get("key") or Fernet.generate_key().decode()
f = Fernet(key.encode())
print(json.dumps({"key": key, "tokens": [f.encrypt(s.encode()).decode() for s in request["plaintexts"]]}))
`;

/** Encrypts each plaintext with Fernet (a new key unless one is given) in real Python. */
export function pythonFernet(plaintexts: string[], key?: string): { key: string; tokens: string[] } {
  const result = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify({ plaintexts, key }), encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${PYTHON} with the cryptography package is needed (Debian: apt-get install python3-cryptography; scripts/test.sh installs it): ${result.stderr || result.error?.message}`);
  }
  return JSON.parse(result.stdout) as { key: string; tokens: string[] };
}
