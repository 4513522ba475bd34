#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need, then gofmt, go vet, staticcheck and
# go test -race over every package. Extra arguments go to go test (e.g. -run, -short).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
export PATH="$(go env GOPATH)/bin:$PATH"
echo "== gofmt" >&2
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then echo "gofmt would change:"; echo "$bad"; exit 1; fi
echo "== go vet" >&2
go vet ./...
echo "== staticcheck" >&2
staticcheck ./...
echo "== build (CGO_ENABLED=0)" >&2
CGO_ENABLED=0 go build -o /dev/null ./cmd/hark
echo "== go test -race" >&2
CGO_ENABLED=1 go test -race -timeout 30m "$@" ./...
