package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Unwind}, what CudaBackend's and PinnedStaging's constructors use to release what they made
 * when a later step fails: newest first, every step even when one throws, the construction's
 * failure kept with the release failures suppressed in it.
 */
class UnwindTest {

  @Test
  void releasesNewestFirstAndKeepsGoingPastAFailingRelease() {
    List<String> order = new ArrayList<>();
    Unwind made = new Unwind();
    made.push(() -> order.add("context"));
    made.push(() -> order.add("allocator"));
    IllegalStateException releaseFailure = new IllegalStateException("staging close failed");
    made.push(
        () -> {
          order.add("staging");
          throw releaseFailure;
        });
    made.push(() -> order.add("gemm"));
    CudaException failure = new CudaException("cuModuleGetFunction failed");
    made.unwind(failure);
    assertEquals(List.of("gemm", "staging", "allocator", "context"), order);
    assertArrayEquals(new Throwable[] {releaseFailure}, failure.getSuppressed());
    made.unwind(new CudaException("again"));
    assertEquals(4, order.size(), "each release runs once");
  }

  @Test
  void aConstructorFailingMidwayRethrowsItsOwnFailure() {
    List<String> released = new ArrayList<>();
    CudaException cause = new CudaException("cuStreamCreate failed");
    try {
      Unwind made = new Unwind();
      try {
        made.push(() -> released.add("first"));
        throw cause;
      } catch (Throwable e) {
        made.unwind(e);
        throw e;
      }
    } catch (CudaException e) {
      assertSame(cause, e);
    }
    assertEquals(List.of("first"), released);
  }
}
