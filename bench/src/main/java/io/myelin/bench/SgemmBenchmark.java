package io.myelin.bench;

import io.myelin.cpu.CpuBackend;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: one SGEMM per invocation, Myelin ({@code myelin}) and ND4J ({@code nd4j}) on the same
 * operands. JMH gives each benchmark method its own fork; for both engines interleaved in one JVM
 * under the same load use {@link SgemmSideBySide}. Score is time per call; GFLOP/s = 2mnk / time.
 *
 * <p>{@code java -cp ... org.openjdk.jmh.Main SgemmBenchmark -p shape=1024 -p threads=1}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SgemmBenchmark {
  @Param({
    "256",
    "512",
    "1024",
    "2048",
    "128x784x512",
    "128x512x256",
    "128x256x10",
    "256x784x512",
    "256x512x256",
    "256x256x10"
  })
  public String shape;

  @Param({"1", "2"})
  public int threads;

  private CpuBackend backend;
  private GemmProblem problem;

  @Setup(Level.Trial)
  public void setUp() {
    Nd4jThreads.set(threads);
    backend = new CpuBackend(threads);
    problem = new GemmProblem(backend, GemmShape.parse(shape), 42);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    problem.close();
    backend.close();
  }

  @Benchmark
  public void myelin() {
    problem.myelin();
  }

  @Benchmark
  public void nd4j() {
    problem.nd4j();
  }
}
