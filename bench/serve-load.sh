#!/bin/sh
# serve-load.sh: the service under load with the default en-us model (issue 7). N WebSocket clients
# (default 8) stream dev-set recordings at real-time pace with vosk-server's protocol while 4 jobs (each
# a concatenation of 8 other dev-set recordings with pauses) run. Prints:
#   - the streams' WER next to `hark transcribe` (batch) on the same files, both scored by
#     ../shared/eval/wer.py against the same references, and whether they are within 1 point;
#   - the p50/p95 latency of the replies to 0.2 s chunks (partial results), how far behind real time the
#     clients fell, the latency of the final result after eof;
#   - the server's CPU seconds (user+sys) during the load, per second of audio decoded, and its peak RSS
#     (VmHWM), and the load average; the CPU scheduler's busy and wait seconds per priority class
#     (interactive = live partial decoding, stream = streams' finals, batch = jobs).
# Usage: bench/serve-load.sh [STREAMS [FILES_PER_STREAM [JOBS]]]   (defaults 8 2 4; from anywhere)
# HARK=path/to/hark uses that binary instead of building cmd/hark.
set -eu
STREAMS=${1:-8}
FILES=${2:-2}
NJOBS=${3:-4}
cd "$(dirname "$0")/.."
DEV=../shared/eval/dev
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$TMP"' EXIT
TCK=$(getconf CLK_TCK)
cpu() { awk -v t="$TCK" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / t }' /proc/$1/stat; }
wertotal() { awk '$1 == "TOTAL" { print $NF }'; }
if [ -n "${HARK:-}" ]; then cp "$HARK" "$TMP/hark"; else go build -o "$TMP/hark" ./cmd/hark; fi
go build -o "$TMP/serveload" ./bench/serveload
ls $DEV/wav/*.wav | sort > "$TMP/all"
N=$((STREAMS * FILES))
head -n $N "$TMP/all" > "$TMP/streamed"
# the references of the streamed files, as "WORDS (id)" lines for wer.py
for f in $(cat "$TMP/streamed"); do
	id=$(basename "$f" .wav)
	awk -v id="$id" '$1 == id { $1 = ""; print substr($0, 2) " (" id ")" }' $DEV/refs.txt
done > "$TMP/ref"
sox -n -r 16000 -c 1 -b 16 "$TMP/pause.wav" trim 0 1.5
JOBS=""
for j in $(seq 0 $((NJOBS - 1))); do
	args=""
	for f in $(tail -n +$((N + 1 + 8 * j)) "$TMP/all" | head -n 8); do args="$args $f $TMP/pause.wav"; done
	sox $args "$TMP/job$j.wav"
	JOBS="$JOBS${JOBS:+,}$TMP/job$j.wav"
done
echo "batch: hark transcribe --format hyp on the $N streamed files ($(cat $(cat "$TMP/streamed") | wc -c | awk '{ printf "%.0f", $1 / 32000 }') s of audio):"
"$TMP/hark" transcribe --format hyp $(cat "$TMP/streamed") > "$TMP/batch.hyp"
python3 $DEV/../wer.py "$TMP/ref" "$TMP/batch.hyp" | tail -n 1
"$TMP/hark" serve --addr 127.0.0.1:18181 --data "$TMP/data" --streams $((2 * STREAMS + 1)) --sessions-per-key 64 --workers $((NJOBS > 0 ? NJOBS : 1)) 2>"$TMP/log" &
PID=$!
until curl -sf http://127.0.0.1:18181/readyz >/dev/null; do
	kill -0 $PID 2>/dev/null || { tail "$TMP/log"; exit 1; }
	sleep 1
done
CPU0=$(cpu $PID)
echo "service: $STREAMS streams x $FILES files + $NJOBS jobs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$TMP" && ./serveload --base http://127.0.0.1:18181 --dev "$OLDPWD/$DEV" --streams $STREAMS --files $FILES --jobs "$JOBS" --hyp "$TMP/stream.hyp")
CPU1=$(cpu $PID)
echo "server: CPU $(echo "$CPU1 $CPU0" | awk '{ printf "%.1f", $1 - $2 }') s (user+sys) during the load (model load $CPU0 s)," \
	"peak RSS $(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' /proc/$PID/status) MB; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s http://127.0.0.1:18181/metrics > "$TMP/metrics"
grep -E '^hark_(real_time_factor_(sum|count)|audio_seconds_total|jobs\{state="(succeeded|failed)")|^process_resident_memory_bytes|^hark_cpu_(busy_seconds_total|wait_seconds_(sum|count))' "$TMP/metrics" || true
awk -v cpu="$(echo "$CPU1 $CPU0" | awk '{ print $1 - $2 }')" '/^hark_audio_seconds_total/ { a += $2 } END { if (a > 0) printf "server CPU per audio second (streams + jobs): %.3f s\n", cpu / a }' "$TMP/metrics"
echo "stream WER by wer.py:"
python3 $DEV/../wer.py "$TMP/ref" "$TMP/stream.hyp" | tail -n 1
B=$(python3 $DEV/../wer.py "$TMP/ref" "$TMP/batch.hyp" | wertotal)
S=$(python3 $DEV/../wer.py "$TMP/ref" "$TMP/stream.hyp" | wertotal)
echo "$S $B" | awk '{ d = $1 - $2; printf "stream %.2f %% vs batch %.2f %%: difference %+.2f points, %s\n", $1, $2, d, (d <= 1 && d >= -1) ? "within 1 point" : "NOT within 1 point" }'
