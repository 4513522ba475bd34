#!/usr/bin/env bash
# Long-audio figures of issue 6: peak RSS of a 5-minute and a 60-minute recording (the dev set concatenated
# with pauses, bench/mklong.sh) and their ratio, and the WER of each next to the WER of the dev files
# decoded one by one (all in one process, as compare-pocketsphinx.sh runs them).
#
#   bench/long-audio.sh [OUTDIR] [-- extra hark transcribe flags]
#
# OUTDIR (default $TMPDIR/hark-long) keeps the recordings, so later runs reuse them (mklong.sh). Each run is
# `hark transcribe --format hyp`, one process, timed by /usr/bin/time (%U %S %M: CPU seconds and peak RSS in
# KiB); WER by ../shared/eval/wer.py. The 60-minute decode takes about 15 CPU minutes. The criterion: the
# 60-minute peak within 10 % of the 5-minute one, and its WER within 1 point of the dev files'.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${TMPDIR:-/tmp}/hark-long
if [[ $# -gt 0 && $1 != -- ]]; then out=$1; shift; fi
[[ ${1:-} == -- ]] && shift
extra=("$@")
dev=../shared/eval/dev
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/hark" ./cmd/hark
"$tmp/hark" graph build >/dev/null 2>&1 || true # build (or find) the graph outside the timed runs

run() { # name ref files...
  local name=$1 ref=$2; shift 2
  /usr/bin/time -f "%U %S %M" -o "$tmp/$name.time" "$tmp/hark" transcribe --format hyp "${extra[@]}" "$@" \
    > "$tmp/$name.hyp" 2> "$tmp/$name.log" || { echo "transcribe $name failed:" >&2; tail "$tmp/$name.log" >&2; exit 1; }
  local wer; wer=$(python3 "$dev/../wer.py" "$ref" "$tmp/$name.hyp" | awk '$1=="TOTAL"{print $NF}')
  read -r u s m < "$tmp/$name.time"
  local secs=0 f
  for f in "$@"; do secs=$(echo "$secs + $(soxi -D "$f")" | bc); done
  printf '%-8s %8.1f %7.2f %8.1f %6.3f %8.1f\n' "$name" "$(echo "$secs / 60" | bc -l)" "$wer" "$(echo "$u + $s" | bc)" \
    "$(echo "($u + $s) / $secs" | bc -l)" "$(echo "$m / 1024" | bc -l)"
  echo "$m" > "$tmp/$name.rss"
}

awk '{id=$1; $1=""; sub(/^ /,""); print $0 " (" id ")"}' "$dev/refs.txt" > "$tmp/dev.ref"
bench/mklong.sh "$out" 5 >/dev/null
bench/mklong.sh "$out" 60 >/dev/null
printf '%-8s %8s %7s %8s %6s %8s\n' "" "minutes" "WER%" "CPU s" "RTF" "peak MB"
run dev "$tmp/dev.ref" "$dev"/wav/*.wav
run long-5m "$out/long-5m.ref" "$out/long-5m.wav"
run long-60m "$out/long-60m.ref" "$out/long-60m.wav"
echo "peak RSS 60m/5m: $(echo "$(cat "$tmp/long-60m.rss") / $(cat "$tmp/long-5m.rss")" | bc -l | cut -c1-5)"
