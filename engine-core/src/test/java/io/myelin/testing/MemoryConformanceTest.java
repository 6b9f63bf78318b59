package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Tensor;
import io.myelin.backend.MemoryStats;
import io.myelin.memory.MemoryScope;
import io.myelin.memory.MemoryStatistics;
import org.junit.jupiter.api.Test;

/** Tensor lifetimes: scopes, keep/persist, idempotent close, use-after-close, device figures. */
public abstract class MemoryConformanceTest extends DeviceTestBase {

  private MemoryStats stats() {
    Tensor probe = Tensor.zeros(1);
    MemoryStats s = probe.storage().backend().memoryStats();
    probe.close();
    return s;
  }

  @Test
  void scopeClosesWhatItMadeExceptWhatIsKept() {
    Tensor outside = Tensor.ones(4);
    Tensor kept;
    Tensor inner;
    try (MemoryScope scope = MemoryScope.open()) {
      inner = outside.mul(2.0);
      Tensor other = inner.add(1.0);
      kept = scope.keep(other.sum());
      assertEquals(2, scope.ownedCount());
    }
    assertTrue(inner.isClosed());
    assertFalse(kept.isClosed());
    assertFalse(outside.isClosed());
    assertEquals(12.0, kept.item());
  }

  @Test
  void nestedScopesHandKeptTensorsOutward() {
    Tensor survivor;
    try (MemoryScope outer = MemoryScope.open()) {
      Tensor mid;
      try (MemoryScope inner = MemoryScope.open()) {
        mid = inner.keep(Tensor.ones(3));
      }
      assertFalse(mid.isClosed(), "kept into the outer scope");
      survivor = Tensor.ones(2).persist();
    }
    assertFalse(survivor.isClosed(), "persisted tensors leave every scope");
    survivor.close();
  }

  @Test
  void aStepInAScopeReturnsDeviceMemoryToItsStartingPoint() {
    Tensor w = Tensor.randn(new io.myelin.Generator(1), 64, 32).requiresGrad(true);
    for (int step = 0; step < 3; step++) {
      long before = stats().allocatedBytes();
      long liveBefore = MemoryStatistics.liveTensors();
      try (MemoryScope ignored = MemoryScope.open()) {
        Tensor x = Tensor.randn(new io.myelin.Generator(step), 16, 64);
        Tensor loss = x.matmul(w).relu().square().mean();
        loss.backward();
      }
      // The gradient lives on (it belongs to w); after the first step it is reused in place.
      // (<=, not ==: the Cleaner may meanwhile free tensors other tests left unreachable.)
      if (step > 0) {
        long after = stats().allocatedBytes();
        assertTrue(
            after <= before, "step " + step + " leaked device memory: " + before + " -> " + after);
        long liveAfter = MemoryStatistics.liveTensors();
        assertTrue(
            liveAfter <= liveBefore,
            "step " + step + " leaked tensors: " + liveBefore + " -> " + liveAfter);
      }
    }
    w.zeroGrad();
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseIsAClearError() {
    Tensor t = Tensor.ones(3);
    Tensor view = t.reshape(3, 1);
    t.close();
    t.close();
    assertEquals(3.0, view.sum().item(), "a view keeps the storage alive");
    var e = assertThrows(IllegalStateException.class, () -> t.add(1.0));
    assertTrue(e.getMessage().contains("after close"), e.getMessage());
    view.close();
  }

  @Test
  void storageIsFreedWhenTheLastViewCloses() {
    Tensor t = Tensor.zeros(1000);
    Tensor v = t.narrow(0, 10, 20);
    var storage = t.storage();
    assertEquals(2, storage.refCount());
    t.close();
    assertFalse(storage.isFreed());
    v.close();
    assertTrue(storage.isFreed());
  }
}
