#!/usr/bin/env bash
# Runs JMH benchmarks on JDK 25 (or $JAVA_HOME) and writes JMH JSON into reports/.
#   bench/run.sh                       # the network benchmark, quick
#   bench/run.sh NetworkBench BlockBench -- -f 1 -wi 3 -i 5   # chosen benchmarks, extra JMH options
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export JAVA_HOME
build=${BENCH_BUILD_DIR:-target}

benches=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do benches+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#benches[@]} -eq 0 ] && benches=(NetworkBench)

echo "building benchmarks into $build ..." >&2
mvn -B -q -ntp -DbuildDir="$PWD/$build" test-compile dependency:build-classpath \
    -Dmdep.outputFile="$PWD/$build/bench-classpath.txt" -Dmdep.includeScope=test >&2
cp="$build/classes:$build/test-classes:$(cat "$build/bench-classpath.txt")"
mkdir -p reports
for b in "${benches[@]}"; do
  echo "running $b on $("$JAVA_HOME/bin/java" -version 2>&1 | head -1) ..." >&2
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$cp" org.openjdk.jmh.Main \
      "$b" -rf json -rff "reports/$b.json" "$@"
done
