#!/usr/bin/env bash
# RSS over time of pocketsphinx_batch and of `hark transcribe` decoding the same long recording, sampled
# every 0.5 s from /proc/PID/status (VmRSS), drawn as one chart (two curves) with `hark soak chart`.
#
#   bench/memory-vs-pocketsphinx.sh [OUTDIR] [REPEAT]     (default /tmp/hark-mem-vs-ps, 1)
#
# The recording is the dev set (../shared/eval/dev/wav, 133 LJ Speech utterances, ~7 minutes)
# concatenated with 0.5 s of silence between utterances, REPEAT times over (REPEAT=5 makes ~35 minutes).
# pocketsphinx_batch decodes it as one control-file entry (Debian's en-us model, the full trigram LM and
# cmudict, its defaults otherwise); hark transcribe decodes it with its defaults (segmenting at pauses).
# They run one after the other, never together, so that neither steals the other's CPU. Output in OUTDIR:
# rss.csv (series,t_seconds,rss_bytes), memory-vs-pocketsphinx.png/.svg, the two hypotheses and a
# summary (peak and final RSS, wall time) on stdout.
set -euo pipefail
out=${1:-/tmp/hark-mem-vs-ps}
repeat=${2:-1}
cd "$(dirname "$0")/.."
dev=../shared/eval/dev/wav
model=/usr/share/pocketsphinx/model/en-us
mkdir -p "$out"
go build -o "$out/hark" ./cmd/hark

# The long recording.
long=$out/long.wav
if [[ ! -s $long ]]; then
  sox -V1 -n -r 16000 -c 1 -b 16 "$out/pause.wav" trim 0 0.5
  args=()
  for f in "$dev"/*.wav; do args+=("$f" "$out/pause.wav"); done
  sox -V1 "${args[@]}" "$out/once.wav"
  if ((repeat > 1)); then sox -V1 "$out/once.wav" "$long" repeat $((repeat - 1)); else mv "$out/once.wav" "$long"; fi
  rm -f "$out/once.wav"
fi
echo "recording: $long, $(soxi -D "$long") s"

# sample NAME PID: VmRSS every 0.5 s while PID lives, as CSV rows (bash builtins only, so that the
# sampler keeps its pace on a loaded machine: no awk, date or bc per sample).
sample() {
  local name=$1 pid=$2 t0=${EPOCHREALTIME/./} now us k v kb
  while :; do
    kb=
    { while read -r k v _; do
        if [[ $k == VmRSS: ]]; then kb=$v; break; fi
      done < "/proc/$pid/status"; } 2>/dev/null || break
    [[ -n $kb ]] || break # exited (a zombie has no VmRSS)
    now=${EPOCHREALTIME/./}
    us=$((now - t0))
    printf '%s,%d.%06d,%d\n' "$name" $((us / 1000000)) $((us % 1000000)) $((kb * 1024))
    sleep 0.5
  done
}

echo "series,t_seconds,rss_bytes" > "$out/rss.csv"
summary=()

run() { # NAME COMMAND...
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > "$out/$name.hyp" 2> "$out/$name.log" &
  local pid=$!
  sample "$name" "$pid" >> "$out/rss.csv"
  wait "$pid"
  t1=$(date +%s.%N)
  summary+=("$(awk -F, -v n="$name" -v w="$(echo "$t1 - $t0" | bc)" '$1 == n { if ($3 > p) p = $3; f = $3 }
    END { printf "%-20s peak RSS %7.1f MiB   final RSS %7.1f MiB   wall %7.1f s\n", n, p / 1048576, f / 1048576, w }' "$out/rss.csv")")
}

dir=$(dirname "$long")
id=$(basename "$long" .wav)
echo "$id" > "$out/long.fileids"
run pocketsphinx_batch pocketsphinx_batch -hmm "$model/en-us" -lm "$model/en-us.lm.bin" \
  -dict "$model/cmudict-en-us.dict" -adcin yes -adchdr 44 -cepdir "$dir" -cepext .wav \
  -ctl "$out/long.fileids" -hyp /dev/stdout
run hark "$out/hark" transcribe "$long"

"$out/hark" soak chart --csv "$out/rss.csv" --out "$out/memory-vs-pocketsphinx.png" \
  --title "RSS decoding $(printf %.0f "$(soxi -D "$long")") s of speech: pocketsphinx_batch vs hark"
"$out/hark" soak chart --csv "$out/rss.csv" --out "$out/memory-vs-pocketsphinx.svg" \
  --title "RSS decoding $(printf %.0f "$(soxi -D "$long")") s of speech: pocketsphinx_batch vs hark"
printf '%s\n' "${summary[@]}"
echo "chart: $out/memory-vs-pocketsphinx.png (and .svg); samples: $out/rss.csv"
