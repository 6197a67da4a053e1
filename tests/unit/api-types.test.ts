/**
 * The web UI's API types are generated from the server's endpoint table (through /openapi.json), so
 * they cannot drift: this fails when ui/src/api-types.ts is not what the table generates today.
 * With UPDATE_API_TYPES=1 (`npm run api:types`) it rewrites the file instead.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { API_TYPES_FILE, generateApiTypes } from '../support/api-types.js';

test("the UI's API types are the ones the server's endpoint table generates", async () => {
  const generated = await generateApiTypes();
  if (process.env.UPDATE_API_TYPES === '1') writeFileSync(API_TYPES_FILE, generated);
  expect(readFileSync(API_TYPES_FILE, 'utf8')).toBe(generated);
  // The answer the UI once lacked a field of is there.
  expect(generated).toContain('healthIssue: ("unauthorized" | "quota_exceeded") | null;');
});
