package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.myelin.backend.Availability;
import io.myelin.backend.BackendProvider;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The probe answers with a reason, never an exception, whatever this machine lacks. */
class CudaProbeTest {

  private static boolean driverPresent() {
    return CudaProbe.openLibrary(CudaProbe.DRIVER_LIBRARY) == null;
  }

  @Test
  void providerIsDiscoveredByServiceLoader() {
    var cuda =
        ServiceLoader.load(BackendProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("cuda"))
            .findFirst()
            .orElseThrow();
    assertEquals(100, cuda.priority());
    assertTrue(cuda instanceof CudaProvider);
  }

  @Test
  void probeNeverThrowsAndExplainsItself() {
    Availability a = assertDoesNotThrow(() -> new CudaProvider().probe());
    System.out.println("probe: " + a);
    assertFalse(a.reason().isBlank());
    if (!a.available()) {
      assertEquals(0, a.deviceCount());
    } else {
      assertTrue(
          a.details().stream().anyMatch(d -> d.startsWith("GEMM: ")), a.details().toString());
      assertTrue(
          a.details().stream().anyMatch(d -> d.contains("compute capability")),
          a.details().toString());
    }
  }

  @Test
  void withoutTheDriverTheReasonNamesLibcuda() {
    assumeTrue(!driverPresent(), "this machine has an NVIDIA driver");
    Availability a = new CudaProvider().probe();
    assertFalse(a.available());
    assertTrue(a.reason().contains("libcuda.so.1"), a.reason());
    assertTrue(a.reason().contains("no NVIDIA driver"), a.reason());
  }

  @Test
  void aMissingDriverLibraryIsNamed() {
    Availability a =
        new CudaProbe(
                "libmyelin-no-such-driver.so.1",
                getClass().getClassLoader(),
                () -> new CublasLibrary.Lookup(null, "not looked up"))
            .run();
    assertFalse(a.available());
    assertTrue(a.reason().contains("libmyelin-no-such-driver.so.1"), a.reason());
  }

  @Test
  void jcudaNativesThatCannotLinkAreReportedWithTheOsError() {
    assumeTrue(!driverPresent(), "this machine has an NVIDIA driver, so JCuda's natives link");
    // libJCudaDriver needs libcuda.so.1: loading it here fails, which the probe must report.
    String why = CudaProbe.loadJCuda();
    assertTrue(why != null && why.contains("JCuda"), why);
    assertTrue(
        why.endsWith("libcuda.so.1: cannot open shared object file: No such file or directory"),
        why);
  }

  @Test
  void createWithoutCudaThrowsTheProbeReason() {
    CudaProvider p = new CudaProvider();
    Availability a = p.probe();
    assumeTrue(!a.available(), "CUDA is available here");
    var e = assertThrows(IllegalStateException.class, () -> p.create(0));
    assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
  }

  @Test
  void osErrorFindsTheLoaderLineInsideNestedTraces() {
    String nested =
        "Error while loading native library \"JCudaDriver\"\n---(start of nested stack traces)---\n"
            + "java.lang.UnsatisfiedLinkError: no JCudaDriver in java.library.path\n\tat x.y(Z.java:1)\n"
            + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: "
            + "cannot open shared object file: No such file or directory\n\tat a.b(C.java:2)";
    assertEquals(
        "libcuda.so.1: cannot open shared object file: No such file or directory",
        CudaProbe.osError(new UnsatisfiedLinkError(nested)));
    assertEquals(
        "/x/libJCudaDriver.so: undefined symbol: cuCtxCreate_v4",
        CudaProbe.osError(
            new UnsatisfiedLinkError("/x/libJCudaDriver.so: undefined symbol: cuCtxCreate_v4")));
    assertEquals("plain", CudaProbe.osError(new UnsatisfiedLinkError("plain")));
  }

  @Test
  void oneLineShortensLongMessages() {
    String m = CudaProbe.oneLine(new UnsatisfiedLinkError("a\n  b\tc" + "x".repeat(1000)));
    assertTrue(m.startsWith("a b c"));
    assertTrue(m.length() <= 403);
  }
}
