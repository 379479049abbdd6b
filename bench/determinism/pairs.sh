#!/usr/bin/env bash
# Builds the benchmark's artifact pairs with the real tools, each twice: DIR/<name>/{a,b}/<artifact>.
# Non-reproducible on purpose ("plain-*") and fixed ("fixed-*"); the same planted causes as the
# pillar's tests (src/pillars/determinism/fixtures/builds.ts). Usage: pairs.sh DIR [LARGE_MIB]
set -euo pipefail
out=$(realpath "$1"); large=${2:-1024}
mkdir -p "$out"; cd "$out"
next_second() { sleep "0.$(( 1000 - 10#$(date +%3N) ))"; sleep 0.02; }

pair() { # name side artifact-path-in-workdir
  mkdir -p "$out/$1/$2"; cp "$3" "$out/$1/$2/"
}

for fixed in 0 1; do
  tag=$([ $fixed = 1 ] && echo fixed || echo plain)
  for side in a b; do
    w=$(mktemp -d); cd "$w"
    off=$([ $side = a ] && echo 0 || echo 3600)
    # tar (+gzip) of a tree with its own times, a file list in checkout order, another umask
    mkdir -p src bin; echo alpha > src/a.txt; echo beta > src/b.txt; printf '#!/bin/sh\n' > bin/run.sh; chmod 755 bin/run.sh
    chmod $([ $side = a ] && echo 644 || echo 664) src/a.txt; touch -d @$((1700000000 + off)) src/* bin/*
    if [ $fixed = 1 ]; then tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --mode=go-w -cf app.tar bin src; gzip -n -c app.tar > app.tar.gz
    else tar --no-recursion -cf app.tar $([ $side = a ] && echo bin/run.sh src/a.txt src/b.txt || echo src/b.txt src/a.txt bin/run.sh); touch -d @$((1700000000 + off)) app.tar; gzip -c app.tar > app.tar.gz; fi
    pair "tar-$tag" $side app.tar; pair "targz-$tag" $side app.tar.gz
    # gcc: __DATE__ __TIME__, the build folder in the debug info
    mkdir -p "build-$side-$RANDOM"; cd build-*; printf '#include <stdio.h>\nint main(void){printf("%%s %%s\\n",__DATE__,__TIME__);return 0;}\n' > hello.c
    if [ $fixed = 1 ]; then SOURCE_DATE_EPOCH=1700000000 gcc -g -O1 -ffile-prefix-map=$PWD=. -o hello hello.c; else next_second; gcc -g -O1 -o hello hello.c; fi
    pair "gcc-$tag" $side hello; cd "$w"
    # jar with entry times and a dated Implementation-Version
    mkdir -p classes/com/example; echo greeting=hello > classes/com/example/App.properties; touch -d @$((1700000000 + off)) classes/com/example/App.properties
    printf 'Implementation-Version: 1.0.0%s\n' "$([ $fixed = 1 ] || date -u -d @$((1700000000 + off * 24)) +-%Y%m%d)" > manifest.txt
    jar $([ $fixed = 1 ] && echo --date=2023-11-14T22:13:20Z) -c -f app.jar -m manifest.txt -C classes .
    pair "jar-$tag" $side app.jar
    # a wheel written by zipfile, with a .pyc
    mkdir -p demo; echo 'VALUE = 42' > demo/__init__.py; touch -d @$((1700000000 + off * 2)) demo/__init__.py
    SOURCE_DATE_EPOCH=1700000000 python3 - $fixed <<'PY'
import sys, zipfile, py_compile, time, os
fixed = sys.argv[1] == '1'
py_compile.compile('demo/__init__.py', cfile='demo/__init__.pyc', invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH if fixed else py_compile.PycInvalidationMode.TIMESTAMP)
with zipfile.ZipFile('demo-1.0-py3-none-any.whl', 'w', zipfile.ZIP_DEFLATED) as z:
    for rel in ['demo/__init__.py', 'demo/__init__.pyc']:
        if fixed:
            i = zipfile.ZipInfo(rel, date_time=time.gmtime(int(os.environ['SOURCE_DATE_EPOCH']))[:6]); i.external_attr = 0o644 << 16
            z.writestr(i, open(rel, 'rb').read(), zipfile.ZIP_DEFLATED)
        else:
            z.write(rel)
PY
    pair "wheel-$tag" $side demo-1.0-py3-none-any.whl
    cd "$out"; rm -rf "$w"
  done
done

# the large pair: one big entry (differing in one byte) and a stamped file, in a tar
if [ "$large" -gt 0 ]; then
  for side in a b; do
    w=$(mktemp -d); cd "$w"
    head -c "${large}M" /dev/zero | tr '\0' 'x' > big.bin; echo "built $side" > stamp.txt
    [ $side = b ] && printf y | dd of=big.bin bs=1 seek=1000 conv=notrunc status=none
    touch -d @$((1700000000 + $([ $side = a ] && echo 0 || echo 60))) big.bin stamp.txt
    mkdir -p "$out/large/$side"; tar -cf "$out/large/$side/large.tar" big.bin stamp.txt
    cd "$out"; rm -rf "$w"
  done
fi
