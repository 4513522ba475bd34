#!/bin/sh
# serve-load.sh: the service under load with the default en-us model. N WebSocket clients (default 8)
# stream dev-set recordings at real-time pace with vosk-server's protocol while 4 jobs (each a
# concatenation of 8 other dev-set recordings with pauses) run; prints the streams' WER next to
# `hark eval` (batch) on the same files, and the p50/p95 latency of the replies to 0.2 s chunks.
# Usage: bench/serve-load.sh [STREAMS] [FILES_PER_STREAM]   (from the module root)
set -eu
STREAMS=${1:-8}
FILES=${2:-2}
DEV=../shared/eval/dev
TMP=$(mktemp -d)
trap 'kill $PID 2>/dev/null; rm -rf "$TMP"' EXIT
go build -o "$TMP/hark" ./cmd/hark
go build -o "$TMP/serveload" ./bench/serveload
ls $DEV/wav/*.wav | sort > "$TMP/all"
N=$((STREAMS * FILES))
head -n $N "$TMP/all" > "$TMP/streamed"
sox -n -r 16000 -c 1 -b 16 "$TMP/pause.wav" trim 0 1.5
JOBS=""
for j in 0 1 2 3; do
	args=""
	for f in $(tail -n +$((N + 1 + 8 * j)) "$TMP/all" | head -n 8); do args="$args $f $TMP/pause.wav"; done
	sox $args "$TMP/job$j.wav"
	JOBS="$JOBS${JOBS:+,}$TMP/job$j.wav"
done
echo "batch (hark eval) on the streamed files:"
"$TMP/hark" eval --refs $DEV/refs.txt $(cat "$TMP/streamed") 2>&1 | tail -n 3
"$TMP/hark" serve --addr 127.0.0.1:18181 --data "$TMP/data" --streams $((2 * STREAMS + 1)) --sessions-per-key 64 --workers 4 2>"$TMP/log" &
PID=$!
until curl -sf http://127.0.0.1:18181/readyz >/dev/null; do sleep 1; done
echo "service: $STREAMS streams x $FILES files + 4 jobs:"
cd "$TMP" && ./serveload --base http://127.0.0.1:18181 --dev "$OLDPWD/$DEV" --streams $STREAMS --files $FILES --jobs "$JOBS"
curl -s http://127.0.0.1:18181/metrics | grep -E '^hark_(real_time_factor_(sum|count)|audio_seconds_total|jobs\{)|^process_resident_memory_bytes'
