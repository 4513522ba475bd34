#!/bin/sh
# partial-beam.sh: the cost and quality of hark serve's live (partial-result) decoder at several search
# widths (issue 7), on the first N dev-set recordings (default 40): CPU seconds (user+sys, getrusage) per
# second of audio, the live text's WER against the references and its word disagreement with the final
# results (batch-style decoding at the full beam). Chooses recognizer.DefaultPartialBeam/MaxActive.
# Usage: bench/partial-beam.sh [N [BEAM/MAX-ACTIVE,...]]   (from anywhere)
set -eu
N=${1:-40}
WIDTHS=${2:-13/7000,11/2000,10/1000,9/700,8/500}
cd "$(dirname "$0")/.."
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/partials" ./bench/partials
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$TMP/partials" -dev ../shared/eval/dev -n "$N" -widths "$WIDTHS"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
