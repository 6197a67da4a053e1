/**
 * Runs after every other suite (scripts/test.sh runs it as a second Jest pass): no log line the
 * service wrote during the whole suite contains any API key the tests used.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { LOG_DIR } from '../support/secrets.js';

const read = (prefix: string) =>
  existsSync(LOG_DIR)
    ? readdirSync(LOG_DIR)
        .filter((name) => name.startsWith(prefix))
        .map((name) => readFileSync(`${LOG_DIR}/${name}`, 'utf8'))
    : [];

describe('secrets in the service logs', () => {
  test('no log line of the suite contains a secret used in it (nor its base64)', () => {
    const secrets = [...new Set(read('secrets-').flatMap((text) => text.split('\n')).filter(Boolean))];
    // The application log and the audit log (audit-*.jsonl) alike.
    const logs = [...read('service-'), ...read('audit-')].join('\n');
    // The scan only proves something when the suite produced both.
    expect(secrets.length).toBeGreaterThan(50);
    expect(logs.split('\n').length).toBeGreaterThan(100);
    expect(read('audit-').join('').length).toBeGreaterThan(0);
    const leaked = secrets.filter(
      (secret) => logs.includes(secret) || logs.includes(Buffer.from(secret).toString('base64')) || logs.includes(secret.slice(-16)),
    );
    expect(leaked).toEqual([]);
  });
});
