package io.myelin.cuda;

import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;

/**
 * Builds the {@code kernelParams} array of {@code cuLaunchKernel}: one host pointer per
 * parameter, each pointing at the parameter's bytes. Device pointers travel as raw 64-bit
 * addresses; a {@link StridedDescriptor} as its ints (the driver copies {@code sizeof(param)}
 * bytes from each pointer). Not thread-safe; build one per launch.
 */
final class KernelArgs {
  private final List<Pointer> params = new ArrayList<>();

  KernelArgs ptr(long address) {
    params.add(Pointer.to(new long[] {address}));
    return this;
  }

  KernelArgs i32(int v) {
    params.add(Pointer.to(new int[] {v}));
    return this;
  }

  KernelArgs i64(long v) {
    params.add(Pointer.to(new long[] {v}));
    return this;
  }

  KernelArgs f32(float v) {
    params.add(Pointer.to(new float[] {v}));
    return this;
  }

  KernelArgs f64(double v) {
    params.add(Pointer.to(new double[] {v}));
    return this;
  }

  /** A by-value struct of ints (the packed {@link StridedDescriptor}). */
  KernelArgs struct(int[] ints) {
    params.add(Pointer.to(ints.clone()));
    return this;
  }

  int size() {
    return params.size();
  }

  Pointer toPointer() {
    return Pointer.to(params.toArray(new Pointer[0]));
  }
}
