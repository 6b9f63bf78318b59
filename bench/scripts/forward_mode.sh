#!/usr/bin/env bash
# Forward-mode costs on the MNIST-shape MLP (issue 16): jvp / forward and hvp / gradient (medians),
# and the "is forward mode on?" check's slow path against a plain gradient. See
# bench/src/main/java/io/myelin/bench/ForwardModeBenchmark.java for the columns.
#
#   bench/scripts/forward_mode.sh                      # cpu, 784-128-10, batch 128
#   DEVICE=cuda MODEL=784-128-10 BATCH=128 bench/scripts/forward_mode.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVICE=${DEVICE:-cpu}
MODEL=${MODEL:-784-128-10}
BATCH=${BATCH:-128}
REPS=${REPS:-200}
WARMUP=${WARMUP:-300}
JAVA=${JAVA:-$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -n1)}
[ -f bench/target/classpath.txt ] || mvn -B -o -q -Pbench -pl bench -am package -DskipTests
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
"$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$CP" \
  io.myelin.bench.ForwardModeBenchmark --device "$DEVICE" --model "$MODEL" --batch "$BATCH" \
  --reps "$REPS" --warmup "$WARMUP" 2>/dev/null
