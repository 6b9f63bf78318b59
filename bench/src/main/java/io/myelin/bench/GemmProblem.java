package io.myelin.bench;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.Storage;
import io.myelin.cpu.CpuBackend;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One shape's operands for both engines, filled with the same random values: Myelin storages on a
 * {@link CpuBackend} and ND4J arrays ('c' order) with a preallocated result, so each call does only
 * the product ({@code Nd4j.gemm} into C is ND4J's fast path).
 */
final class GemmProblem implements AutoCloseable {
  final GemmShape shape;
  private final CpuBackend backend;
  private final Storage a;
  private final Storage b;
  private final Storage c;
  private final GemmOperand ao;
  private final GemmOperand bo;
  private final GemmOperand co;
  private final INDArray na;
  private final INDArray nb;
  private final INDArray nc;

  GemmProblem(CpuBackend backend, GemmShape s, long seed) {
    this.shape = s;
    this.backend = backend;
    SplittableRandom r = new SplittableRandom(seed);
    // Stored shapes: A is m x k (k x m when transposed), B is k x n (n x k when transposed).
    float[] av = random(r, s.m() * s.k());
    float[] bv = random(r, s.k() * s.n());
    a = upload(av);
    b = upload(bv);
    c = backend.allocate(DType.FLOAT32, s.m() * s.n());
    ao = new GemmOperand(a, 0, s.transA() ? s.m() : s.k(), 0, s.transA());
    bo = new GemmOperand(b, 0, s.transB() ? s.k() : s.n(), 0, s.transB());
    co = GemmOperand.of(c, 0, s.n());
    na = Nd4j.create(av, s.transA() ? new long[] {s.k(), s.m()} : new long[] {s.m(), s.k()}, 'c');
    nb = Nd4j.create(bv, s.transB() ? new long[] {s.n(), s.k()} : new long[] {s.k(), s.n()}, 'c');
    nc = Nd4j.create(DataType.FLOAT, new long[] {s.m(), s.n()}, 'c');
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }

  private Storage upload(float[] v) {
    Storage s = backend.allocate(DType.FLOAT32, v.length);
    backend.copyFromHost(v, 0, s, 0, v.length);
    return s;
  }

  void myelin() {
    backend.gemm(1, shape.m(), shape.n(), shape.k(), 1, ao, bo, 0, co);
  }

  void nd4j() {
    Nd4j.gemm(na, nb, nc, shape.transA(), shape.transB(), 1.0, 0.0);
  }

  /** Largest |myelin - nd4j| over the largest |nd4j|, after one call of each. */
  double relativeDifference() {
    myelin();
    nd4j();
    float[] mine = new float[shape.m() * shape.n()];
    backend.copyToHost(c, 0, mine, 0, mine.length);
    float[] theirs = nc.data().asFloat();
    double diff = 0;
    double scale = 1e-30;
    for (int i = 0; i < mine.length; i++) {
      diff = Math.max(diff, Math.abs(mine[i] - theirs[i]));
      scale = Math.max(scale, Math.abs(theirs[i]));
    }
    return diff / scale;
  }

  @Override
  public void close() {
    a.release();
    b.release();
    c.release();
    na.close();
    nb.close();
    nc.close();
  }
}
