package io.myelin.bench;

import org.nd4j.linalg.factory.Nd4j;

/** Sets the OpenBLAS thread count behind ND4J (and checks that it took). */
final class Nd4jThreads {
  private Nd4jThreads() {}

  static void set(int threads) {
    Nd4j.factory().blas().setMaxThreads(threads);
    int now = Nd4j.factory().blas().getMaxThreads();
    if (now != threads) {
      throw new IllegalStateException("ND4J/OpenBLAS kept " + now + " threads, asked " + threads);
    }
  }

  static String vendor() {
    return String.valueOf(Nd4j.factory().blas().getBlasVendor());
  }
}
