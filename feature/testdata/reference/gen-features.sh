#!/bin/sh
# Regenerates the feature-vector references of package feature with Debian's libsphinxbase.so.3
# (sphinxbase 0.8+5prealpha+1) through featref.c, and the tidigits cepstra with Debian's sphinx_fe.
# Run from this directory: sh gen-features.sh   (needs gcc, python3, sphinxbase-utils, libsphinxbase3,
# pocketsphinx-testdata)
set -eu
TD=/usr/share/pocketsphinx/test/data
ENUS_INIT=41.00,-5.29,-0.12,5.09,2.48,-4.07,-1.37,-1.78,-5.08,-2.05,-6.45,-1.42,1.17
SV=0-12/13-25/26-38
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O1 -o "$tmp/featref" featref.c /usr/lib/x86_64-linux-gnu/libsphinxbase.so.3 -lm

# tidigits front end (the model's feat.params without -dither, which sphinx_fe seeds identically anyway)
sphinx_fe -i $TD/tidigits/dhd.2934z.raw -o dhd-tidigits.mfc -raw yes -lowerf 1 -upperf 4000 -nfilt 20 \
    -transform dct -round_filters no -remove_dc yes -wlen 0.025 >/dev/null 2>&1

# goforward.mfc four times over: 1056 frames, enough for live CMN's 800-frame window
python3 -c '
import struct,sys
b=open("goforward.mfc","rb").read()[4:]
open(sys.argv[1],"wb").write(struct.pack("<i",len(b))+b*4)' "$tmp/goforward4x.mfc"

: > means.txt
run() { # name args...
	name=$1; shift
	printf '%s ' "$name" >> means.txt
	"$tmp/featref" "$@" 2>/dev/null >> means.txt
}
#   name                TYPE      CMN AGC BLOCK (CMN 3: batch with -varnorm) IN                OUT                      CMNINIT  SVSPEC
run goforward-batch     1s_c_d_dd 1 0 0  goforward.mfc          goforward-batch.feat     - $SV
run goforward-live7     1s_c_d_dd 2 0 7  goforward.mfc          goforward-live7.feat     $ENUS_INIT $SV
run goforward4x-live1   1s_c_d_dd 2 0 1  "$tmp/goforward4x.mfc" goforward4x-live1.feat   $ENUS_INIT
run dhd-s2_4x-batch     s2_4x     1 0 0  dhd-tidigits.mfc       dhd-s2_4x-batch.feat     -
run dhd-s2_4x-live10    s2_4x     2 0 10 dhd-tidigits.mfc       dhd-s2_4x-live10.feat    63,-1,1
run goforward-agcmax    1s_c_d_dd 1 1 0  goforward.mfc          goforward-agcmax.feat    -
run goforward-agcemax   1s_c_d_dd 1 2 0  goforward.mfc          goforward-agcemax.feat   -
run goforward-agcnoise  1s_c_d_dd 0 3 0  goforward.mfc          goforward-agcnoise.feat  -
run goforward-agc-live7 1s_c_d_dd 2 1 7  goforward.mfc          goforward-agc-live7.feat $ENUS_INIT
run goforward-varnorm   1s_c_d_dd 3 0 0  goforward.mfc          goforward-varnorm.feat   -
