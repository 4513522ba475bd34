#!/usr/bin/env bash
# Installs the Debian packages hark needs, quietly and only when missing.
#   scripts/deps.sh run    what transcribing needs: the default model and real test recordings
#   scripts/deps.sh test   what the test suite needs besides: the C references (pocketsphinx, sphinxbase,
#                          OpenFST), audio tools (sox, lame, flac), gcc for -race, and staticcheck
set -euo pipefail
what=${1:-run}
pkgs=(pocketsphinx-en-us pocketsphinx-testdata ca-certificates)
if [ "$what" = test ]; then
  pkgs+=(pocketsphinx sphinxbase-utils libfst-tools sox libsox-fmt-all lame flac time python3 gcc libc6-dev git)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing Debian packages: ${missing[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
if [ "$what" = test ]; then
  gobin=$(go env GOPATH)/bin
  if [ ! -x "$gobin/staticcheck" ]; then
    echo "installing staticcheck" >&2
    (cd / && go install honnef.co/go/tools/cmd/staticcheck@v0.8.2)
  fi
fi
