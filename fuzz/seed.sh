#!/usr/bin/env bash
# Seeds each target's corpus in fuzz/corpus/<target>/ with the examples, rule fixtures, fix
# runs, real-world files and the incremental tests' tricky YAML, in the form the target
# reads (see each target's first lines and fuzz/README.md):
#   fixes, convert_round_trip   a first byte 0 for YAML, 1 for the DSL, then the file;
#   check_yaml, check_dsl       the file of that syntax as it is;
#   incremental_edits           a flag byte (syntax, encoding), the file, then edit records
#                               each after an FF byte;
#   lsp_reader                  four bytes of read sizes, then framed messages.
set -euo pipefail
cd "$(dirname "$0")/.."
name() { echo "$1" | tr '/' '_'; }

yaml=(examples/*.mailflow.yaml server/tests/fixtures/*/*.yaml server/tests/fix_runs/*.yaml
  server/tests/real_world/*.yaml server/tests/incremental/*.yaml)
dsl=(examples/*.mailflow server/tests/fixtures_dsl/*/*.mailflow server/tests/fix_runs/*.mailflow
  server/tests/real_world/*.mailflow)

for target in fixes convert_round_trip check_yaml check_dsl incremental_edits lsp_reader; do
  mkdir -p "fuzz/corpus/$target"
done
for file in "${yaml[@]}"; do
  { printf '\0'; cat "$file"; } > "fuzz/corpus/fixes/$(name "$file")"
  { printf '\0'; cat "$file"; } > "fuzz/corpus/convert_round_trip/$(name "$file")"
  cp "$file" "fuzz/corpus/check_yaml/$(name "$file")"
done
for file in "${dsl[@]}"; do
  { printf '\1'; cat "$file"; } > "fuzz/corpus/fixes/$(name "$file")"
  { printf '\1'; cat "$file"; } > "fuzz/corpus/convert_round_trip/$(name "$file")"
  cp "$file" "fuzz/corpus/check_dsl/$(name "$file")"
done

# incremental_edits: each example and the tricky YAML opened as it is, with UTF-16 columns
# (flag bit 1 clear) and with UTF-8 ones, then: an insertion at line 3, column 2 checked
# after it; a deletion across a line break at line 5; a line typed at line 8, column 0.
# (printf writes the records: a shell variable cannot hold their NUL bytes.)
records='\xff\x01\x03\x00\x02\x00\x02x\xff\x00\x05\x00\x04\x01\x01\xff\x01\x08\x00\x00\x00\x00  - name: Z\n'
for file in examples/*.mailflow.yaml examples/*.mailflow server/tests/incremental/*.yaml; do
  syntax=0
  [[ $file == *.mailflow ]] && syntax=1
  for encoding in 0 2; do
    flags=$(printf '\\x%02x' $((syntax | encoding)))
    { printf "$flags"; cat "$file"; printf "$records"; } \
      > "fuzz/corpus/incremental_edits/$(name "$file")-$encoding"
  done
done

# lsp_reader: a session of framed messages, read whole (four zero bytes) and cut into reads
# of 1, 3, 7 and 1,024 bytes; and the same with broken headers, garbage, a body over the
# limit (announced, then skipped as a run of 64 MiB + 64 bytes: `FF FE 20 40 80 FF`).
frame() { printf 'Content-Length: %d\r\n\r\n%s' "${#1}" "$1"; }
session=$(
  frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'
  frame '{"jsonrpc":"2.0","method":"initialized","params":{}}'
  frame '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///a.mailflow","languageId":"mailflow","version":1,"text":"mailflow 1\n"}}}'
  frame '{"jsonrpc":"2.0","id":2,"result":null}'
  frame '{"jsonrpc":"2.0","id":3,"method":"shutdown"}'
  frame '{"jsonrpc":"2.0","method":"exit"}'
)
broken=$'Content-Type: text/plain\r\n\r\n{}garbage\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}\n\ncontent-length:2\n\n[]Content-Length: -1\r\n\r\nContent-Length: 67108865\r\n\r\n'
for reads in '\0\0\0\0' '\1\3\7\x80'; do
  suffix=$(printf '%s' "$reads" | tr -d '\\')
  { printf "$reads"; printf '%s' "$session"; } > "fuzz/corpus/lsp_reader/session-$suffix"
  { printf "$reads"; printf '%s' "$broken"; printf '\xff\xfe\x20\x40\x80\xff'; printf '%s' "$session"; } \
    > "fuzz/corpus/lsp_reader/broken-$suffix"
done
