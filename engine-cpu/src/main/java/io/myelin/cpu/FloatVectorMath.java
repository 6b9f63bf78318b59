package io.myelin.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, log and tanh on {@link FloatVector}s built from IEEE arithmetic only (add, mul, fma, bit
 * reinterpretation, compares), so a result is the same bits whether C2 has compiled the caller or
 * the Vector API's Java fallback runs it (interpreter, C1, a cold thread).
 *
 * <p>Why not {@code lanewise(EXP/LOG/TANH)}: C2 maps those to SVML, while the fallback calls {@code
 * Math.exp} per lane, and the two differ in the last bit for some inputs. A softmax row could then
 * change with the thread that ran it (one warm, one cold) - a CI failure seen on 2 threads.
 *
 * <p>The polynomials are the classic Cephes single-precision ones (range reduction by ln 2 for exp,
 * mantissa in [sqrt(1/2), sqrt 2) for log), within 2 ulp of the correctly rounded value on the
 * whole float range (checked against StrictMath in {@code FloatVectorMathTest}). Special values as
 * {@code Math}: NaN propagates, exp(-inf) = 0, exp(+inf) = +inf, log(0) = -inf, log(x < 0) = NaN,
 * tanh(+-inf) = +-1; exp underflows gradually through the subnormals.
 *
 * <p>{@link #sum} replaces {@code reduceLanes(ADD)} for the same reason: C2 and the fallback add
 * the lanes in different orders (seen: different bits on random vectors).
 */
final class FloatVectorMath {
  private static final float LOG2E = 1.44269504088896341f;
  // ln 2 split in a head with few significant bits (k * LN2_HI is exact) and a tail.
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits.
  private static final float ROUNDER = 12582912f;
  private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
  // The largest float whose exp is finite; below EXP_MIN exp is under half the smallest subnormal.
  private static final float EXP_MAX = 88.72283172607422f;
  private static final float EXP_MIN = -103.97208f;
  private static final float SQRT_HALF = 0.707106781186547524f;
  private static final float TANH_SMALL = 0.625f;

  private static final VectorSpecies<Float> S = VectorSpecies.of(float.class, VectorWidth.SHAPE);
  // Butterfly steps: lane i meets lane i ^ h, for h = len/2 ... 1.
  private static final VectorShuffle<Float>[] BUTTERFLY = butterfly();

  private FloatVectorMath() {}

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Float>[] butterfly() {
    int steps = Integer.numberOfTrailingZeros(S.length());
    VectorShuffle<Float>[] out = new VectorShuffle[steps];
    for (int i = 0; i < steps; i++) {
      int h = S.length() >> (i + 1);
      out[i] = VectorShuffle.fromOp(S, lane -> lane ^ h);
    }
    return out;
  }

  /**
   * The sum of the lanes in one fixed order (a butterfly of lane-wise adds, so pairs of halves
   * first), the same bits compiled or interpreted. Vectors of the kernels' species ({@link
   * VectorWidth}) only.
   */
  static float sum(FloatVector v) {
    for (VectorShuffle<Float> s : BUTTERFLY) {
      v = v.add(v.rearrange(s));
    }
    return v.lane(0);
  }

  /** e^x per lane. */
  static FloatVector exp(FloatVector x) {
    FloatVector c = x.max(EXP_MIN).min(EXP_MAX);
    // k = rint(x log2 e), read both as a float and, from the mantissa bits, as an int.
    FloatVector shifted = c.fma(LOG2E, ROUNDER);
    FloatVector k = shifted.sub(ROUNDER);
    IntVector ki = ((IntVector) shifted.reinterpretAsInts()).sub(ROUNDER_BITS);
    FloatVector r = k.fma(k.broadcast(-LN2_HI), c);
    r = k.fma(k.broadcast(-LN2_LO), r);
    FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
    p = p.fma(r, p.broadcast(8.3334519073e-3f));
    p = p.fma(r, p.broadcast(4.1665795894e-2f));
    p = p.fma(r, p.broadcast(1.6666665459e-1f));
    p = p.fma(r, p.broadcast(5.0000001201e-1f));
    FloatVector e = p.mul(r.mul(r)).add(r).add(1f);
    // 2^k in two factors, each a normal float even when k reaches -150 (subnormal results).
    IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
    IntVector k2 = ki.sub(k1);
    e = e.mul(pow2(k1)).mul(pow2(k2));
    e = e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
    e = e.blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
    // min/max above turned NaN into NaN already (they propagate it); keep x's own NaN payload.
    return e.blend(x, x.test(VectorOperators.IS_NAN));
  }

  /** Natural logarithm per lane. */
  static FloatVector log(FloatVector x) {
    // Subnormal inputs: scale into the normal range first, 2^25 and subtract 25 from the exponent.
    VectorMask<Float> tiny = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
    FloatVector xs = x.blend(x.mul(33554432f), tiny);
    IntVector bits = (IntVector) xs.reinterpretAsInts();
    IntVector exponent = bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(126);
    FloatVector e = (FloatVector) exponent.convert(VectorOperators.I2F, 0);
    e = e.lanewise(VectorOperators.SUB, 25f, tiny);
    // m in [0.5, 1): the mantissa with the exponent of 0.5.
    FloatVector m = (FloatVector) bits.and(0x807fffff).or(0x3f000000).reinterpretAsFloats();
    VectorMask<Float> low = m.compare(VectorOperators.LT, SQRT_HALF);
    // m < sqrt(1/2): use 2m - 1 and one exponent less, so the argument stays in [-0.29, 0.41].
    e = e.lanewise(VectorOperators.SUB, 1f, low);
    FloatVector f = m.add(m, low).sub(1f);
    FloatVector z = f.mul(f);
    FloatVector y = f.fma(7.0376836292e-2f, -1.1514610310e-1f);
    y = y.fma(f, y.broadcast(1.1676998740e-1f));
    y = y.fma(f, y.broadcast(-1.2420140846e-1f));
    y = y.fma(f, y.broadcast(1.4249322787e-1f));
    y = y.fma(f, y.broadcast(-1.6668057665e-1f));
    y = y.fma(f, y.broadcast(2.0000714765e-1f));
    y = y.fma(f, y.broadcast(-2.4999993993e-1f));
    y = y.fma(f, y.broadcast(3.3333331174e-1f));
    y = y.mul(f).mul(z);
    y = e.fma(e.broadcast(LN2_LO), y);
    y = z.fma(z.broadcast(-0.5f), y);
    FloatVector result = f.add(y);
    result = e.fma(e.broadcast(LN2_HI), result);
    result = result.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
    result =
        result.blend(
            Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
    result = result.blend(Float.NaN, x.compare(VectorOperators.LT, 0f));
    return result.blend(x, x.test(VectorOperators.IS_NAN));
  }

  /** Hyperbolic tangent per lane. */
  static FloatVector tanh(FloatVector x) {
    FloatVector a = x.abs();
    // |x| < 0.625: odd polynomial (no cancellation near 0); above: 1 - 2 / (e^{2|x|} + 1).
    FloatVector z = x.mul(x);
    FloatVector p = z.fma(-5.70498872745e-3f, 2.06390887954e-2f);
    p = p.fma(z, p.broadcast(-5.37397155531e-2f));
    p = p.fma(z, p.broadcast(1.33314422036e-1f));
    p = p.fma(z, p.broadcast(-3.33332819422e-1f));
    FloatVector small = p.mul(z).fma(x, x);
    FloatVector big = a.broadcast(1f).sub(a.broadcast(2f).div(exp(a.add(a)).add(1f)));
    big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
    FloatVector t = small.blend(big, a.compare(VectorOperators.GE, TANH_SMALL));
    // tanh(-0) = -0, which the polynomial's rounding would turn into +0.
    return t.blend(x, a.compare(VectorOperators.EQ, 0f));
  }

  /** 2^k for k in [-126, 127], built from its exponent bits. */
  private static FloatVector pow2(IntVector k) {
    return (FloatVector) k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
  }
}
