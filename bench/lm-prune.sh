#!/usr/bin/env bash
# How pruning (lm.Prune, Stolcke relative entropy) changes the en-us LM: n-gram counts, perplexity on the
# dev references (each sentence wrapped in <s> … </s>), time and peak RSS of load + convert + prune.
#
#   bench/lm-prune.sh [TARGET...]      (default 100000 300000 400000 1000000)
#
# `hark lm prune --target N --lsn refs.txt` loads en-us.lm.bin (mmap), converts it to an in-memory Model,
# prunes it to at most N n-grams and reports; /usr/bin/time -f reports wall/user seconds and peak RSS (KiB).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hark-lm-prune.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/hark" ./cmd/hark
refs=../shared/eval/dev/refs.txt
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(100000 300000 400000 1000000)
for n in "${targets[@]}"; do
  echo "== target $n"
  /usr/bin/time -f "time: wall %e s, user %U s, peak RSS %M KiB" "$tmp/hark" lm prune --target "$n" --lsn "$refs" 2>&1
done
