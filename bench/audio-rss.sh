#!/usr/bin/env bash
# Peak resident memory of a full streaming decode, for a 10-minute and a 2-hour file: the audio package must
# not hold a file in memory, so the two peaks must be within 10% of each other.
#
#   bench/audio-rss.sh [wav|flac|mp3|pipe]      (default wav)
#
# Each file is 44.1 kHz stereo 16-bit (a sweep with a tone per channel), made with sox in a temporary
# directory (wav: 106 MB and 1.27 GB). `hark probe --decode --rate 16000 FILE` decodes every sample,
# downmixes to mono and resamples to 16 kHz; /usr/bin/time -f %M reports its peak RSS in KiB.
# "pipe" streams the WAV from sox through a pipe into `hark probe --decode -` (no file, unknown length).
set -euo pipefail
kind=${1:-wav}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hark-audio-rss.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/hark" ./cmd/hark

gen() { # minutes output-file
  sox -V1 -n -r 44100 -c 2 -b 16 "$2" synth "$(($1 * 60))" sine 100-7000 sine 440 vol 0.5
}

declare -A rss
for min in 10 120; do
  case $kind in
    wav)  f=$tmp/$min.wav; gen "$min" "$f" ;;
    flac) f=$tmp/$min.flac; gen "$min" "$f" ;;
    mp3)  f=$tmp/$min.mp3; gen "$min" "$tmp/$min.wav"; lame --quiet -b 128 "$tmp/$min.wav" "$f"; rm "$tmp/$min.wav" ;;
    pipe) f=- ;;
    *) echo "usage: $0 [wav|flac|mp3|pipe]" >&2; exit 2 ;;
  esac
  if [ "$kind" = pipe ]; then
    out=$( { sox -V1 -n -r 44100 -c 2 -b 16 -t wav - synth "$((min * 60))" sine 100-7000 sine 440 vol 0.5 |
      /usr/bin/time -f 'maxrss_kib=%M' "$tmp/hark" probe --decode --rate 16000 -; } 2>&1)
  else
    out=$( { /usr/bin/time -f 'maxrss_kib=%M' "$tmp/hark" probe --decode --rate 16000 "$f"; } 2>&1)
  fi
  echo "$out" | sed 's/^/  /' >&2
  rss[$min]=$(echo "$out" | sed -n 's/^maxrss_kib=//p')
  [ "$f" != - ] && rm -f "$f"
done
ratio=$(awk -v a="${rss[120]}" -v b="${rss[10]}" 'BEGIN { printf "%.3f", a / b }')
echo "audio-rss $kind: 10 min ${rss[10]} KiB, 2 h ${rss[120]} KiB, ratio 2h/10min $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r <= 1.10 && r >= 0.90) }' || { echo "FAIL: peak RSS differs by more than 10%" >&2; exit 1; }
