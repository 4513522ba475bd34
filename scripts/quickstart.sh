#!/usr/bin/env bash
# README command 1: install what is missing (Debian's pocketsphinx-en-us model and pocketsphinx-testdata
# recordings), build hark (pure Go, CGO_ENABLED=0) into ./bin/hark, and run the main job on a real recording.
# Pass your own files to use them instead: scripts/quickstart.sh my.wav
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
mkdir -p bin
CGO_ENABLED=0 go build -trimpath -o bin/hark ./cmd/hark
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav)
fi
echo "== bin/hark probe ${files[*]}" >&2
bin/hark probe "${files[@]}"
if bin/hark transcribe --help >/dev/null 2>&1; then
  echo "== bin/hark transcribe ${files[*]}" >&2
  bin/hark transcribe "${files[@]}"
fi
