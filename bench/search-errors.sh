#!/bin/sh
# search-errors.sh: search errors of several default search widths (beam / max-active / lattice beam)
# against a much wider reference search, on the first N dev-set recordings (recognizer.BenchmarkSearchErrors):
# per width the CPU seconds (user+sys) of scoring + search and of the lattice work, RTF (features added),
# % utterances whose best path costs more than the reference's (search; and after full-LM rescoring),
# mean cost gaps, WER (internal/wer), and the WER of the same hypotheses by ../shared/eval/wer.py.
# Usage: bench/search-errors.sh [N [WIDTHS [REFERENCE]]]   (from anywhere; one long run at a time)
#   WIDTHS: BEAM/MAX-ACTIVE/LATTICE-BEAM,...   REFERENCE: one such width (default 20/50000/8; lattice beam 10 at beam 20 exceeds the word lattice's 4M-arc limit)
set -eu
cd "$(dirname "$0")/.."
HYPS=$(mktemp -d)
trap 'rm -rf "$HYPS"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
HARK_SEARCHERR_N=${1:-40} \
HARK_SEARCHERR_WIDTHS=${2:-13/7000/6,14/7000/6,15/7000/6,16/7000/6,13/10000/6,14/10000/6,15/10000/6,16/10000/6,15/15000/6,16/15000/6,15/10000/8} \
HARK_SEARCHERR_REF=${3:-20/50000/8} \
HARK_SEARCHERR_HYPS=$HYPS \
	go test -run '^$' -bench SearchErrors -benchtime 1x -timeout 0 ./recognizer
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
ids=$(mktemp)
trap 'rm -rf "$HYPS" "$ids"' EXIT
cut -f1 "$(ls "$HYPS"/*.hyp | head -1)" >"$ids"
grep -F -w -f "$ids" ../shared/eval/dev/refs.txt | sed 's/ /\t/' >"$HYPS/refs.tsv"
for h in "$HYPS"/*.hyp; do
	printf '%s\t' "$(basename "$h" .hyp)"
	python3 ../shared/eval/wer.py "$HYPS/refs.tsv" "$h" | tail -1
done
