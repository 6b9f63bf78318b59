#!/usr/bin/env bash
# Newton-CG against L-BFGS on NewtonCGConformanceTest's problems (issue 16): iterations, evaluations,
# hvps and the median wall time of a whole minimisation. See
# bench/src/main/java/io/myelin/bench/NewtonCGBenchmark.java.
#
#   bench/scripts/newton_cg.sh            # cpu, 5 measured runs after 3 warm-up runs each
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVICE=${DEVICE:-cpu}
REPS=${REPS:-5}
WARMUP=${WARMUP:-200}
JAVA=${JAVA:-$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -n1)}
[ -f bench/target/classpath.txt ] || mvn -B -o -q -Pbench -pl bench -am package -DskipTests
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
"$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$CP" \
  io.myelin.bench.NewtonCGBenchmark --device "$DEVICE" --reps "$REPS" --warmup "$WARMUP" \
  2>/dev/null
