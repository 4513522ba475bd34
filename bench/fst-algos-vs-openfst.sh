#!/usr/bin/env bash
# Side-by-side benchmark of hark's WFST algorithms (hark fst compose/determinize/minimize/rmepsilon) and
# OpenFST 1.7.9's tools on real inputs built by bench/mklg: the lexicon transducer L with disambiguation
# symbols from cmudict (phones → words, ~0.6M arcs) and the grammar G of the en-us LM pruned to TARGET
# n-grams (default 100000; backoff on #0, ~0.1M arcs). Rows:
#   compose      L ∘ G                          (LG, ~0.65M arcs)
#   determinize  det(LG)                        (functional transducer, disambiguation symbols kept)
#   minimize     min(det(LG))                   (OpenFST pushes labels first; hark minimizes label pairs)
#   rmepsilon    R: a seeded random cyclic transducer, 400k states, 1.2M arcs, 30% epsilon labels (synthetic:
#                epsilon removal on the backoff G or on L blows up to ~10^8 arcs in both implementations)
#   compose-GG   G ∘ G                          (a larger composition, with epsilon-free sorted inputs)
# Each row runs both on the same files and prints wall time (s), CPU time (user+sys, s) and peak RSS (MB)
# from /usr/bin/time, the ratios hark/OpenFST (target ≤ 1.5; on a shared machine CPU time is the fairer
# time measure), the output sizes, and whether the outputs are equivalent
# (fstequivalent --random, or fstisomorphic where the result is canonical).
#
# Inputs: L.fst G.fst from bench/mklg (cached in the work directory); the hark binary is rebuilt each run.
# Usage: bench/fst-algos-vs-openfst.sh [workdir] [TARGET]   (default /tmp/hark-fst-algos; inputs cached there)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/hark-fst-algos}
target=${2:-100000}
mkdir -p "$work"
HARK="$work/hark"
go build -o "$HARK" ./cmd/hark
if [ ! -s "$work/G.fst" ] || [ ! -s "$work/L.fst" ]; then
  go run ./bench/mklg -out "$work" -target "$target"
fi
[ -s "$work/R.fst" ] || go run ./bench/mklg -out "$work" -random 400000
cd "$work"

measure() { # prints "wall_seconds cpu_seconds maxrss_kb" of the command
  /usr/bin/time -f "%e %U %S %M" -o time.out bash -c "$1" > /dev/null
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' time.out
}
size() { fstinfo "$1" | awk '/# of states/ {s=$4} /# of arcs/ {a=$4} END {printf "%s/%s", s, a}'; }

printf "%-12s %7s %7s %7s %7s %8s %8s %6s %6s %6s  %-16s %-16s %s\n" op ofst_s hark_s ofst_cpu hark_cpu ofst_MB hark_MB wall_x cpu_x rss_x openfst_st/arcs hark_st/arcs check
row() { # row NAME "openfst command writing o.fst" "hark command writing h.fst" CHECK
  local name=$1 ocmd=$2 hcmd=$3 check=$4
  read -r ot oc om < <(measure "$ocmd")
  read -r ht hc hm < <(measure "$hcmd")
  local res
  case $check in
    iso) if fstisomorphic --delta=0.001 o.fst h.fst; then res=isomorphic; else res=NOT-isomorphic; fi ;;
    equiv) if fstequivalent --random --npath=200 --seed=1 --delta=0.01 o.fst h.fst; then res=equivalent; else res=NOT-equivalent; fi ;;
  esac
  awk -v n="$name" -v ot="$ot" -v ht="$ht" -v oc="$oc" -v hc="$hc" -v om="$om" -v hm="$hm" -v os="$(size o.fst)" -v hs="$(size h.fst)" -v r="$res" 'BEGIN {
    printf "%-12s %7.2f %7.2f %7.2f %7.2f %8.1f %8.1f %6.2f %6.2f %6.2f  %-16s %-16s %s\n", n, ot, ht, oc, hc, om/1024, hm/1024,
      (ot > 0 ? ht/ot : 0), (oc > 0 ? hc/oc : 0), (om > 0 ? hm/om : 0), os, hs, r }'
}

row compose "fstcompose L.fst G.fst o.fst" "$HARK fst compose L.fst G.fst h.fst" iso
cp o.fst LG.fst
row determinize "fstdeterminize LG.fst o.fst" "$HARK fst determinize LG.fst h.fst" equiv
cp o.fst detLG.fst
row minimize "fstminimize detLG.fst o.fst" "$HARK fst minimize detLG.fst h.fst" equiv
row rmepsilon "fstrmepsilon R.fst o.fst" "$HARK fst rmepsilon R.fst h.fst" equiv
fstarcsort --sort_type=olabel G.fst Go.fst
row compose-GG "fstcompose Go.fst G.fst o.fst" "$HARK fst compose Go.fst G.fst h.fst" iso
