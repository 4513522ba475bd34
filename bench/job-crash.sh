#!/usr/bin/env bash
# job-crash.sh: issue 7's long crash acceptance. A MINUTES-minute recording of the dev set (default 60,
# made by bench/mklong.sh) is submitted as a job to a real `hark serve` (fresh data directory, loopback,
# one worker); when FRACTION of its segments are done the server is killed with SIGKILL, restarted on the
# same data directory, and the job is waited for. Then it checks:
#   - the job succeeded; in the database every segment is done, indices 0..n-1, spans increasing and
#     disjoint; the transcript has n segments;
#   - every segment's words appear exactly once: word times strictly increase over the whole transcript
#     and every word lies inside its own segment's span;
#   - the restarted process decoded exactly the segments not done at the kill (its job-segment count and
#     audio seconds in /metrics equal the unfinished segments' count and length in the database);
#   - the transcript (segment spans, words, times, confidences, text) equals an uninterrupted run's, and
#     the OpenAI-shaped json transcript's text equals it too.
# The uninterrupted run is `hark transcribe --format json` of the same file: it costs what a second,
# uninterrupted job would (one full decode), but it is the stronger check, because it reaches the words
# through a different path (recognizer.Session.Transcribe over the whole stream, no store, no window, no
# queue) that the job must match segment for segment; a clean job equals it by the same argument. Its
# output is cached in OUTDIR keyed by the binary's hash, so a rerun of the same build decodes only once.
# Prints timings, CPU seconds (user+sys) and peak RSS (VmHWM) of each process, and the WER against the
# reference (../shared/eval/wer.py).
#
#   bench/job-crash.sh [OUTDIR [MINUTES [FRACTION]]]     (defaults /work/exp 60 0.4; from anywhere)
#   HARK=path/to/hark uses that binary instead of building one; PORT (18282) the loopback port;
#   KEEP=1 keeps the data directory and logs; REF_WAIT_PID=PID waits for that process (a `hark transcribe`
#   of this binary already writing OUTDIR/NAME.transcribe.HASH.json) before looking for the cached run.
set -euo pipefail
out=${1:-/work/exp}
min=${2:-60}
frac=${3:-0.4}
port=${PORT:-18282}
cd "$(dirname "$0")/.."
root=$PWD
base=http://127.0.0.1:$port
for t in curl sqlite3 python3 sox; do
	command -v $t >/dev/null || { echo "job-crash: needs $t" >&2; exit 2; }
done
wav=$(bench/mklong.sh "$out" "$min")
ref=${wav%.wav}.ref
name=$(basename "$wav" .wav)
tmp=$(mktemp -d)
pid=
cleanup() {
	[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null || true
	if [[ -n ${KEEP:-} ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
if [[ -n ${HARK:-} ]]; then cp "$HARK" "$tmp/hark"; else CGO_ENABLED=0 go build -o "$tmp/hark" ./cmd/hark; fi
hash=$(sha256sum "$tmp/hark" | cut -c1-16)
data=$tmp/data
tck=$(getconf CLK_TCK)

now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }
# stats PID: "CPU_SECONDS PEAK_RSS_MB" of a live process (utime+stime; VmHWM).
stats() {
	local cpu hwm
	cpu=$(awk -v t="$tck" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / t }' "/proc/$1/stat")
	hwm=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status")
	echo "$cpu $hwm"
}
field() { python3 -c "import json, sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
metric() { # metric NAME LABELS: the value of a series in /metrics, 0 if absent
	curl -sf "$base/metrics" | awk -v n="$1" -v l="$2" '$1 == n l { v = $2 } END { printf "%.3f\n", v }'
}
start_server() {
	"$tmp/hark" serve --addr "127.0.0.1:$port" --data "$data" --workers 1 2>>"$1" &
	pid=$!
	local t0=$SECONDS
	until curl -sf "$base/readyz" >/dev/null; do
		kill -0 "$pid" 2>/dev/null || { echo "job-crash: server died:" >&2; tail -n 20 "$1" >&2; exit 1; }
		((SECONDS - t0 < 900)) || { echo "job-crash: server not ready after 900 s" >&2; exit 1; }
		sleep 0.5
	done
}
job() { curl -sf "$base/v1/jobs/$id"; }

echo "job-crash: $wav ($(soxi -d "$wav"), $(du -m "$wav" | cut -f1) MB), hark $hash, $(git log -1 --format=%h)"

# 1. Submit and kill mid-job.
start_server "$tmp/serve1.log"
pid1=$pid
t_submit=$(now)
id=$(curl -sf -X POST -T "$wav" -H 'Content-Type: audio/wav' "$base/v1/jobs?filename=$name.wav" | field id)
t_accepted=$(now)
echo "submitted job $id: upload and check took $(secs "$t_submit" "$t_accepted") s"
while :; do
	j=$(job)
	state=$(field state <<<"$j")
	total=$(field segments_total <<<"$j")
	done_=$(field segments_done <<<"$j")
	case $state in succeeded | failed | canceled)
		echo "job-crash: the job ended ($state) before the kill; use a smaller FRACTION" >&2
		exit 1 ;;
	esac
	if awk -v d="$done_" -v t="$total" -v f="$frac" 'BEGIN { exit !(t > 0 && d >= f * t) }'; then break; fi
	sleep 1
done
read -r cpu1 rss1 < <(stats "$pid1")
kill -9 "$pid1"
wait "$pid1" 2>/dev/null || true
pid=
t_kill=$(now)
q() { sqlite3 "$data/hark.db" "$1"; }
total=$(q "SELECT segments FROM hark_job WHERE id = '$id'")
done_kill=$(q "SELECT count(*) FROM hark_segment WHERE job_id = '$id' AND done = 1")
undone_kill=$(q "SELECT count(*) FROM hark_segment WHERE job_id = '$id' AND done = 0")
undone_sec=$(q "SELECT printf('%.3f', coalesce(sum(end_sample - start_sample), 0) / 16000.0) FROM hark_segment WHERE job_id = '$id' AND done = 0")
q "SELECT group_concat(idx) FROM hark_segment WHERE job_id = '$id' AND done = 1" >"$tmp/done-at-kill"
echo "SIGKILL after $(secs "$t_accepted" "$t_kill") s of decoding: $done_kill of $total segments done (database); " \
	"server 1: CPU ${cpu1} s, peak RSS ${rss1} MB"

# 2. Restart on the same data directory and wait for the job.
t_restart=$(now)
start_server "$tmp/serve2.log"
t_ready=$(now)
echo "restarted: ready after $(secs "$t_restart" "$t_ready") s"
while :; do
	j=$(job)
	state=$(field state <<<"$j")
	case $state in succeeded | failed | canceled) break ;; esac
	sleep 2
done
t_done=$(now)
read -r cpu2 rss2 < <(stats "$pid")
decoded2=$(metric hark_real_time_factor_count '{kind="job"}')
audio2=$(metric hark_audio_seconds_total '{kind="job"}')
curl -sf "$base/v1/jobs/$id/transcript?format=hark_json" >"$tmp/resumed.json"
curl -sf "$base/v1/jobs/$id/transcript?format=json" >"$tmp/openai.json"
kill -TERM "$pid"
wait "$pid" || { echo "job-crash: server 2 exited with $?" >&2; exit 1; }
pid=
echo "job $state $(secs "$t_ready" "$t_done") s after the restart; server 2: CPU ${cpu2} s, peak RSS ${rss2} MB;" \
	"decoded $decoded2 segments ($audio2 s of audio) after the restart; $undone_kill were unfinished ($undone_sec s)"
echo "total wall time from submit to done (without the restart gap): $(secs "$t_submit" "$t_kill")+$(secs "$t_ready" "$t_done") s"

# 3. The uninterrupted run: hark transcribe of the same file (cached per binary).
refjson=$out/$name.transcribe.$hash.json
if [[ -n ${REF_WAIT_PID:-} ]]; then # a reference run of this binary started elsewhere: wait for it
	while kill -0 "$REF_WAIT_PID" 2>/dev/null; do sleep 10; done
fi
if [[ ! -s $refjson ]]; then
	echo "uninterrupted run: hark transcribe --format json $wav"
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$tmp/hark" transcribe --format json "$wav" >"$refjson.tmp"
	mv "$refjson.tmp" "$refjson"
	read -r el us ss kb <"$tmp/time"
	echo "  took $el s wall, CPU $(python3 -c "print(f'{$us + $ss:.1f}')") s, peak RSS $((kb / 1024)) MB"
else
	echo "uninterrupted run: $refjson (hark transcribe --format json of this binary, cached)"
fi

# 4. Checks.
rc=0
python3 - "$tmp/resumed.json" "$tmp/openai.json" "$refjson" "$data/hark.db" "$id" "$state" "$total" \
	"$undone_kill" "$undone_sec" "$decoded2" "$audio2" "$tmp/hyp" "$name" <<'EOF' || rc=$?
import json, sqlite3, sys
(resumed, openai, refjson, db, jid, state, total, undone, undone_sec, decoded2, audio2, hyp, name) = sys.argv[1:]
total, undone, decoded2 = int(total), int(undone), int(float(decoded2))
fails = []
def check(ok, msg):
    print(("  ok    " if ok else "  FAIL  ") + msg)
    if not ok:
        fails.append(msg)
check(state == "succeeded", f"job state {state}")
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
rows = con.execute("SELECT idx, start_sample, end_sample, done, words FROM hark_segment WHERE job_id = ? ORDER BY idx", (jid,)).fetchall()
check(len(rows) == total and [r[0] for r in rows] == list(range(total)), f"database: {len(rows)} segment rows, indices 0..{total - 1}")
check(all(r[3] == 1 for r in rows), f"database: all {len(rows)} segments done")
check(all(r[1] < r[2] for r in rows) and all(rows[i][1] >= rows[i - 1][2] for i in range(1, len(rows))),
      "database: segment spans non-empty, increasing and disjoint")
a = json.load(open(resumed))
b = json.load(open(refjson))
sa, sb = a["segments"], b["segments"]
check(len(sa) == total and [s["id"] for s in sa] == list(range(total)), f"transcript: {len(sa)} segments, ids 0..{total - 1}")
words = [w for s in sa for w in s["words"]]
# (a word may last 0 s, so its successor can start at the same time)
check(all((words[i]["start"], words[i]["end"]) > (words[i - 1]["start"], words[i - 1]["end"]) and
          words[i]["start"] >= words[i - 1]["end"] - 0.0015 for i in range(1, len(words))),
      f"transcript: all {len(words)} words in strictly increasing time order, none overlapping (no word twice)")
check(all(s["start"] - 0.01 <= w["start"] <= w["end"] <= s["end"] + 0.01 for s in sa for w in s["words"]),
      "transcript: every word inside its own segment's span")
dbwords = sum(len(json.loads(r[4] or "[]")) for r in rows)
check(dbwords == len(words), f"database: {dbwords} words stored = {len(words)} in the transcript")
check(decoded2 == undone, f"restart decoded {decoded2} segments = the {undone} unfinished at the kill")
check(abs(float(audio2) - float(undone_sec)) < 0.01 * max(1, undone),
      f"restart decoded {float(audio2):.3f} s of audio = the unfinished segments' {float(undone_sec):.3f} s")
key = lambda segs: [(s["start"], s["end"], s["text"], [(w["word"], w["start"], w["end"], w["conf"]) for w in s["words"]]) for s in segs]
ka, kb = key(sa), key(sb)
same = ka == kb and a["text"] == b["text"]
check(same, f"transcript equals the uninterrupted run's ({len(sb)} segments, {sum(len(s['words']) for s in sb)} words, times and confidences)")
if not same:
    for i, (x, y) in enumerate(zip(ka, kb)):
        if x != y:
            print(f"    first difference at segment {i}:\n    job:        {x}\n    transcribe: {y}")
            break
    else:
        print(f"    segment counts differ: {len(ka)} vs {len(kb)}")
check(abs(a["duration"] - b["duration"]) < 0.002, f"duration {a['duration']:.3f} s = {b['duration']:.3f} s")
check(json.load(open(openai))["text"] == a["text"], "format=json (OpenAI) text equals hark_json's")
open(hyp, "w").write(f"{a['text']} ({name})\n")
sys.exit(1 if fails else 0)
EOF
echo "WER vs $ref:"
python3 ../shared/eval/wer.py "$ref" "$tmp/hyp" | sed 's/^/  /'
grep -hiE 'rescu|resum|retry|error|warn' "$tmp/serve1.log" "$tmp/serve2.log" | head -n 10 | sed 's/^/  log: /' || true
exit $rc
