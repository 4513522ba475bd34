#!/bin/sh
# Build the default en-us HCLG at several LM prune sizes and print, per size: wall time, CPU time
# (user+sys), peak RSS, HCLG states/arcs, file size and load time. Usage (from the module root):
#   bench/graph-build.sh [PRUNE ...]        default sizes: 100000 400000 1000000
# Graphs go to a temporary cache directory (removed at the end; set KEEP=1 to keep it).
set -eu
sizes=${*:-100000 400000 1000000}
bin=$(mktemp -d)/hark
CGO_ENABLED=0 go build -o "$bin" ./cmd/hark
cache=$(mktemp -d)
printf 'prune\twall_s\tcpu_s\tpeak_rss_MiB\tstates\tarcs\tfile_MiB\tload_s\n'
for n in $sizes; do
	log=$(mktemp)
	/usr/bin/time -f 'TIME %e %U %S %M' "$bin" graph build --prune "$n" --out "$cache" --force >"$log.out" 2>"$log"
	dir=$(cat "$log.out")
	set -- $(grep '^TIME' "$log")
	wall=$2 cpu=$(echo "$3 + $4" | bc) rss=$(( $5 / 1024 ))
	info=$("$bin" graph info "$dir")
	st=$(echo "$info" | awk '$1=="states"{print $2}')
	ar=$(echo "$info" | awk '$1=="arcs"{print $2}')
	by=$(echo "$info" | awk '$1=="bytes"{printf "%.1f", $2/1048576}')
	ld=$(echo "$info" | awk '$1=="load"{print $2}')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$wall" "$cpu" "$rss" "$st" "$ar" "$by" "$ld"
	grep -v '^TIME' "$log" | sed 's/^/  # /' >&2
	rm -f "$log" "$log.out"
done
[ "${KEEP:-}" = 1 ] && echo "graphs kept in $cache" >&2 || rm -rf "$cache"
