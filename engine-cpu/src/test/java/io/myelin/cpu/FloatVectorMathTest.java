package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * {@link FloatVectorMath} against StrictMath in double, rounded once (the correctly rounded float
 * for all but a vanishing set of inputs), over random bit patterns across the whole float range,
 * the special values, and dense sweeps where the branches meet; and the same bits under {@code
 * -Xint} (the Vector API's Java fallback) as here after C2 has compiled it.
 */
class FloatVectorMathTest {
  private static final VectorSpecies<Float> S = VectorSpecies.of(float.class, VectorWidth.SHAPE);

  /** Inputs: specials, random floats of every exponent, and sweeps over the interesting ranges. */
  static float[] inputs() {
    return inputs(100_000);
  }

  static float[] inputs(int n) {
    List<Float> v =
        new ArrayList<>(
            List.of(
                0f,
                -0f,
                1f,
                -1f,
                Float.NaN,
                Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE,
                -Float.MIN_VALUE,
                Float.MIN_NORMAL,
                Float.MAX_VALUE,
                -Float.MAX_VALUE,
                88.72283f,
                88.72284f,
                -87.33655f,
                -103.97207f,
                -103.97208f,
                -104f,
                0.625f,
                -0.625f,
                Math.nextDown(0.625f),
                0.70710677f,
                0.70710683f));
    SplittableRandom r = new SplittableRandom(20261201);
    for (int i = 0; i < 2 * n; i++) {
      v.add(Float.intBitsToFloat(r.nextInt()));
    }
    for (int i = 0; i < n; i++) {
      v.add((float) (r.nextDouble() * 240 - 120)); // exp's whole finite range and beyond
      v.add((float) (r.nextDouble() * 4 - 2)); // activations' usual inputs
      v.add((float) r.nextDouble(0.5, 2)); // log's mantissa split
    }
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v.get(i);
    }
    return out;
  }

  static float[] apply(UnaryOperator<FloatVector> f, float[] x) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i += S.length()) {
      var m = S.indexInRange(i, x.length);
      f.apply(FloatVector.fromArray(S, x, i, m)).intoArray(y, i, m);
    }
    return y;
  }

  /** Distance in units in the last place of the float reference; 0 for equal specials. */
  private static double ulps(float got, double exact) {
    float ref = (float) exact;
    if (Float.isNaN(ref) || Float.isNaN(got)) {
      return Float.isNaN(ref) && Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
    }
    if (Float.isInfinite(ref) || Float.isInfinite(got)) {
      return ref == got ? 0 : Double.POSITIVE_INFINITY;
    }
    if (ref == 0 && got == 0 && Float.floatToRawIntBits(ref) != Float.floatToRawIntBits(got)) {
      return Double.POSITIVE_INFINITY; // wrong sign of zero
    }
    return Math.abs(got - exact) / Math.ulp(ref);
  }

  private static void within(
      String name, UnaryOperator<FloatVector> f, DoubleUnaryOperator ref, double maxUlps) {
    float[] x = inputs();
    float[] y = apply(f, x);
    double worst = 0;
    float worstX = 0;
    for (int i = 0; i < x.length; i++) {
      double u = ulps(y[i], ref.applyAsDouble(x[i]));
      if (u > worst) {
        worst = u;
        worstX = x[i];
      }
    }
    System.out.printf("%s: max %.3f ulp at %s%n", name, worst, worstX);
    assertTrue(
        worst <= maxUlps,
        name
            + ": "
            + worst
            + " ulp at x = "
            + worstX
            + " (got "
            + apply(f, new float[] {worstX})[0]
            + ", exact "
            + ref.applyAsDouble(worstX)
            + ")");
  }

  @Test
  void expIsWithinTwoUlpsEverywhere() {
    within("exp", FloatVectorMath::exp, StrictMath::exp, 2);
  }

  @Test
  void logIsWithinTwoUlpsEverywhere() {
    within("log", FloatVectorMath::log, StrictMath::log, 2);
  }

  @Test
  void tanhIsWithinTwoUlpsEverywhere() {
    within("tanh", FloatVectorMath::tanh, StrictMath::tanh, 2);
  }

  @Test
  void sumIsTheLaneSumWithinRounding() {
    SplittableRandom r = new SplittableRandom(7);
    float[] lanes = new float[S.length()];
    for (int t = 0; t < 10_000; t++) {
      double exact = 0;
      double magnitude = 0;
      for (int i = 0; i < lanes.length; i++) {
        lanes[i] = (float) ((r.nextDouble() * 2 - 1) * Math.pow(10, r.nextInt(7) - 3));
        exact += lanes[i];
        magnitude += Math.abs(lanes[i]);
      }
      float got = FloatVectorMath.sum(FloatVector.fromArray(S, lanes, 0));
      // log2(lanes) roundings, each at most half an ulp of a partial sum bounded by magnitude.
      double bound = Integer.numberOfTrailingZeros(S.length()) * Math.ulp((float) magnitude);
      assertTrue(Math.abs(got - exact) <= bound, got + " vs " + exact + " (bound " + bound + ")");
    }
    assertEquals(
        Float.POSITIVE_INFINITY,
        FloatVectorMath.sum(FloatVector.broadcast(S, Float.MAX_VALUE)),
        "overflow");
    assertTrue(Float.isNaN(FloatVectorMath.sum(FloatVector.zero(S).withLane(1, Float.NaN))));
  }

  /** Prints a checksum of exp, log, tanh and sum over a few inputs: run under -Xint below. */
  public static void main(String[] args) {
    System.out.println(checksum());
  }

  static long checksum() {
    float[] x = inputs(4_000); // small: the interpreted fallback is slow
    long h = 17;
    for (UnaryOperator<FloatVector> f :
        List.<UnaryOperator<FloatVector>>of(
            FloatVectorMath::exp,
            FloatVectorMath::log,
            FloatVectorMath::tanh,
            v -> FloatVector.broadcast(S, FloatVectorMath.sum(v)))) {
      for (float v : apply(f, x)) {
        h = h * 31 + Float.floatToRawIntBits(v);
      }
    }
    return h;
  }

  @Test
  void compiledAndInterpretedGiveTheSameBits() throws IOException, InterruptedException {
    long compiled = 0;
    for (int i = 0; i < 300; i++) { // enough repetitions for C2 to compile the vector code
      compiled = checksum();
    }
    String java = ProcessHandle.current().info().command().orElseThrow();
    Path out = Files.createTempFile("xint", ".txt");
    try {
      Process p =
          new ProcessBuilder(
                  java,
                  "-Xint",
                  "--add-modules",
                  "jdk.incubator.vector",
                  // The same vector width as this JVM's kernels (a narrowed run passes it on).
                  "-Dmyelin.cpu.vectorBits=" + VectorWidth.SHAPE.vectorBitSize(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  FloatVectorMathTest.class.getName())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the -Xint run did not finish in 5 minutes");
      List<String> lines = Files.readAllLines(out);
      assertEquals(0, p.exitValue(), String.join("\n", lines));
      assertEquals(
          Long.toString(compiled),
          lines.get(lines.size() - 1).trim(),
          "-Xint vs C2 checksum; output: " + lines);
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
