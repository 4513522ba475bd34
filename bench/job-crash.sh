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
#   - the transcript (segment spans, words, times, confidences) equals an uninterrupted run's, and the
#     OpenAI-shaped json transcript's text equals hark_json's.
# The uninterrupted run is `hark transcribe --format json`, not a second job: it reaches the words through
# a different path (recognizer.Session.Transcribe over the stream: no store, no window reader, no queue)
# that the job must match segment for segment, so it is the stronger check, and a clean job equals it by
# the same argument. By default (REF=prefix) it decodes only the recording up to REF_AFTER (5) segments
# past the kill: the segments done before the kill, the one in flight and those the restarted process
# decoded first (where a resume bug - a lost, repeated or shifted segment, state carried into the new
# process - would show) are compared exactly, at a fraction of a full decode's cost (a 60-minute decode
# is 15-35 CPU minutes on 2 shared cores). REF=full decodes the whole file and compares everything,
# including the text; its output is cached in OUTDIR keyed by the binary's hash.
# Prints timings, CPU seconds (user+sys) and peak RSS (VmHWM) of each process, and the WER against the
# reference (../shared/eval/wer.py).
#
#   bench/job-crash.sh [OUTDIR [MINUTES [FRACTION]]]     (defaults /work/exp 60 0.25; from anywhere)
#   HARK=path/to/hark uses that binary instead of building one; PORT (18282) the loopback port;
#   KEEP=1 keeps the data directory and logs; REF_WAIT_PID=PID waits for that process (a `hark transcribe`
#   of this binary already writing OUTDIR/NAME.transcribe.HASH.json) before looking for the cached run.
set -euo pipefail
out=${1:-/work/exp}
min=${2:-60}
frac=${3:-0.25}
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

echo "job-crash: $wav ($(soxi -d "$wav"), $(du -m "$wav" | cut -f1) MB), hark ${HARK:-built from $(git log -1 --format=%h)} ($hash)"

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

# 3. The uninterrupted run: hark transcribe of the same audio (REF=full: the whole file, cached per binary;
# REF=prefix: the recording up to REF_AFTER segments past the kill).
refjson=$tmp/reference.json
ncmp=all
if [[ ${REF:-prefix} == full ]]; then
	cached=$out/$name.transcribe.$hash.json
	if [[ -s $cached ]]; then
		echo "uninterrupted run: $cached (hark transcribe --format json of this binary, cached)"
	else
		echo "uninterrupted run: hark transcribe --format json $wav"
		/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$tmp/hark" transcribe --format json "$wav" >"$cached.tmp"
		mv "$cached.tmp" "$cached"
		read -r el us ss kb <"$tmp/time"
		echo "  took $el s wall, CPU $(python3 -c "print(f'{$us + $ss:.1f}')") s, peak RSS $((kb / 1024)) MB"
	fi
	cp "$cached" "$refjson"
else
	ncmp=$((done_kill + ${REF_AFTER:-5}))
	refwav=$wav
	if ((ncmp + 1 < total)); then
		# Cut at the start of segment ncmp+1: the segmenter is causal, so the prefix splits like the whole
		# recording up to segment ncmp, whose end the end of the file may move; segments 0..ncmp-1 compare.
		cut=$(q "SELECT start_sample FROM hark_segment WHERE job_id = '$id' AND idx = $((ncmp + 1))")
		refwav=$tmp/prefix.wav
		sox -V1 "$wav" "$refwav" trim 0 "${cut}s"
	else
		ncmp=all
	fi
	echo "uninterrupted run: hark transcribe --format json of $(soxi -d "$refwav") of the recording (compared: segments 0..$([[ $ncmp == all ]] && echo $((total - 1)) || echo $((ncmp - 1))))"
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$tmp/hark" transcribe --format json "$refwav" >"$refjson"
	read -r el us ss kb <"$tmp/time"
	echo "  took $el s wall, CPU $(python3 -c "print(f'{$us + $ss:.1f}')") s, peak RSS $((kb / 1024)) MB"
fi

# 4. Checks.
rc=0
python3 - "$tmp/resumed.json" "$tmp/openai.json" "$refjson" "$data/hark.db" "$id" "$state" "$total" \
	"$undone_kill" "$undone_sec" "$decoded2" "$audio2" "$tmp/hyp" "$name" "$ncmp" "$done_kill" "$tmp/done-at-kill" <<'EOF' || rc=$?
import json, sqlite3, sys
(resumed, openai, refjson, db, jid, state, total, undone, undone_sec, decoded2, audio2, hyp, name, ncmp, done_kill,
 done_at_kill) = sys.argv[1:]
done_kill = int(done_kill)
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
check(open(done_at_kill).read().split() == [",".join(map(str, range(done_kill)))] or done_kill == 0,
      f"database at the kill: the done segments were 0..{done_kill - 1}")
check(decoded2 == undone, f"restart decoded {decoded2} segments = the {undone} unfinished at the kill")
check(abs(float(audio2) - float(undone_sec)) < 0.01 * max(1, undone),
      f"restart decoded {float(audio2):.3f} s of audio = the unfinished segments' {float(undone_sec):.3f} s")
key = lambda segs: [(s["start"], s["end"], s["text"], [(w["word"], w["start"], w["end"], w["conf"]) for w in s["words"]]) for s in segs]
ka, kb = key(sa), key(sb)
if ncmp == "all":
    same = ka == kb and a["text"] == b["text"]
    what = "the whole transcript"
else:
    n = int(ncmp)
    same = len(kb) >= n and ka[:n] == kb[:n]
    ka, kb = ka[:n], kb[:n]
    what = f"segments 0..{n - 1} (the {done_kill} done before the kill and {n - done_kill} decoded after the restart)"
check(same, f"{what} equal the uninterrupted run's ({len(kb)} segments, {sum(len(s[3]) for s in kb)} words, spans, times, confidences)")
if not same:
    for i, (x, y) in enumerate(zip(ka, kb)):
        if x != y:
            print(f"    first difference at segment {i}:\n    job:        {x}\n    transcribe: {y}")
            break
    else:
        print(f"    segment counts differ: {len(ka)} vs {len(kb)}")
if ncmp == "all":
    check(abs(a["duration"] - b["duration"]) < 0.002, f"duration {a['duration']:.3f} s = {b['duration']:.3f} s")
check(json.load(open(openai))["text"] == a["text"], "format=json (OpenAI) text equals hark_json's")
open(hyp, "w").write(f"{a['text']} ({name})\n")
sys.exit(1 if fails else 0)
EOF
echo "WER vs $ref:"
python3 ../shared/eval/wer.py "$ref" "$tmp/hyp" | sed 's/^/  /'
grep -hiE 'rescu|resum|retry|error|warn' "$tmp/serve1.log" "$tmp/serve2.log" | head -n 10 | sed 's/^/  log: /' || true
exit $rc
