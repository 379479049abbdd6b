#!/usr/bin/env bash
# Regenerates the rerun series: the same commit of suite/ run 20 times with RUN_SEED=1..20
# (`go test -json`, Debian golang-go 1.19). truth.json names the tests written to be flaky (they fail
# on a seeded random draw) and the ones written to always fail.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
cp -r "$here/suite/." "$work/"
cd "$work"
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE="$work/.cache"
mkdir -p "$here/runs"
for s in $(seq 1 20); do
  RUN_SEED=$s go test -json -count=1 ./... > "$here/runs/run$(printf %02d "$s").json" || true
done
rm -rf "$work"
