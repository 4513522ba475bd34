#!/usr/bin/env bash
# Per-frame CPU cost of features, acoustic scoring, search and lattice work, and RTF, on dev-set recordings
# with the default en-us model (recognizer.BenchmarkFrameCost; the graph is built into the cache on first use).
cd "$(dirname "$0")/.." && exec go test -run '^$' -bench FrameCost -benchtime "${1:-2x}" ./recognizer
