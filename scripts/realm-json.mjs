#!/usr/bin/env node
// Writes deploy/keycloak/byok-realm.json (the realm docker-compose.keycloak.yml imports) from the
// realm plan of `byok bootstrap-realm` (src/keycloak/realm-import.ts), so the two cannot drift.
// Needs the build (npm run build).
//   node scripts/realm-json.mjs           write the file
//   node scripts/realm-json.mjs --check   exit 1 when the committed file differs
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = `${root}deploy/keycloak/byok-realm.json`;
const module = `${root}dist/keycloak/realm-import.js`;
if (!existsSync(module)) {
  console.error(`realm-json: ${module} is missing; run npm run build first`);
  process.exit(1);
}
const { composeRealmImportJson } = await import(module);
const json = composeRealmImportJson();
if (process.argv.includes('--check')) {
  const committed = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (committed !== json) {
    console.error(`realm-json: ${target} differs from the realm plan; run node scripts/realm-json.mjs`);
    process.exit(1);
  }
  console.log(`realm-json: ${target} is up to date`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, json);
  console.log(`realm-json: wrote ${target}`);
}
