#!/usr/bin/env bash
# Seeds fuzz/corpus/fixes with the examples and rule fixtures: a first byte 0 for YAML, 1
# for the DSL, then the file.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/fixes
for file in examples/*.mailflow.yaml server/tests/fixtures/*/*.yaml server/tests/fix_runs/*.yaml; do
  { printf '\0'; cat "$file"; } > "fuzz/corpus/fixes/$(echo "$file" | tr '/' '_')"
done
for file in examples/*.mailflow server/tests/fixtures_dsl/*/*.mailflow server/tests/fix_runs/*.mailflow; do
  { printf '\1'; cat "$file"; } > "fuzz/corpus/fixes/$(echo "$file" | tr '/' '_')"
done
