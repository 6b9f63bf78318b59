package io.myelin.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The foreign-function bindings of {@link CublasHandle} against a stand-in libcublas compiled here
 * with the C compiler (no GPU, no CUDA): the handle binds its stream, starts in default math mode,
 * hands over the workspace after the stream (cublasSetStream resets it) and switches the math mode;
 * a library without cublasSetWorkspace_v2 is still accepted, without a workspace. Skipped without a
 * C compiler.
 */
class CublasHandleTest {
  private static final String FAKE =
      """
      #include <stddef.h>
      int fake_mode = -1, fake_calls = 0, fake_stream_at = 0, fake_ws_at = 0, fake_destroyed = 0;
      void *fake_stream = 0, *fake_ws = 0;
      size_t fake_ws_bytes = 0;
      static int handle;
      int cublasCreate_v2(void **h) { *h = &handle; return 0; }
      int cublasDestroy_v2(void *h) { fake_destroyed++; return 0; }
      int fake_fail_stream = 0, fake_fail_mode = 0;
      int cublasSetStream_v2(void *h, void *s) {
        if (fake_fail_stream) return 7; /* CUBLAS_STATUS_INVALID_VALUE */
        fake_stream = s; fake_stream_at = ++fake_calls; return 0;
      }
      int cublasSetMathMode(void *h, int m) {
        if (fake_fail_mode) return 7;
        fake_mode = m; ++fake_calls; return 0;
      }
      int cublasSgemm_v2(void) { return 0; }
      int cublasSgemmStridedBatched(void) { return 0; }
      int cublasDgemm_v2(void) { return 0; }
      int cublasDgemmStridedBatched(void) { return 0; }
      #ifdef WITH_WORKSPACE
      int cublasSetWorkspace_v2(void *h, void *ws, size_t bytes) {
        if (bytes == 0) return 7; /* CUBLAS_STATUS_INVALID_VALUE */
        fake_ws = ws; fake_ws_bytes = bytes; fake_ws_at = ++fake_calls; return 0;
      }
      #endif
      """;

  private static Path compile(Path dir, String name, boolean withWorkspace) throws Exception {
    Path src = dir.resolve("fake_cublas.c");
    Files.writeString(src, FAKE);
    Path lib = dir.resolve(name);
    ProcessBuilder pb =
        new ProcessBuilder(
                "cc",
                "-shared",
                "-fPIC",
                "-o",
                lib.toString(),
                withWorkspace ? "-DWITH_WORKSPACE" : "-DNO_WORKSPACE",
                src.toString())
            .redirectErrorStream(true);
    Process p;
    try {
      p = pb.start();
    } catch (java.io.IOException e) {
      assumeTrue(false, "no C compiler (cc) to build the stand-in cuBLAS: " + e.getMessage());
      return null;
    }
    String out = new String(p.getInputStream().readAllBytes());
    assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "cc failed: " + out);
    return lib;
  }

  private static int readInt(SymbolLookup l, String name) {
    return l.find(name).orElseThrow().reinterpret(4).get(JAVA_INT, 0);
  }

  private static void writeInt(SymbolLookup l, String name, int value) {
    l.find(name).orElseThrow().reinterpret(4).set(JAVA_INT, 0, value);
  }

  private static long readLong(SymbolLookup l, String name) {
    return l.find(name).orElseThrow().reinterpret(8).get(JAVA_LONG, 0);
  }

  @Test
  void streamWorkspaceAndMathModeReachCublas(@TempDir Path dir) throws Exception {
    Path path = compile(dir, "libcublas-ws.so", true);
    var lookup = CublasLibrary.find(path.toString(), CublasLibrary.SONAMES);
    assertTrue(lookup.found(), lookup.description());
    CublasLibrary lib = lookup.library();
    assertNotNull(lib.setWorkspace);
    try (Arena arena = Arena.ofConfined()) {
      SymbolLookup fake = SymbolLookup.libraryLookup(path, arena);
      CublasHandle h = new CublasHandle(lib, 0x7000_1234L);
      assertEquals(0x7000_1234L, readLong(fake, "fake_stream"));
      assertEquals(CublasHandle.DEFAULT_MATH, readInt(fake, "fake_mode"));
      assertTrue(h.setWorkspace(0x7f00_0000_0000L, 32L << 20));
      assertEquals(0x7f00_0000_0000L, readLong(fake, "fake_ws"));
      assertEquals(32L << 20, readLong(fake, "fake_ws_bytes"));
      assertTrue(
          readInt(fake, "fake_ws_at") > readInt(fake, "fake_stream_at"),
          "the workspace follows cublasSetStream, which resets it");
      assertFalse(h.setWorkspace(0x7f00_0000_0000L, 0), "a refused workspace reads as false");
      h.setMathMode(CublasHandle.TF32_TENSOR_OP_MATH);
      assertEquals(3, readInt(fake, "fake_mode"));
      h.setMathMode(CublasHandle.DEFAULT_MATH);
      assertEquals(0, readInt(fake, "fake_mode"));
      h.close();
      assertEquals(1, readInt(fake, "fake_destroyed"));
      assertFalse(h.setWorkspace(0x7f00_0000_0000L, 32L << 20), "closed");
    } finally {
      lib.close();
    }
  }

  @Test
  void aLibraryWithoutSetWorkspaceIsAcceptedWithoutOne(@TempDir Path dir) throws Exception {
    Path path = compile(dir, "libcublas-old.so", false);
    var lookup = CublasLibrary.find(path.toString(), CublasLibrary.SONAMES);
    assertTrue(lookup.found(), lookup.description());
    CublasLibrary lib = lookup.library();
    try {
      assertNull(lib.setWorkspace);
      CublasHandle h = new CublasHandle(lib, 1);
      assertFalse(h.setWorkspace(0x7f00_0000_0000L, 32L << 20), "no symbol: cuBLAS keeps its pool");
      h.close();
    } finally {
      lib.close();
    }
  }

  /** A handle whose set-up fails after cublasCreate is destroyed again (it leaked before). */
  @Test
  void aHandleWhoseSetUpFailsIsDestroyed(@TempDir Path dir) throws Exception {
    Path path = compile(dir, "libcublas-failing.so", true);
    var lookup = CublasLibrary.find(path.toString(), CublasLibrary.SONAMES);
    assertTrue(lookup.found(), lookup.description());
    CublasLibrary lib = lookup.library();
    try (Arena arena = Arena.ofConfined()) {
      SymbolLookup fake = SymbolLookup.libraryLookup(path, arena);
      writeInt(fake, "fake_fail_stream", 1);
      CudaException e = assertThrows(CudaException.class, () -> new CublasHandle(lib, 1));
      assertTrue(e.getMessage().contains("cublasSetStream_v2"), e.getMessage());
      assertEquals(
          1, readInt(fake, "fake_destroyed"), "a failed cublasSetStream destroys the handle");
      writeInt(fake, "fake_fail_stream", 0);
      writeInt(fake, "fake_fail_mode", 1);
      e = assertThrows(CudaException.class, () -> new CublasHandle(lib, 1));
      assertTrue(e.getMessage().contains("cublasSetMathMode"), e.getMessage());
      assertEquals(
          2, readInt(fake, "fake_destroyed"), "a failed cublasSetMathMode destroys the handle");
    } finally {
      lib.close();
    }
  }
}
