#!/usr/bin/env bash
# Captures REAL passing output of several tools (go test -v, cargo test, pytest -v, vitest, Maven),
# the bulk of the benchmark's 1 GB log. Each run is a small project made in a temp folder; the
# output is kept as the tool printed it (paths of the temp folder rewritten as in the corpus).
set -u
OUT=$(cd "$(dirname "$0")" && pwd)/passing
W=$(mktemp -d /tmp/autopsy-pass.XXXXXX); trap 'rm -rf "$W"' EXIT
clean() { sed -e "s#$W#/home/runner/work/app#g" -e "s#$HOME#/home/runner#g"; }

# go test -v: 600 passing subtests.
mkdir -p "$W/go" && cd "$W/go" && printf 'module example.com/kv\n\ngo 1.19\n' > go.mod
cat > kv_test.go <<'P'
package kv

import ("fmt"; "testing")

func TestParse(t *testing.T) {
	for i := 0; i < 600; i++ {
		t.Run(fmt.Sprintf("case_%04d", i), func(t *testing.T) { _ = i * 2 })
	}
}
P
GOFLAGS=-mod=mod GOPROXY=off GOCACHE=$W/gocache go test -v ./... 2>&1 | clean > "$OUT/go-test-v.log"

# cargo test: 300 passing tests.
mkdir -p "$W/rs" && cd "$W/rs" && cargo init --quiet --lib --name calc >/dev/null 2>&1
{ echo 'pub fn add(a: i64, b: i64) -> i64 { a + b }'; echo '#[cfg(test)] mod tests { use super::*;'; for i in $(seq 1 300); do echo "#[test] fn adds_$i() { assert_eq!(add($i, 1), $((i + 1))); }"; done; echo '}'; } > src/lib.rs
cargo test --offline 2>&1 | clean > "$OUT/cargo-test.log"

# pytest -v: 400 passing parametrized cases.
mkdir -p "$W/py/tests" && cd "$W/py"
printf 'import pytest\n\n@pytest.mark.parametrize("n", range(400))\ndef test_square(n):\n    assert n * n >= 0\n' > tests/test_math.py
python -m pytest -v tests/ 2>&1 | clean > "$OUT/pytest-v.log"

# vitest (verbose reporter): 200 passing tests.
mkdir -p "$W/js/src" && cd "$W/js" && ln -s "${AUTOPSY_JS_CACHE:-/tmp/autopsy-js-tools}/node_modules" node_modules
echo '{ "name": "m", "type": "module", "private": true }' > package.json
{ echo "import { test, expect } from 'vitest';"; for i in $(seq 1 200); do echo "test('formats value $i', () => { expect(String($i)).toBe('$i'); });"; done; } > src/fmt.test.js
npx vitest run --reporter=verbose 2>&1 | clean > "$OUT/vitest-verbose.log"

# Maven offline compile (INFO lines).
mkdir -p "$W/mvn/src/main/java/a" && cd "$W/mvn"
cat > pom.xml <<'P'
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>a</groupId><artifactId>a</artifactId><version>1</version>
<properties><maven.compiler.release>17</maven.compiler.release><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
<build><plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin></plugins></build></project>
P
echo 'package a; public class A { public int x() { return 1; } }' > src/main/java/a/A.java
mvn -B -o compile 2>&1 | clean > "$OUT/maven-compile.log"
ls -la "$OUT"
