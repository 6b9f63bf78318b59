package io.myelin.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

/**
 * One device's primary context, its stream and its loaded kernels.
 *
 * <p>The primary context ({@code cuDevicePrimaryCtxRetain}) is the one the CUDA runtime uses too,
 * so cuBLAS sees the same memory. A context is current per thread, and a backend may be called from
 * any thread, so every entry point calls {@link #makeCurrent()}; a thread-local record of which
 * context this class made current last makes repeat calls free (code that changes the thread's
 * context behind its back must restore it, as {@link CudaProbe} does). Modules load lazily, once
 * per family, and functions are cached by name.
 *
 * <p>The stream may be capturing a CUDA graph ({@link #startCapture}); then a failed enqueue marks
 * that graph unusable ({@link CudaGraph#refuse}) besides throwing, and the primitives enqueued are
 * counted ({@link #enqueued()}) for the graph's size.
 *
 * <p>Thread-safe.
 */
final class CudaContext implements AutoCloseable {
  /** Non-blocking: the stream does not synchronise with the legacy default stream. */
  private static final int STREAM_NON_BLOCKING = 1;

  private final int index;
  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final DeviceStream stream = new DeviceStream();
  private final KernelBundle kernels;

  /**
   * The context a CudaContext last made current on this thread, as that instance's {@link #token}.
   * Shared by all instances: a per-instance "current here" flag went stale when one thread used two
   * devices (cuda:0, then cuda:1, then cuda:0 again ran on cuda:1's context). A token rather than
   * the instance, so that a closed backend is not kept reachable by every thread it ran on.
   */
  private static final ThreadLocal<Object> CURRENT = new ThreadLocal<>();

  private final Object token = new Object();
  private final Map<String, CUmodule> modules = new HashMap<>();
  private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
  private final String name;
  private final long totalMemory;
  private final int computeMajor;
  private final int computeMinor;
  private final int multiprocessors;

  /** The graph the stream is capturing, or null. */
  private volatile CudaGraph capture;

  /**
   * Primitives enqueued on the stream. A plain counter: exact while a capture runs (only the
   * capturing thread enqueues then), approximate under concurrent eager use, where nobody reads it.
   */
  private long enqueued;

  private volatile boolean closed;

  CudaContext(int index, KernelBundle kernels) {
    this.index = index;
    this.kernels = kernels;
    Driver.check(cuInit(0), "cuInit");
    Driver.check(cuDeviceGet(device, index), "cuDeviceGet(" + index + ")");
    Driver.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
    makeCurrent();
    Driver.check(cuStreamCreate(stream, STREAM_NON_BLOCKING), "cuStreamCreate");
    byte[] buf = new byte[256];
    Driver.check(cuDeviceGetName(buf, buf.length, device), "cuDeviceGetName");
    int len = 0;
    while (len < buf.length && buf[len] != 0) {
      len++;
    }
    name = new String(buf, 0, len, StandardCharsets.UTF_8);
    long[] mem = new long[1];
    Driver.check(cuDeviceTotalMem(mem, device), "cuDeviceTotalMem");
    totalMemory = mem[0];
    computeMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
    computeMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  }

  private int attribute(int attr) {
    int[] v = new int[1];
    Driver.check(cuDeviceGetAttribute(v, attr, device), "cuDeviceGetAttribute(" + attr + ")");
    return v[0];
  }

  /** Makes the primary context current on the calling thread (cheap after the first time). */
  void makeCurrent() {
    if (closed) {
      throw new IllegalStateException("CUDA backend for cuda:" + index + " is closed");
    }
    if (CURRENT.get() != token) {
      Driver.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
      CURRENT.set(token);
    }
  }

  /** True once {@link #close()} ran (the events and memory of the backend are gone). */
  boolean isClosed() {
    return closed;
  }

  DeviceStream stream() {
    return stream;
  }

  String name() {
    return name;
  }

  long totalMemory() {
    return totalMemory;
  }

  String computeCapability() {
    return computeMajor + "." + computeMinor;
  }

  int multiprocessors() {
    return multiprocessors;
  }

  /** Grid cap for grid-stride kernels: 32 blocks per SM keeps every SM busy. */
  int maxBlocks() {
    return Math.max(1, multiprocessors) * 32;
  }

  /** The kernel {@code name} (e.g. {@code relu_f32}), loading its family's module on first use. */
  CUfunction function(String kernel) {
    CUfunction f = functions.get(kernel);
    if (f != null) {
      return f;
    }
    synchronized (modules) {
      f = functions.get(kernel);
      if (f != null) {
        return f;
      }
      String family = kernels.familyOf(kernel);
      CUmodule module = modules.get(family);
      if (module == null) {
        CUmodule m = new CUmodule();
        // The first use of a family may come inside a graph capture: loading is legal there.
        // cuModuleLoadData, not cuModuleLoadFatBinary: the driver takes a fatbin in both, but
        // JCuda 12.6's cuModuleLoadFatBinary never writes the module handle back (the CUmodule
        // stays null and every cuModuleGetFunction fails with CUDA_ERROR_INVALID_HANDLE).
        Driver.check(
            Driver.relaxedCapture(() -> cuModuleLoadData(m, kernels.fatbin(family))),
            "loading kernel module " + family + ".fatbin");
        modules.put(family, m);
        module = m;
      }
      CUfunction loaded = new CUfunction();
      CUmodule from = module;
      Driver.check(
          Driver.relaxedCapture(() -> cuModuleGetFunction(loaded, from, kernel)),
          "cuModuleGetFunction(" + kernel + ")");
      functions.put(kernel, loaded);
      return loaded;
    }
  }

  /** Enqueues {@code kernel} on the stream. The caller made the context current. */
  void launch(String kernel, LaunchShape shape, KernelArgs args) {
    CUfunction f = function(kernel);
    enqueued(
        cuLaunchKernel(
            f,
            shape.gridX(),
            shape.gridY(),
            shape.gridZ(),
            shape.blockX(),
            shape.blockY(),
            1,
            0,
            stream,
            args.toPointer(),
            null),
        "cuLaunchKernel(" + kernel + ")");
  }

  /**
   * Accounts for one primitive enqueued on the stream (a launch, a copy, a cuBLAS call) with its
   * result: counted on success; on failure a running capture is marked unusable and a {@link
   * CudaException} thrown.
   */
  void enqueued(int result, String call) {
    if (result != CUresult.CUDA_SUCCESS) {
      enqueueFailed(call + " failed: " + CUresult.stringFor(result));
      Driver.check(result, call);
    }
    enqueued++;
  }

  /** Counts one primitive that a library (cuBLAS) enqueued successfully. */
  void countEnqueued() {
    enqueued++;
  }

  /** A running capture misses the primitive {@code what} describes: its graph must not replay. */
  void enqueueFailed(String what) {
    CudaGraph g = capture;
    if (g != null) {
      g.refuse(what);
    }
  }

  /** Primitives enqueued so far (see the field). */
  long enqueued() {
    return enqueued;
  }

  /** Records that the stream is now capturing {@code graph} (the caller began the capture). */
  void startCapture(CudaGraph graph) {
    capture = graph;
  }

  /** The stream left capture mode. */
  void stopCapture() {
    capture = null;
  }

  /** The graph the stream is capturing, or null. */
  CudaGraph capture() {
    return capture;
  }

  /** Waits for everything enqueued on the stream; reports asynchronous kernel faults. */
  void synchronize() {
    makeCurrent();
    Driver.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    makeCurrent();
    closed = true;
    try {
      cuStreamSynchronize(stream);
      synchronized (modules) {
        for (CUmodule m : modules.values()) {
          cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
      }
      cuStreamDestroy(stream);
    } finally {
      cuDevicePrimaryCtxRelease(device);
    }
  }
}
