package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cuBLAS lookup: every failure is a clear description, never an exception. */
class CublasLibraryTest {

  @Test
  void bogusOverridePathIsReportedAsSuch() {
    var l = CublasLibrary.find("/nonexistent/dir/libcublas.so.13", CublasLibrary.SONAMES);
    assertFalse(l.found());
    assertEquals("MYELIN_CUBLAS=/nonexistent/dir/libcublas.so.13 is not a file", l.description());
  }

  @Test
  void overrideThatIsNotALibraryCarriesTheLoaderError(@TempDir Path dir) throws Exception {
    Path fake = dir.resolve("libcublas.so.13");
    Files.writeString(fake, "not an ELF file");
    var l = CublasLibrary.find(fake.toString(), CublasLibrary.SONAMES);
    assertFalse(l.found());
    assertTrue(l.description().startsWith("MYELIN_CUBLAS=" + fake + ": "), l.description());
  }

  @Test
  void libraryWithoutCublasSymbolsIsRejectedByName() {
    Path libm = Path.of("/lib/x86_64-linux-gnu/libm.so.6");
    assumeTrue(Files.isRegularFile(libm), "no " + libm + " here");
    var l = CublasLibrary.find(libm.toString(), CublasLibrary.SONAMES);
    assertFalse(l.found());
    assertTrue(l.description().contains("lacks the symbol cublasCreate_v2"), l.description());
  }

  @Test
  void missingSonamesAreListedWithTheOverrideHint() {
    var l =
        CublasLibrary.find(
            null, List.of("libmyelin-no-such-cublas.so.99", "libmyelin-nor-this.so.98"));
    assertFalse(l.found());
    assertTrue(l.description().startsWith("no cuBLAS library found"), l.description());
    assertTrue(l.description().contains("libmyelin-no-such-cublas.so.99"), l.description());
    assertTrue(l.description().contains("libmyelin-nor-this.so.98"), l.description());
    assertTrue(l.description().contains("MYELIN_CUBLAS="), l.description());
  }

  @Test
  void defaultLookupNeverThrowsAndBindsAllEightFunctionsWhenFound() {
    var l = assertDoesNotThrow(() -> CublasLibrary.find());
    System.out.println("cuBLAS lookup: " + l.description());
    if (l.found()) {
      assertTrue(l.library().sgemmStridedBatched != null && l.library().dgemm != null);
      l.library().close();
    }
  }

  @Test
  void statusCodesHaveNames() {
    assertEquals("CUBLAS_STATUS_INVALID_VALUE", CublasLibrary.statusName(7));
    assertEquals("cublasStatus 99", CublasLibrary.statusName(99));
  }
}
