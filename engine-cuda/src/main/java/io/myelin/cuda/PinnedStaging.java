package io.myelin.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

import io.myelin.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;

/**
 * Host-device copies of Java arrays through a ring of pinned (page-locked) staging buffers.
 *
 * <p>Java arrays can move under the GC, so the driver cannot read them asynchronously; copying into
 * pinned memory first lets the host-to-device transfer run on the stream while the caller
 * continues. Each buffer records an event after its transfer and is reused only once that event has
 * passed, so up to {@value #SLOTS} chunks are in flight. Device-to-host copies synchronise (the
 * caller wants the values now).
 *
 * <p>{@link #toDeviceAhead} runs the transfer on a second stream of its own instead: it waits for
 * the work the compute stream had been given when it was called (so a block reused from a freed
 * tensor is not overwritten under a pending kernel) and then overlaps the compute work issued after
 * it; it returns an event for the compute stream to wait on before the first use of the
 * destination. What a data loader's look-ahead uses: the next batch crosses while the current step
 * runs.
 *
 * <p>Thread-safe: copies are serialised. The caller makes the context current.
 */
final class PinnedStaging implements AutoCloseable {
  static final int CHUNK_BYTES = 4 << 20;
  static final int SLOTS = 4;
  private static final int EVENT_DISABLE_TIMING = 2;

  private final CUstream stream;
  private final Resources resources;
  private final Pointer[] host = new Pointer[SLOTS];
  private final ByteBuffer[] buffers = new ByteBuffer[SLOTS];
  private final CUevent[] done = new CUevent[SLOTS];
  private final boolean[] pending = new boolean[SLOTS];
  private int next;

  /** The second stream of {@link #toDeviceAhead}, its start event and a ring of ready events. */
  private final CUstream copyStream;

  private final CUevent issued;
  private final CUevent[] ready = new CUevent[READY_EVENTS];
  private int nextReady;

  /**
   * Ready events are reused round robin: a storage still holding an event that was recorded again
   * since waits for a later point of the copy stream, which implies its own transfer (FIFO).
   */
  static final int READY_EVENTS = 32;

  private static final int STREAM_NON_BLOCKING = 1;

  PinnedStaging(CUstream stream) {
    this(stream, Resources.DRIVER);
  }

  /** With the driver objects made and released by {@code resources} (a fake in the tests). */
  PinnedStaging(CUstream stream, Resources resources) {
    this.stream = stream;
    this.resources = resources;
    // A failure midway releases what was made, newest first (nothing was enqueued yet).
    Unwind made = new Unwind();
    try {
      CUstream s = resources.createStream(STREAM_NON_BLOCKING);
      made.push(() -> resources.destroyStream(s));
      copyStream = s;
      CUevent start = resources.createEvent(EVENT_DISABLE_TIMING);
      made.push(() -> resources.destroyEvent(start));
      issued = start;
      for (int i = 0; i < READY_EVENTS; i++) {
        CUevent e = resources.createEvent(EVENT_DISABLE_TIMING);
        made.push(() -> resources.destroyEvent(e));
        ready[i] = e;
      }
      for (int i = 0; i < SLOTS; i++) {
        Pointer p = resources.allocHost(CHUNK_BYTES);
        made.push(() -> resources.freeHost(p));
        host[i] = p;
        buffers[i] = p.getByteBuffer(0, CHUNK_BYTES).order(ByteOrder.nativeOrder());
        CUevent e = resources.createEvent(EVENT_DISABLE_TIMING);
        made.push(() -> resources.destroyEvent(e));
        done[i] = e;
      }
    } catch (Throwable e) {
      made.unwind(e);
      throw e;
    }
  }

  /**
   * Makes and releases the driver objects of a staging ring: the driver's calls, or a fake that
   * records them (the tests of construction failing midway).
   */
  interface Resources {
    CUstream createStream(int flags);

    CUevent createEvent(int flags);

    /** Pinned host memory of {@code bytes}, whose {@link Pointer#getByteBuffer} maps it. */
    Pointer allocHost(long bytes);

    void destroyStream(CUstream s);

    void destroyEvent(CUevent e);

    void freeHost(Pointer p);

    /** The CUDA driver's calls. */
    Resources DRIVER =
        new Resources() {
          @Override
          public CUstream createStream(int flags) {
            CUstream s = new CUstream();
            Driver.check(cuStreamCreate(s, flags), "cuStreamCreate(copy stream)");
            return s;
          }

          @Override
          public CUevent createEvent(int flags) {
            CUevent e = new CUevent();
            Driver.check(cuEventCreate(e, flags), "cuEventCreate");
            return e;
          }

          @Override
          public Pointer allocHost(long bytes) {
            Pointer p = new Pointer();
            Driver.check(cuMemAllocHost(p, bytes), "cuMemAllocHost(" + bytes + ")");
            return p;
          }

          @Override
          public void destroyStream(CUstream s) {
            cuStreamDestroy(s);
          }

          @Override
          public void destroyEvent(CUevent e) {
            cuEventDestroy(e);
          }

          @Override
          public void freeHost(Pointer p) {
            cuMemFreeHost(p);
          }
        };
  }

  /** Enqueues a copy of {@code length} elements of {@code array} to device address {@code dst}. */
  synchronized void toDevice(Object array, int offset, DType dtype, long dst, int length) {
    int size = dtype.byteSize();
    int perChunk = CHUNK_BYTES / size;
    for (int done0 = 0; done0 < length; done0 += perChunk) {
      int n = Math.min(perChunk, length - done0);
      int slot = acquire();
      ByteBuffer b = buffers[slot].clear();
      switch (array) {
        case float[] f -> b.asFloatBuffer().put(f, offset + done0, n);
        case double[] d -> b.asDoubleBuffer().put(d, offset + done0, n);
        case int[] i -> b.asIntBuffer().put(i, offset + done0, n);
        default -> throw new IllegalArgumentException("unsupported host array " + array.getClass());
      }
      Driver.check(
          cuMemcpyHtoDAsync(
              DevicePointer.at(dst + (long) done0 * size), host[slot], (long) n * size, stream),
          "cuMemcpyHtoDAsync");
      Driver.check(cuEventRecord(done[slot], stream), "cuEventRecord");
      pending[slot] = true;
    }
  }

  /**
   * {@link #toDevice} on the copy stream, ordered after everything issued to the compute stream so
   * far; returns the event that marks its end (the compute stream must wait for it before reading
   * {@code dst}).
   */
  synchronized CUevent toDeviceAhead(Object array, int offset, DType dtype, long dst, int length) {
    Driver.check(cuEventRecord(issued, stream), "cuEventRecord");
    Driver.check(cuStreamWaitEvent(copyStream, issued, 0), "cuStreamWaitEvent(copy stream)");
    int size = dtype.byteSize();
    int perChunk = CHUNK_BYTES / size;
    for (int done0 = 0; done0 < length; done0 += perChunk) {
      int n = Math.min(perChunk, length - done0);
      int slot = acquire();
      fill(buffers[slot].clear(), array, offset + done0, n);
      Driver.check(
          cuMemcpyHtoDAsync(
              DevicePointer.at(dst + (long) done0 * size), host[slot], (long) n * size, copyStream),
          "cuMemcpyHtoDAsync(copy stream)");
      Driver.check(cuEventRecord(done[slot], copyStream), "cuEventRecord");
      pending[slot] = true;
    }
    CUevent e = ready[nextReady];
    nextReady = (nextReady + 1) % READY_EVENTS;
    Driver.check(cuEventRecord(e, copyStream), "cuEventRecord");
    return e;
  }

  /** Makes the compute stream wait for every transfer of the copy stream issued so far. */
  synchronized void awaitAhead() {
    CUevent e = ready[nextReady];
    nextReady = (nextReady + 1) % READY_EVENTS;
    Driver.check(cuEventRecord(e, copyStream), "cuEventRecord");
    Driver.check(cuStreamWaitEvent(stream, e, 0), "cuStreamWaitEvent");
  }

  private static void fill(ByteBuffer b, Object array, int from, int n) {
    switch (array) {
      case float[] f -> b.asFloatBuffer().put(f, from, n);
      case double[] d -> b.asDoubleBuffer().put(d, from, n);
      case int[] i -> b.asIntBuffer().put(i, from, n);
      default -> throw new IllegalArgumentException("unsupported host array " + array.getClass());
    }
  }

  /**
   * Copies {@code length} elements at device address {@code src} into {@code array}; synchronises.
   */
  synchronized void toHost(long src, DType dtype, Object array, int offset, int length) {
    int size = dtype.byteSize();
    int perChunk = CHUNK_BYTES / size;
    for (int done0 = 0; done0 < length; done0 += perChunk) {
      int n = Math.min(perChunk, length - done0);
      int slot = acquire();
      Driver.check(
          cuMemcpyDtoHAsync(
              host[slot], DevicePointer.at(src + (long) done0 * size), (long) n * size, stream),
          "cuMemcpyDtoHAsync");
      // Every earlier kernel on the stream has finished too once this returns.
      Driver.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
      ByteBuffer b = buffers[slot].clear();
      switch (array) {
        case float[] f -> b.asFloatBuffer().get(f, offset + done0, n);
        case double[] d -> b.asDoubleBuffer().get(d, offset + done0, n);
        case int[] i -> b.asIntBuffer().get(i, offset + done0, n);
        default -> throw new IllegalArgumentException("unsupported host array " + array.getClass());
      }
    }
  }

  /** The next buffer of the ring, after waiting for its previous transfer. */
  private int acquire() {
    int slot = next;
    next = (next + 1) % SLOTS;
    if (pending[slot]) {
      Driver.check(cuEventSynchronize(done[slot]), "cuEventSynchronize");
      pending[slot] = false;
    }
    return slot;
  }

  @Override
  public synchronized void close() {
    Driver.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    Driver.check(cuStreamSynchronize(copyStream), "cuStreamSynchronize(copy stream)");
    for (int i = 0; i < SLOTS; i++) {
      resources.destroyEvent(done[i]);
      resources.freeHost(host[i]);
    }
    for (CUevent e : ready) {
      resources.destroyEvent(e);
    }
    resources.destroyEvent(issued);
    resources.destroyStream(copyStream);
  }
}
