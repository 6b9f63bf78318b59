#!/usr/bin/env bash
# Myelin SGEMM next to ND4J (OpenBLAS) in one JVM, interleaved; prints GFLOP/s medians and ratios.
#
#   bench/scripts/sgemm.sh                                  # the issue's shapes, 1 and 2 threads
#   bench/scripts/sgemm.sh --shapes 1024,2048 --threads 1   # a subset
#   bench/scripts/sgemm.sh --jmh -p shape=1024 -p threads=1 # the JMH benchmark instead
#
# Builds the bench module offline (mvn package, never install) and runs from its class path.
set -euo pipefail
cd "$(dirname "$0")/../.."
java_bin() {
  for j in "${JAVA_HOME:-}/bin/java" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java "$(command -v java)"; do
    if [ -x "$j" ] && "$j" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then echo "$j"; return; fi
  done
  echo "need a JDK >= 25 (set JAVA_HOME)" >&2; exit 1
}
JAVA=$(java_bin)
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -ntp -o -q -Pbench -pl bench -am package -DskipTests >&2
fi
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xms2g -Xmx2g
  -XX:+UseParallelGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
echo "# $(date -u +%FT%TZ) $(nproc) cpus, load: $(cut -d' ' -f1-3 /proc/loadavg); $("$JAVA" -version 2>&1 | head -1)"
if [ "${1:-}" = --jmh ]; then
  shift
  exec "$JAVA" "${FLAGS[@]}" -cp "$CP" org.openjdk.jmh.Main io.myelin.bench.SgemmBenchmark "$@"
fi
"$JAVA" "${FLAGS[@]}" -cp "$CP" io.myelin.bench.SgemmSideBySide "$@" 2>/dev/null | grep -v '^WARNING'
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
