#!/usr/bin/env bash
# Side-by-side benchmark of `hark fst` and OpenFST 1.7.9's tools on the same real input: a lexicon
# transducer L built from cmudict (134,723 pronunciations, ~0.9M arcs; phones in, words out, in AT&T text
# with symbol tables). Each row runs both tools on the same files and prints, from /usr/bin/time, the CPU
# time (user + system, s), the wall time (s) and the peak RSS (MB), and the ratios hark/OpenFST of CPU
# time and RSS (target ≤ 1.5). CPU time is the fair figure on a shared machine; wall time is shown too.
#
# Usage: bench/fst-vs-openfst.sh [workdir]   (default: /tmp/hark-fst-bench; inputs are cached there)
#
# Adding a row (e.g. for compose/determinize): call
#   row NAME "openfst command" "hark command"
# at the end; commands run in the work directory, where L.txt, L.fst (vector), L.const.fst,
# phones.syms and words.syms exist, and HARK is the hark binary.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/hark-fst-bench}
mkdir -p "$work"
HARK="$work/hark"
go build -o "$HARK" ./cmd/hark
dict=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict

if [ ! -s "$work/L.txt" ]; then
  # L: state 0 is start and final; each pronunciation is a chain 0 → ... → 0 with the word on the
  # first arc and epsilon outputs on the others (alternative pronunciations "word(2)" map to "word").
  awk -v L="$work/L.txt" -v P="$work/phones.syms" -v W="$work/words.syms" '
    BEGIN { print "<eps> 0" > P; print "<eps> 0" > W; np = 0; nw = 0; ns = 0 }
    {
      w = $1; sub(/\([0-9]+\)$/, "", w)
      if (!(w in wid)) { wid[w] = ++nw; print w, nw > W }
      src = 0
      for (i = 2; i <= NF; i++) {
        p = $i
        if (!(p in pid)) { pid[p] = ++np; print p, np > P }
        dst = (i == NF) ? 0 : ++ns
        print src, dst, p, (i == 2 ? w : "<eps>") > L
        src = dst
      }
    }
    END { print 0 > L }' "$dict"
fi
cd "$work"
[ -s L.fst ] || fstcompile --isymbols=phones.syms --osymbols=words.syms --keep_isymbols --keep_osymbols L.txt L.fst
[ -s L.const.fst ] || fstconvert --fst_type=const L.fst L.const.fst

measure() { # prints "cpu_seconds wall_seconds maxrss_kb" of the command
  /usr/bin/time -f "%U %S %e %M" -o time.out bash -c "$1" > /dev/null
  awk '{ printf "%.2f %s %s\n", $1 + $2, $3, $4 }' time.out
}

printf "input: %s arcs, %s states\n" "$(fstinfo L.fst | awk '/# of arcs/ {print $4}')" "$(fstinfo L.fst | awk '/# of states/ {print $4}')"
printf "%-20s %9s %9s %9s %9s %9s %9s %7s %7s\n" op ofst_cpu hark_cpu ofst_wall hark_wall ofst_MB hark_MB cpu_x rss_x
row() {
  local name=$1 ocmd=$2 hcmd=$3
  read -r ot ow om < <(measure "$ocmd")
  read -r ht hw hm < <(measure "$hcmd")
  awk -v n="$name" -v ot="$ot" -v ht="$ht" -v ow="$ow" -v hw="$hw" -v om="$om" -v hm="$hm" 'BEGIN {
    printf "%-20s %9.2f %9.2f %9.2f %9.2f %9.1f %9.1f %7.2f %7.2f\n", n, ot, ht, ow, hw, om/1024, hm/1024,
      (ot > 0 ? ht/ot : 0), (om > 0 ? hm/om : 0) }'
}

row compile "fstcompile --isymbols=phones.syms --osymbols=words.syms --keep_isymbols --keep_osymbols L.txt o.fst" \
  "$HARK fst compile --isymbols=phones.syms --osymbols=words.syms --keep_isymbols --keep_osymbols L.txt h.fst"
cmp o.fst h.fst && echo "  (compile outputs byte-identical)"
row print "fstprint L.fst o.txt" "$HARK fst print L.fst h.txt"
cmp o.txt h.txt && echo "  (print outputs byte-identical)"
row convert-const "fstconvert --fst_type=const L.fst o.fst" "$HARK fst convert --fst_type=const L.fst h.fst"
cmp o.fst h.fst && echo "  (convert outputs byte-identical)"
row arcsort-ilabel "fstarcsort --sort_type=ilabel L.fst o.fst" "$HARK fst arcsort --sort_type=ilabel L.fst h.fst"
cmp o.fst h.fst && echo "  (arcsort outputs byte-identical)"
row arcsort-olabel "fstarcsort --sort_type=olabel L.fst o.fst" "$HARK fst arcsort --sort_type=olabel L.fst h.fst"
cmp o.fst h.fst && echo "  (arcsort outputs byte-identical)"
row arcsort-const-in "fstarcsort L.const.fst o.fst" "$HARK fst arcsort L.const.fst h.fst"
row info "fstinfo L.fst" "$HARK fst info L.fst"
row connect "fstconnect L.fst o.fst" "$HARK fst connect L.fst h.fst"
row invert "fstinvert L.fst o.fst" "$HARK fst invert L.fst h.fst"
row closure "fstclosure L.fst o.fst" "$HARK fst closure L.fst h.fst"
row shortestdistance "fstshortestdistance L.fst o.txt" "$HARK fst shortestdistance L.fst h.txt"
