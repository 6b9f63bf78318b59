package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.Test;

/**
 * {@link PinnedStaging}'s constructor failing midway (no GPU: a fake makes the driver objects and
 * fails the n-th): everything made before the failure is released, in reverse order, and the
 * failure is what the caller sees.
 */
class PinnedStagingConstructionTest {

  /** Records every object made and released; fails the {@code failAt}-th creation (1-based). */
  private static final class FakeResources implements PinnedStaging.Resources {
    final int failAt;
    int made;
    final List<Object> live = new ArrayList<>();
    final List<Object> released = new ArrayList<>();
    final List<Object> creationOrder = new ArrayList<>();

    FakeResources(int failAt) {
      this.failAt = failAt;
    }

    private <T> T make(T object, String what) {
      if (++made == failAt) {
        throw new CudaException(
            what + " failed: CUDA_ERROR_OUT_OF_MEMORY (fake, creation " + made + ")");
      }
      live.add(object);
      creationOrder.add(object);
      return object;
    }

    private void release(Object object) {
      assertTrue(live.remove(object), "released once, and only what was made: " + object);
      released.add(object);
    }

    @Override
    public CUstream createStream(int flags) {
      return make(new CUstream(), "cuStreamCreate");
    }

    @Override
    public CUevent createEvent(int flags) {
      return make(new CUevent(), "cuEventCreate");
    }

    @Override
    public Pointer allocHost(long bytes) {
      return make(Pointer.to(ByteBuffer.allocateDirect((int) bytes)), "cuMemAllocHost");
    }

    @Override
    public void destroyStream(CUstream s) {
      release(s);
    }

    @Override
    public void destroyEvent(CUevent e) {
      release(e);
    }

    @Override
    public void freeHost(Pointer p) {
      release(p);
    }
  }

  /** 1 copy stream, 1 start event, the ready ring, and per slot a pinned buffer and an event. */
  private static final int CREATIONS = 2 + PinnedStaging.READY_EVENTS + 2 * PinnedStaging.SLOTS;

  @Test
  void aFailureAtAnyCreationReleasesWhatWasMadeInReverseOrder() {
    for (int failAt = 1; failAt <= CREATIONS; failAt++) {
      FakeResources fake = new FakeResources(failAt);
      CudaException e =
          assertThrows(CudaException.class, () -> new PinnedStaging(new CUstream(), fake));
      assertTrue(e.getMessage().contains("creation " + failAt), e.getMessage());
      assertEquals(
          List.of(), fake.live, "creation " + failAt + " failed: nothing may stay allocated");
      List<Object> reversed = new ArrayList<>(fake.creationOrder);
      java.util.Collections.reverse(reversed);
      assertEquals(reversed.size(), fake.released.size());
      for (int i = 0; i < reversed.size(); i++) {
        assertSame(reversed.get(i), fake.released.get(i), "release order at creation " + failAt);
      }
    }
  }

  @Test
  void aSuccessfulConstructionMakesEverythingOnce() {
    FakeResources fake = new FakeResources(-1);
    new PinnedStaging(new CUstream(), fake);
    assertEquals(CREATIONS, fake.made);
    assertEquals(CREATIONS, fake.live.size());
  }
}
