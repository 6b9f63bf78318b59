package io.myelin.cuda;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import jcuda.Pointer;

/**
 * Builds the {@code kernelParams} array of {@code cuLaunchKernel}: one host pointer per parameter,
 * each pointing at the parameter's bytes. Device pointers travel as raw 64-bit addresses; a {@link
 * StridedDescriptor} as its ints (the driver copies {@code sizeof(param)} bytes from each pointer).
 * Not thread-safe; build one per launch.
 */
final class KernelArgs {
  /**
   * The values in order, boxed: Long (pointer, long long), Integer, Float, Double, int[] (struct).
   */
  private final List<Object> values = new ArrayList<>();

  /** One letter per parameter (p pointer, i int, l long long, f float, d double, s struct). */
  private final StringBuilder signature = new StringBuilder();

  KernelArgs ptr(long address) {
    signature.append('p');
    values.add(address);
    return this;
  }

  KernelArgs i32(int v) {
    signature.append('i');
    values.add(v);
    return this;
  }

  KernelArgs i64(long v) {
    signature.append('l');
    values.add(v);
    return this;
  }

  KernelArgs f32(float v) {
    signature.append('f');
    values.add(v);
    return this;
  }

  KernelArgs f64(double v) {
    signature.append('d');
    values.add(v);
    return this;
  }

  /** A scalar of the kernel's element type: float for FLOAT32 (rounded once here), else double. */
  KernelArgs real(io.myelin.DType dt, double v) {
    return dt == io.myelin.DType.FLOAT32 ? f32((float) v) : f64(v);
  }

  /** A C {@code int} flag: 1 for true, 0 for false. */
  KernelArgs flag(boolean v) {
    return i32(v ? 1 : 0);
  }

  /** A by-value struct of ints (the packed {@link StridedDescriptor}). */
  KernelArgs struct(int[] ints) {
    signature.append('s');
    values.add(ints.clone());
    return this;
  }

  /**
   * The C parameter types pushed so far, one letter each: {@code p} pointer, {@code i} int, {@code
   * l} long long, {@code f} float, {@code d} double, {@code s} struct. Tests compare it with the
   * kernel's declaration in its .cu file: a mismatch would read garbage on the device.
   */
  String signature() {
    return signature.toString();
  }

  /**
   * The values pushed so far ({@code Long} for pointers and long longs, {@code Integer}, {@code
   * Float}, {@code Double}; a struct as its {@code int[]}), so tests can check what a launch
   * passes, not only its types.
   */
  List<Object> values() {
    return Collections.unmodifiableList(values);
  }

  int size() {
    return values.size();
  }

  Pointer toPointer() {
    Pointer[] params = new Pointer[values.size()];
    for (int i = 0; i < params.length; i++) {
      params[i] =
          switch (values.get(i)) {
            case Long v -> Pointer.to(new long[] {v});
            case Integer v -> Pointer.to(new int[] {v});
            case Float v -> Pointer.to(new float[] {v});
            case Double v -> Pointer.to(new double[] {v});
            case int[] v -> Pointer.to(v);
            default ->
                throw new IllegalStateException("unexpected kernel argument " + values.get(i));
          };
    }
    return Pointer.to(params);
  }
}
