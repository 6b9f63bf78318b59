package io.myelin.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import io.myelin.DType;
import io.myelin.backend.BatchNormOptions;
import io.myelin.backend.CrossEntropyOptions;
import io.myelin.backend.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Times the memory-bound custom kernels (softmax, batch norm training forward, cross-entropy
 * forward and backward) against the device-to-device copy bandwidth of the same GPU, for
 * scripts/gpu-check. Bytes are the minimum each kernel must move (every input read once, every
 * output written once); achieved bandwidth = bytes / time, reported as a fraction of the copy's
 * (read + write) bandwidth.
 *
 * <p>Output, one CSV line per kernel: {@code kernel,<name>,<shape>,myelin,<ms>,<bytes>,<GB/s>} and
 * one {@code copy,d2d,<bytes>,myelin,<ms>,<bytes>,<GB/s>} line. With a directory argument it also
 * writes each kernel's input and output as raw little-endian float32 / int32 files ({@code
 * <name>.<tensor>.bin}) so bench/scripts/kernels_torch.py can run PyTorch on the same inputs and
 * report the maximum absolute difference.
 */
public final class KernelBenchmark {
  private KernelBenchmark() {}

  public static void main(String[] args) {
    Path dump = args.length > 0 ? Path.of(args[0]) : null;
    CudaProvider provider = new CudaProvider();
    var a = provider.probe();
    if (!a.available()) {
      System.out.println("# no GPU: " + a.reason());
      return;
    }
    try (CudaBackend b = (CudaBackend) provider.create(0)) {
      System.out.println("# " + b.description());
      copy(b, 64 << 20);
      softmax(b, 65536, 1024, dump);
      batchNorm(b, 256, 64, 56 * 56, dump);
      crossEntropy(b, 65536, 1000, dump);
    }
  }

  private static void report(String name, String shape, float ms, long bytes) {
    System.out.printf(
        Locale.ROOT,
        "kernel,%s,%s,myelin,%.4f,%d,%.1f%n",
        name,
        shape,
        ms,
        bytes,
        bytes / (ms * 1e-3) / 1e9);
  }

  private static float timed(CudaBackend b, Runnable once) {
    for (int i = 0; i < 3; i++) once.run();
    b.synchronize();
    int reps = 20;
    return GemmBenchmark.time(b, once, reps) / reps;
  }

  private static void copy(CudaBackend b, int floats) {
    CudaStorage src = (CudaStorage) b.allocate(DType.FLOAT32, floats);
    CudaStorage dst = (CudaStorage) b.allocate(DType.FLOAT32, floats);
    b.randomUniform(src, 0, floats, 1, 0, 0, 1);
    long bytes = 4L * floats;
    float ms =
        timed(
            b,
            () ->
                Driver.check(
                    cuMemcpyDtoDAsync(
                        DevicePointer.at(dst.address(0)),
                        DevicePointer.at(src.address(0)),
                        bytes,
                        b.context().stream()),
                    "cuMemcpyDtoDAsync"));
    System.out.printf(
        Locale.ROOT,
        "copy,d2d,%d,myelin,%.4f,%d,%.1f%n",
        bytes,
        ms,
        2 * bytes,
        2 * bytes / (ms * 1e-3) / 1e9);
    src.release();
    dst.release();
  }

  private static void softmax(CudaBackend b, int rows, int cols, Path dump) {
    int n = rows * cols;
    Storage x = b.allocate(DType.FLOAT32, n);
    Storage y = b.allocate(DType.FLOAT32, n);
    b.randomUniform(x, 0, n, 2, 0, -8, 8);
    float ms = timed(b, () -> b.softmax(false, x, 0, rows, cols, y, 0));
    report("softmax", rows + "x" + cols, ms, 8L * n);
    write(b, dump, "softmax.x", x);
    write(b, dump, "softmax.y", y);
    x.release();
    y.release();
  }

  private static void batchNorm(CudaBackend b, int batch, int channels, int spatial, Path dump) {
    var o = new BatchNormOptions(batch, channels, spatial, true, 0.1, 1e-5);
    int n = o.size();
    Storage x = b.allocate(DType.FLOAT32, n);
    Storage y = b.allocate(DType.FLOAT32, n);
    Storage g = b.allocate(DType.FLOAT32, channels);
    Storage be = b.allocate(DType.FLOAT32, channels);
    Storage mean = b.allocate(DType.FLOAT32, channels);
    Storage istd = b.allocate(DType.FLOAT32, channels);
    b.randomUniform(x, 0, n, 3, 0, -2, 2);
    b.randomUniform(g, 0, channels, 4, 0, 0.5, 1.5);
    b.randomUniform(be, 0, channels, 5, 0, -1, 1);
    float ms = timed(b, () -> b.batchNorm(o, x, 0, g, be, null, null, mean, istd, y, 0));
    report("batchnorm_train_fwd", batch + "x" + channels + "x" + spatial, ms, 8L * n);
    write(b, dump, "batchnorm.x", x);
    write(b, dump, "batchnorm.gamma", g);
    write(b, dump, "batchnorm.beta", be);
    write(b, dump, "batchnorm.y", y);
    for (Storage s : new Storage[] {x, y, g, be, mean, istd}) s.release();
  }

  private static void crossEntropy(CudaBackend b, int rows, int classes, Path dump) {
    var o = new CrossEntropyOptions(rows, classes, false, -100, 0, true);
    int n = rows * classes;
    Storage x = b.allocate(DType.FLOAT32, n);
    Storage gx = b.allocate(DType.FLOAT32, n);
    Storage loss = b.allocate(DType.FLOAT32, rows);
    Storage total = b.allocate(DType.FLOAT32, 2);
    Storage one = b.allocate(DType.FLOAT32, 1);
    Storage labels = b.allocate(DType.INT32, rows);
    b.randomUniform(x, 0, n, 6, 0, -8, 8);
    int[] l = new int[rows];
    for (int i = 0; i < rows; i++) l[i] = (int) ((i * 2654435761L) % classes);
    b.copyFromHost(l, 0, labels, 0, rows);
    b.copyFromHost(new float[] {1}, 0, one, 0, 1);
    float fwd = timed(b, () -> b.crossEntropy(o, x, 0, labels, 0, null, loss, 0, total, 0));
    report("cross_entropy_fwd", rows + "x" + classes, fwd, 4L * n + 8L * rows);
    float bwd =
        timed(
            b,
            () -> b.crossEntropyBackward(o, x, 0, labels, 0, null, one, 0, false, total, 0, gx, 0));
    report("cross_entropy_bwd", rows + "x" + classes, bwd, 8L * n + 4L * rows);
    write(b, dump, "cross_entropy.x", x);
    write(b, dump, "cross_entropy.labels", labels);
    write(b, dump, "cross_entropy.total", total);
    write(b, dump, "cross_entropy.gx", gx);
    for (Storage s : new Storage[] {x, gx, loss, total, one, labels}) s.release();
  }

  /** Raw little-endian float32 or int32, for the PyTorch comparison. */
  private static void write(CudaBackend b, Path dir, String name, Storage s) {
    if (dir == null) {
      return;
    }
    ByteBuffer buf = ByteBuffer.allocate(4 * s.length()).order(ByteOrder.LITTLE_ENDIAN);
    if (s.dtype() == DType.INT32) {
      int[] v = new int[s.length()];
      b.copyToHost(s, 0, v, 0, v.length);
      buf.asIntBuffer().put(v);
    } else {
      float[] v = new float[s.length()];
      b.copyToHost(s, 0, v, 0, v.length);
      buf.asFloatBuffer().put(v);
    }
    try {
      Files.createDirectories(dir);
      Files.write(dir.resolve(name + ".bin"), buf.array());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
