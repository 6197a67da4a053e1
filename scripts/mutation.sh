#!/usr/bin/env bash
# Mutation testing (npm run test:mutation; not part of scripts/test.sh or CI): Stryker over the six
# security-critical modules, one module at a time with the unit tests that exercise it, so a mutant
# that changes a module-level constant ("static") reruns those tests only, not every unit test.
# Per-module JSON reports and incremental files go to .data/stryker/; a summary table ends the run.
# One module: scripts/mutation.sh envelope   (names as in MODULES below)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_node_modules

# name|module|unit tests (tests/unit/<name>.test.ts) that exercise it
MODULES=(
  "envelope|src/crypto/envelope.ts|envelope,envelope-rules,known-answer,kek-check"
  "url-policy|src/providers/url-policy.ts|url-policy,url-policy-rules"
  "attribute-codec|src/keycloak/attribute-codec.ts|attribute-codec,attribute-codec-rules,known-answer"
  "keyring|src/crypto/keyring.ts|keyring,keyring-rules,known-answer"
  "key-record|src/vault/key-record.ts|key-record,known-answer"
  "tiers|src/vault/tiers.ts|tiers"
)
OUT=.data/stryker
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
for entry in "${MODULES[@]}"; do
  IFS='|' read -r name module tests <<<"$entry"
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  say "mutation testing $module (tests: $tests)"
  rm -f "$OUT/mutation.json"
  STRYKER_TESTS="$tests" NODE_OPTIONS=--experimental-vm-modules npx stryker run stryker.config.mjs \
    --mutate "$module" --incrementalFile "$OUT/incremental-$name.json" > "$OUT/$name.log" 2>&1 \
    || fail "stryker failed on $module (see $OUT/$name.log)"
  cp "$OUT/mutation.json" "$OUT/mutation-$name.json"
  grep -E "^ *[a-z-]+\.ts *\|" "$OUT/$name.log" | tail -1 | tee -a "$SUMMARY"
done
say "scores (% Mutation score total | covered | killed | timeout | survived | no coverage | errors)"
cat "$SUMMARY"
