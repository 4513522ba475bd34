#!/usr/bin/env bash
# Makes a long recording from the dev set and its reference transcript, for the long-audio figures
# (issue 6: 60-minute vs 5-minute RSS and WER; issue 7: 60-minute job killed mid-way).
#
#   bench/mklong.sh OUTDIR MINUTES [PAUSE_S]
#
# Concatenates the dev set's utterances (../shared/eval/dev/wav, in name order) with PAUSE_S seconds
# (default 0.5) of digital silence after each, cycling through the set again until the recording reaches
# MINUTES minutes (whole utterances only: it stops at the first utterance that reaches the length).
# Writes OUTDIR/long-<MINUTES>m.wav (16 kHz mono 16-bit) and OUTDIR/long-<MINUTES>m.ref, one line
# "WORDS... (long-<MINUTES>m)" in the hyp format of ../shared/eval/wer.py. Reuses the files if present.
set -euo pipefail
out=${1:?usage: bench/mklong.sh OUTDIR MINUTES [PAUSE_S]}
min=${2:?usage: bench/mklong.sh OUTDIR MINUTES [PAUSE_S]}
pause=${3:-0.5}
cd "$(dirname "$0")/.."
dev=../shared/eval/dev
name=long-${min}m
wav=$out/$name.wav
ref=$out/$name.ref
mkdir -p "$out"
if [[ -s $wav && -s $ref ]]; then echo "$wav"; exit 0; fi
command -v sox >/dev/null || { echo "mklong: needs sox (apt-get install sox)" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sox -V1 -n -r 16000 -c 1 -b 16 -e signed "$tmp/pause.wav" trim 0 "$pause"
declare -A refs
while read -r id words; do refs[$id]=$words; done < "$dev/refs.txt"
target=$((min * 60 * 16000)) # samples
total=0 args=() text=()
pause_n=$(soxi -s "$tmp/pause.wav")
while ((total < target)); do
  for f in "$dev"/wav/*.wav; do
    id=$(basename "$f" .wav)
    [[ -n ${refs[$id]+x} ]] || { echo "mklong: $id has no reference in $dev/refs.txt" >&2; exit 1; }
    args+=("$f" "$tmp/pause.wav"); text+=("${refs[$id]}")
    total=$((total + $(soxi -s "$f") + pause_n))
    ((total < target)) || break
  done
done
# sox opens every input at once: concatenate in chunks to stay under the open-files limit.
parts=() i=0
while ((i < ${#args[@]})); do
  p=$tmp/part$((i / 400)).wav
  sox -V1 "${args[@]:i:400}" "$p"
  parts+=("$p"); i=$((i + 400))
done
if ((${#parts[@]} == 1)); then mv "${parts[0]}" "$tmp/all.wav"; else sox -V1 "${parts[@]}" "$tmp/all.wav"; fi
mv "$tmp/all.wav" "$wav"
echo "${text[*]} ($name)" > "$ref"
echo "$wav"
