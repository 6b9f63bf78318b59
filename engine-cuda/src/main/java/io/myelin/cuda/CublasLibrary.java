package io.myelin.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * cuBLAS bound through the JDK's foreign-function API (not JCublas, whose natives hard-link
 * libcublas.so.12 and cannot load on a CUDA 13 machine).
 *
 * <p>Lookup order: the path in the environment variable {@code MYELIN_CUBLAS} when it is set (and
 * only that: a user who names a library wants that one, so a bad path is reported rather than
 * silently replaced), otherwise {@code libcublas.so.13} then {@code libcublas.so.12} from the
 * dynamic loader's search path. Only the eight functions Myelin needs are bound; a library missing
 * one of them is rejected with its name. {@code cublasSetWorkspace_v2} is bound when present
 * (cuBLAS 11 and later) and left null otherwise.
 *
 * <p>Thread-safe: the handles are immutable; the library stays loaded until {@link #close()}.
 */
final class CublasLibrary implements AutoCloseable {
  static final String ENV = "MYELIN_CUBLAS";
  static final List<String> SONAMES = List.of("libcublas.so.13", "libcublas.so.12");

  /** The outcome of a lookup: a bound library, or why there is none. */
  record Lookup(CublasLibrary library, String description) {
    boolean found() {
      return library != null;
    }
  }

  private final Arena arena;
  private final String origin;
  final MethodHandle create;
  final MethodHandle destroy;
  final MethodHandle setStream;
  final MethodHandle setMathMode;
  final MethodHandle sgemm;
  final MethodHandle sgemmStridedBatched;
  final MethodHandle dgemm;
  final MethodHandle dgemmStridedBatched;

  /** {@code cublasSetWorkspace_v2(handle, void*, size_t)}, or null when the library lacks it. */
  final MethodHandle setWorkspace;

  private CublasLibrary(Arena arena, SymbolLookup lookup, String origin) {
    this.arena = arena;
    this.origin = origin;
    Linker linker = Linker.nativeLinker();
    // cublasStatus_t f(cublasHandle_t*), f(handle), f(handle, cudaStream_t), f(handle, int mode)
    create = bind(linker, lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    destroy = bind(linker, lookup, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    setStream =
        bind(
            linker,
            lookup,
            "cublasSetStream_v2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    setMathMode =
        bind(
            linker,
            lookup,
            "cublasSetMathMode",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // (handle, transa, transb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc)
    FunctionDescriptor gemm =
        FunctionDescriptor.of(
            JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS,
            JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    // (handle, transa, transb, m, n, k, *alpha, A, lda, strideA, B, ldb, strideB, *beta, C, ldc,
    //  strideC, batchCount); strides are long long
    FunctionDescriptor batched =
        FunctionDescriptor.of(
            JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS,
            JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT,
            JAVA_LONG, JAVA_INT);
    sgemm = bind(linker, lookup, "cublasSgemm_v2", gemm);
    sgemmStridedBatched = bind(linker, lookup, "cublasSgemmStridedBatched", batched);
    dgemm = bind(linker, lookup, "cublasDgemm_v2", gemm);
    dgemmStridedBatched = bind(linker, lookup, "cublasDgemmStridedBatched", batched);
    setWorkspace =
        lookup
            .find("cublasSetWorkspace_v2")
            .map(
                sym ->
                    linker.downcallHandle(
                        sym, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG)))
            .orElse(null);
  }

  /**
   * Looks cuBLAS up as described in the class comment, reading {@code MYELIN_CUBLAS}. Never throws.
   */
  static Lookup find() {
    return find(System.getenv(ENV), SONAMES);
  }

  /**
   * Looks cuBLAS up from {@code override} (a file path; null or blank means unset) or else from
   * {@code sonames}. Never throws: every failure becomes the description.
   */
  static Lookup find(String override, List<String> sonames) {
    try {
      if (override != null && !override.isBlank()) {
        Path path = Path.of(override.strip());
        if (!Files.isRegularFile(path)) {
          return new Lookup(null, ENV + "=" + override + " is not a file");
        }
        return open(path.toAbsolutePath().toString(), ENV + "=" + override);
      }
      List<String> tried = new ArrayList<>();
      for (String soname : sonames) {
        Lookup l = open(soname, soname + " from the loader path");
        if (l.found()) {
          return l;
        }
        tried.add(l.description());
      }
      return new Lookup(
          null,
          "no cuBLAS library found ("
              + String.join("; ", tried)
              + "); set "
              + ENV
              + "=/path/to/libcublas.so.13 to name one");
    } catch (Throwable t) {
      return new Lookup(null, "cuBLAS lookup failed: " + t);
    }
  }

  private static Lookup open(String nameOrPath, String origin) {
    Arena arena = Arena.ofShared();
    try {
      SymbolLookup lookup = SymbolLookup.libraryLookup(nameOrPath, arena);
      return new Lookup(new CublasLibrary(arena, lookup, origin), "cuBLAS (" + origin + ")");
    } catch (IllegalArgumentException | IllegalStateException e) {
      arena.close();
      return new Lookup(null, origin + ": " + e.getMessage());
    } catch (Throwable t) {
      arena.close();
      return new Lookup(null, origin + ": " + t);
    }
  }

  private static MethodHandle bind(
      Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd) {
    MemorySegment symbol =
        lookup
            .find(name)
            .orElseThrow(() -> new IllegalStateException("the library lacks the symbol " + name));
    return linker.downcallHandle(symbol, fd);
  }

  /** Where the library came from, for reports. */
  String origin() {
    return origin;
  }

  /** Unloads the library; handles created from it must be destroyed first. */
  @Override
  public void close() {
    arena.close();
  }

  /** cublasStatus_t as its name. */
  static String statusName(int status) {
    return switch (status) {
      case 0 -> "CUBLAS_STATUS_SUCCESS";
      case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
      case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
      case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
      case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
      case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
      case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
      case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
      case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
      case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
      default -> "cublasStatus " + status;
    };
  }

  static void check(int status, String call) {
    if (status != 0) {
      throw new CudaException(call + " failed: " + statusName(status));
    }
  }
}
