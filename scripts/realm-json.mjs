#!/usr/bin/env node
// Writes deploy/keycloak/byok-realm.json (the realm docker-compose.keycloak.yml imports) from the
// realm plan of `byok bootstrap-realm` (src/keycloak/realm-import.ts), so the two cannot drift.
// Needs the build (npm run build). tests/deploy/realm-import.test.ts fails when the committed file differs.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, json);
console.log(`realm-json: wrote ${target}`);
