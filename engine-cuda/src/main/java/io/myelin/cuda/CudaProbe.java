package io.myelin.cuda;

import static jcuda.driver.JCudaDriver.cuCtxGetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import io.myelin.backend.Availability;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

/**
 * Finds out whether the CUDA backend can run here, step by step, stopping at the first failure with
 * a reason a user can act on:
 *
 * <ol>
 *   <li>the NVIDIA driver library ({@code libcuda.so.1}) can be opened;
 *   <li>JCuda's native library loads (the error names the library and the OS's reason);
 *   <li>{@code cuInit} succeeds and at least one device exists;
 *   <li>the kernels were built (fatbin resources present);
 *   <li>the driver is new enough for the CUDA version that built them;
 *   <li>a device has compute capability 7.5 or newer, and the kernels load on it.
 * </ol>
 *
 * The details list each GPU (name, memory, compute capability) and the GEMM path (cuBLAS found at
 * X, or the built-in kernel and why). {@link #run()} never throws. The driver library check comes
 * first because JCuda's natives link against it: without it they fail with a less direct message.
 */
final class CudaProbe {
  static final String DRIVER_LIBRARY = "libcuda.so.1";
  static final int MIN_MAJOR = 7;
  static final int MIN_MINOR = 5;

  private final String driverLibrary;
  private final ClassLoader resources;
  private final Supplier<CublasLibrary.Lookup> cublas;

  /**
   * @param driverLibrary name of the driver library to check (tests pass a missing one)
   * @param resources where the kernel resources are looked up
   * @param cublas how cuBLAS is found (its library is closed again after the probe)
   */
  CudaProbe(String driverLibrary, ClassLoader resources, Supplier<CublasLibrary.Lookup> cublas) {
    this.driverLibrary = driverLibrary;
    this.resources = resources;
    this.cublas = cublas;
  }

  /** The probe's answer; any unexpected failure becomes a reason too. */
  Availability run() {
    try {
      return steps();
    } catch (Throwable t) {
      return Availability.unavailable("CUDA probe failed unexpectedly: " + oneLine(t));
    }
  }

  private Availability steps() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.contains("mac")) {
      return Availability.unavailable("CUDA is not available on macOS");
    }
    String library = os.contains("win") ? "nvcuda.dll" : driverLibrary;
    String why = openLibrary(library);
    if (why != null) {
      return Availability.unavailable(
          "NVIDIA driver library "
              + library
              + " not found ("
              + why
              + "): no NVIDIA driver is installed here, or it is not on the loader path");
    }
    why = loadJCuda();
    if (why != null) {
      return Availability.unavailable(why);
    }
    int r = cuInit(0);
    if (r != CUresult.CUDA_SUCCESS) {
      return Availability.unavailable(initFailure(r));
    }
    int[] driver = new int[1];
    Driver.check(cuDriverGetVersion(driver), "cuDriverGetVersion");
    String driverText = KernelBundle.versionText(driver[0]);
    int[] count = new int[1];
    Driver.check(cuDeviceGetCount(count), "cuDeviceGetCount");
    if (count[0] == 0) {
      return Availability.unavailable(
          "no CUDA device found (the NVIDIA driver, for CUDA "
              + driverText
              + ", is installed but reports no GPU)");
    }
    KernelBundle bundle;
    try {
      bundle = KernelBundle.load(resources);
    } catch (IllegalStateException e) {
      return Availability.unavailable(e.getMessage());
    }
    if (driver[0] < bundle.requiredDriverVersion()) {
      return Availability.unavailable(
          "NVIDIA driver too old: it supports CUDA "
              + driverText
              + " but the kernels were built with CUDA "
              + bundle.cudaVersion()
              + " and need a driver for CUDA "
              + KernelBundle.versionText(bundle.requiredDriverVersion())
              + " or newer (update the driver,"
              + " or rebuild myelin-kernels with an older nvcc)");
    }
    List<String> details = new ArrayList<>();
    details.add(
        "NVIDIA driver for CUDA "
            + driverText
            + "; kernels built with CUDA "
            + bundle.cudaVersion());
    List<String> names = new ArrayList<>();
    int firstUsable = -1;
    String tooOld = null;
    for (int i = 0; i < count[0]; i++) {
      CUdevice dev = new CUdevice();
      Driver.check(cuDeviceGet(dev, i), "cuDeviceGet");
      String name = deviceName(dev);
      int major = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
      int minor = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
      long[] mem = new long[1];
      Driver.check(cuDeviceTotalMem(mem, dev), "cuDeviceTotalMem");
      boolean usable = major > MIN_MAJOR || (major == MIN_MAJOR && minor >= MIN_MINOR);
      details.add(
          "cuda:"
              + i
              + ": "
              + name
              + ", "
              + MemoryText.bytes(mem[0])
              + ", compute capability "
              + major
              + "."
              + minor
              + (usable ? "" : " (too old: Myelin's kernels need 7.5 or newer)"));
      names.add(name);
      if (usable && firstUsable < 0) {
        firstUsable = i;
      } else if (!usable && tooOld == null) {
        tooOld = name + " has compute capability " + major + "." + minor;
      }
    }
    if (firstUsable < 0) {
      return Availability.unavailable(
          "no usable CUDA device: "
              + tooOld
              + "; Myelin's kernels need compute capability 7.5 or newer");
    }
    why = tryLoadKernels(firstUsable, bundle);
    if (why != null) {
      return Availability.unavailable(why);
    }
    CublasLibrary.Lookup gemm = cublas.get();
    details.add(
        "GEMM: "
            + (gemm.found()
                ? gemm.description()
                : "built-in tiled SGEMM (" + gemm.description() + ")"));
    if (gemm.found()) {
      gemm.library().close();
    }
    return Availability.available(
        count[0],
        count[0] + " CUDA device" + (count[0] == 1 ? "" : "s") + ": " + String.join(", ", names),
        details);
  }

  /** Null when {@code library} opens, else the loader's complaint. */
  static String openLibrary(String library) {
    try (Arena arena = Arena.ofConfined()) {
      SymbolLookup.libraryLookup(library, arena);
      return null;
    } catch (Throwable t) {
      return t.getMessage() == null ? t.toString() : t.getMessage();
    }
  }

  /** Null when JCuda's driver binding initialises, else why not. */
  static String loadJCuda() {
    try {
      Class.forName("jcuda.driver.JCudaDriver", true, CudaProbe.class.getClassLoader());
      return null;
    } catch (ClassNotFoundException e) {
      return "JCuda (org.jcuda:jcuda) is not on the class path: " + e.getMessage();
    } catch (UnsatisfiedLinkError e) {
      return "JCuda's native library JCudaDriver (org.jcuda:jcuda-natives for "
          + platform()
          + ") could not be loaded: "
          + osError(e);
    } catch (ExceptionInInitializerError e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      return "JCuda's native library JCudaDriver (org.jcuda:jcuda-natives for "
          + platform()
          + ") could not be loaded: "
          + osError(c);
    } catch (NoClassDefFoundError e) {
      return "JCuda could not be initialised (its natives failed to load earlier, or the jar is"
          + " missing): "
          + oneLine(e);
    } catch (Throwable t) {
      return "JCuda could not be initialised: " + oneLine(t);
    }
  }

  private static String initFailure(int result) {
    String name = CUresult.stringFor(result);
    return switch (result) {
      case CUresult.CUDA_ERROR_NO_DEVICE -> "no CUDA device found (cuInit: " + name + ")";
      case CUresult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH ->
          "the NVIDIA kernel module and libcuda.so.1 are different versions; reboot or reinstall the"
              + " driver (cuInit: "
              + name
              + ")";
      case CUresult.CUDA_ERROR_STUB_LIBRARY ->
          "libcuda.so.1 is the CUDA toolkit's stub, not a real driver (cuInit: " + name + ")";
      default -> "CUDA driver initialisation failed (cuInit: " + name + ")";
    };
  }

  /** Loads one fatbin on {@code index}: proves the driver can run (or JIT) the bundled code. */
  private static String tryLoadKernels(int index, KernelBundle bundle) {
    CUdevice dev = new CUdevice();
    CUcontext ctx = new CUcontext();
    Driver.check(cuDeviceGet(dev, index), "cuDeviceGet");
    int r = cuDevicePrimaryCtxRetain(ctx, dev);
    if (r != CUresult.CUDA_SUCCESS) {
      return "cannot open a context on cuda:"
          + index
          + " ("
          + CUresult.stringFor(r)
          + "); is the GPU in exclusive or prohibited compute mode?";
    }
    // The thread's current context is restored afterwards, not cleared: a backend already used on
    // this thread (CudaContext remembers per thread that its context is current) would otherwise
    // run its next call with no context at all (CUDA_ERROR_INVALID_CONTEXT). A second provider
    // probing later, e.g. DeviceManager's besides a test's, does exactly that.
    CUcontext previous = new CUcontext();
    if (cuCtxGetCurrent(previous) != CUresult.CUDA_SUCCESS) {
      previous = null;
    }
    try {
      Driver.check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
      CUmodule module = new CUmodule();
      // cuModuleLoadData: JCuda's cuModuleLoadFatBinary loses the handle (see CudaContext).
      r = cuModuleLoadData(module, bundle.fatbin("elementwise"));
      if (r == CUresult.CUDA_SUCCESS) {
        cuModuleUnload(module);
        return null;
      }
      String name = CUresult.stringFor(r);
      return switch (r) {
        case CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION ->
            "NVIDIA driver too old for the bundled PTX"
                + " (built with CUDA "
                + bundle.cudaVersion()
                + "): "
                + name;
        case CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU ->
            "the bundled kernels have no code for cuda:" + index + " (" + name + ")";
        default -> "loading the kernels on cuda:" + index + " failed: " + name;
      };
    } finally {
      cuCtxSetCurrent(previous); // null (none current before) clears it
      cuDevicePrimaryCtxRelease(dev);
    }
  }

  private static String deviceName(CUdevice dev) {
    byte[] buf = new byte[256];
    Driver.check(cuDeviceGetName(buf, buf.length, dev), "cuDeviceGetName");
    int len = 0;
    while (len < buf.length && buf[len] != 0) {
      len++;
    }
    return new String(buf, 0, len, StandardCharsets.UTF_8);
  }

  private static int attribute(CUdevice dev, int attr) {
    int[] v = new int[1];
    Driver.check(cuDeviceGetAttribute(v, attr, dev), "cuDeviceGetAttribute");
    return v[0];
  }

  private static String platform() {
    return System.getProperty("os.name", "?").toLowerCase(Locale.ROOT).split(" ")[0]
        + "-"
        + System.getProperty("os.arch", "?");
  }

  private static final java.util.regex.Pattern OS_ERROR =
      java.util.regex.Pattern.compile(
          "[^\\s:]+\\.so[^\\s:]*: (cannot open shared object file[^\\n]*|undefined symbol: \\S+"
              + "|wrong ELF class[^\\n]*|version `[^']*' not found[^\\n]*)");

  /**
   * The dynamic loader's own words from JCuda's link error, which nests several stack traces (e.g.
   * {@code libcuda.so.1: cannot open shared object file: No such file or directory}), or the
   * shortened message when there is no such line.
   */
  static String osError(Throwable t) {
    String m = t.getMessage() == null ? "" : t.getMessage();
    var matcher = OS_ERROR.matcher(m);
    String last = null;
    while (matcher.find()) {
      last = matcher.group();
    }
    return last != null ? last.strip() : oneLine(t);
  }

  /** The throwable's message on one line, shortened: JCuda's link errors run to many lines. */
  static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    m = m.replaceAll("\\s+", " ").strip();
    return m.length() > 400 ? m.substring(0, 400) + "..." : m;
  }
}
