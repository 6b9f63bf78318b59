package io.myelin.cuda;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import io.myelin.DType;
import io.myelin.backend.CapturedGraph;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUresult;
import jcuda.driver.CUstreamCaptureMode;

/**
 * A CUDA graph captured from the backend's stream ({@link CudaBackend#beginCapture}): {@code
 * cuStreamBeginCapture} to {@code cuStreamEndCapture}, instantiated once, replayed with {@code
 * cuGraphLaunch} on the same stream.
 *
 * <h2>What the graph owns</h2>
 *
 * <ul>
 *   <li>A {@link CachingAllocator.GraphPool}: the device blocks the capture allocated (and those it
 *       freed), reserved until {@link #close()}, so a replay never writes memory someone else was
 *       handed meanwhile.
 *   <li>Pinned host snapshots of the arrays copied to the device during the capture ({@link
 *       #copyFromHost}): a captured host-to-device copy reads its source at every replay, so the
 *       source must be memory of the graph's own that nothing overwrites (the backend's staging
 *       ring is reused by every later copy, a Java array may move). Bump-allocated from chunks of
 *       {@code cuMemAllocHost}, freed at close.
 * </ul>
 *
 * <h2>Capture mode</h2>
 *
 * {@code CU_STREAM_CAPTURE_MODE_THREAD_LOCAL}: "potentially unsafe" driver calls are refused on the
 * capturing thread only (the few we make on purpose, cuMemAlloc, cuMemAllocHost and module loads,
 * run with the thread's mode relaxed: {@link Driver#relaxedCapture}); GLOBAL would also fail such
 * calls on unrelated threads of the process (another device's backend, other JCuda users). Other
 * threads are kept off the captured stream by the backend itself: their calls wait ({@link
 * CudaCaptures}).
 *
 * <h2>A failed capture</h2>
 *
 * {@link #end} always leaves capture mode. When the capture was invalidated by the driver, or the
 * backend refused a call during it (a host read, a failed enqueue: {@link #refuse}), the graph
 * holds no executable, frees what it owns at once and refuses {@link #replay()} with the reason;
 * closing it is then a no-op. The backend stays usable.
 *
 * <p>Not thread-safe: the capturing thread builds it; one thread replays it.
 */
final class CudaGraph implements CapturedGraph {
  /** Pinned snapshot chunk size; larger copies get a chunk of their own. */
  static final long SNAPSHOT_CHUNK = 256 << 10;

  /** Snapshots start on 16-byte boundaries (any element type, and vectorised copies). */
  private static final long SNAPSHOT_ALIGN = 16;

  private final CudaBackend backend;
  private final CudaContext ctx;
  private final CachingAllocator allocator;
  private final CachingAllocator.GraphPool pool;
  private final long firstEnqueue;
  private final List<Pointer> hostChunks = new ArrayList<>();
  private Pointer chunk;
  private long chunkSize;
  private long chunkUsed;
  private CUgraph graph;
  private CUgraphExec exec;
  private int size;
  private String refused;
  private boolean capturing = true;
  private boolean closed;
  private boolean freed;

  private CudaGraph(
      CudaBackend backend,
      CudaContext ctx,
      CachingAllocator allocator,
      CachingAllocator.GraphPool pool) {
    this.backend = backend;
    this.ctx = ctx;
    this.allocator = allocator;
    this.pool = pool;
    this.firstEnqueue = ctx.enqueued();
  }

  /**
   * Opens a graph pool and puts the stream into capture mode. The context is current on the calling
   * thread and no capture runs.
   */
  static CudaGraph begin(CudaBackend backend, CudaContext ctx, CachingAllocator allocator) {
    CachingAllocator.GraphPool pool = allocator.beginGraphPool();
    CudaGraph g = new CudaGraph(backend, ctx, allocator, pool);
    try {
      // The first snapshot chunk before the capture: the usual small uploads of a step (step
      // scalars, a few constants) then need no host allocation inside it.
      g.newChunk(SNAPSHOT_CHUNK);
      Driver.check(
          cuStreamBeginCapture(
              ctx.stream(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
          "cuStreamBeginCapture");
    } catch (RuntimeException e) {
      g.free();
      throw e;
    }
    return g;
  }

  /**
   * Records a copy of {@code length} elements of {@code array} (from {@code offset}) to device
   * address {@code dst}, with the values the array holds now: they are copied into pinned memory of
   * this graph, from which every replay copies.
   */
  void copyFromHost(Object array, int offset, DType dtype, long dst, int length) {
    int elementBytes = dtype.byteSize();
    long bytes = (long) length * elementBytes;
    long at = reserveSnapshot(bytes);
    // Filled in slices so that no ByteBuffer exceeds 2 GiB.
    int perSlice = (1 << 30) / elementBytes;
    for (int done = 0; done < length; done += perSlice) {
      int n = Math.min(perSlice, length - done);
      ByteBuffer b =
          chunk
              .getByteBuffer(at + (long) done * elementBytes, (long) n * elementBytes)
              .order(ByteOrder.nativeOrder());
      switch (array) {
        case float[] f -> b.asFloatBuffer().put(f, offset + done, n);
        case double[] d -> b.asDoubleBuffer().put(d, offset + done, n);
        case int[] i -> b.asIntBuffer().put(i, offset + done, n);
        default -> throw new IllegalArgumentException("unsupported host array " + array.getClass());
      }
    }
    ctx.enqueued(
        cuMemcpyHtoDAsync(DevicePointer.at(dst), chunk.withByteOffset(at), bytes, ctx.stream()),
        "cuMemcpyHtoDAsync (captured)");
  }

  /** Room for {@code bytes} in the current pinned chunk (a new chunk when it is full). */
  private long reserveSnapshot(long bytes) {
    if (chunk == null || chunkUsed + bytes > chunkSize) {
      newChunk(Math.max(SNAPSHOT_CHUNK, bytes));
    }
    long at = chunkUsed;
    chunkUsed = (chunkUsed + bytes + SNAPSHOT_ALIGN - 1) / SNAPSHOT_ALIGN * SNAPSHOT_ALIGN;
    return at;
  }

  /** Allocates a pinned chunk of {@code bytes} and makes it the current one. */
  private void newChunk(long bytes) {
    Pointer p = new Pointer();
    Driver.check(
        Driver.relaxedCapture(() -> cuMemAllocHost(p, bytes)),
        "cuMemAllocHost(" + bytes + ") for captured copies");
    hostChunks.add(p);
    chunk = p;
    chunkSize = bytes;
    chunkUsed = 0;
  }

  /** The graph must not replay: {@code why} (the first reason is kept). */
  void refuse(String why) {
    if (refused == null) {
      refused = why;
    }
  }

  /**
   * Leaves capture mode (always, also for an invalidated capture) and instantiates the graph. Never
   * throws for a failed capture: the graph then refuses replay and has freed what it owned.
   */
  void end() {
    capturing = false;
    allocator.endGraphPool(pool);
    size = (int) Math.min(Integer.MAX_VALUE, ctx.enqueued() - firstEnqueue);
    CUgraph g = new CUgraph();
    int r = cuStreamEndCapture(ctx.stream(), g);
    if (r != CUresult.CUDA_SUCCESS) {
      refuse(
          "the driver invalidated the capture (cuStreamEndCapture: "
              + CUresult.stringFor(r)
              + "); an earlier call during the capture failed or was not capturable");
    } else {
      graph = g;
      if (refused == null) {
        CUgraphExec e = new CUgraphExec();
        int ri = cuGraphInstantiate(e, g, 0);
        if (ri == CUresult.CUDA_SUCCESS) {
          exec = e;
        } else {
          refuse("cuGraphInstantiate failed: " + CUresult.stringFor(ri));
        }
      }
    }
    if (refused != null) {
      size = 0;
      free(); // nothing of it ran: its memory can go back now
    }
  }

  @Override
  public void replay() {
    if (capturing) {
      throw new IllegalStateException("replay before endCapture");
    }
    if (closed) {
      throw new IllegalStateException("replay of a closed graph");
    }
    if (refused != null) {
      throw new IllegalStateException(
          "this graph cannot be replayed: its capture failed ("
              + refused
              + "); close it and run the calls eagerly");
    }
    try (CudaCaptures.Call ignored = backend.enterForReplay()) {
      if (ctx.capture() != null) {
        // Only the capturing thread gets here during a capture (the others wait at the gate).
        // The driver refuses a graph launch into a capturing stream and invalidates the capture;
        // were it recorded, the outer graph would use this graph's memory and snapshots past this
        // graph's close. Refuse it here, with the reason, and mark the running capture.
        String why = "replay of a graph during another graph's capture";
        ctx.enqueueFailed(why);
        throw new IllegalStateException(
            why + ": replay it before beginCapture or after endCapture");
      }
      // The graph reads storages no call names before it: copy-stream uploads into them
      // (copyFromHostAhead) must be waited for here, or the replay may read the old values.
      backend.awaitUploadsBeforeReplay();
      Driver.check(cuGraphLaunch(exec, ctx.stream()), "cuGraphLaunch");
    }
  }

  /**
   * Primitive calls recorded: kernel launches, copies and cuBLAS calls (0 for a failed capture).
   */
  @Override
  public int size() {
    return size;
  }

  /**
   * Why the graph refuses replay, or null for a good one. A failed capture is reported here and by
   * {@link #replay()}; {@code endCapture} itself does not throw for it.
   */
  String refusal() {
    return refused;
  }

  /**
   * Waits for replays still running, then destroys the graph, frees the pinned snapshots and
   * returns the pool's memory. During another capture on the backend the release waits for that
   * capture to end (waiting on a capturing stream is illegal). Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    backend.graphClosed(this);
  }

  /**
   * Destroys the driver objects, frees the snapshots and releases the pool, without waiting: the
   * caller synchronised the stream, or nothing of this graph ever ran. Idempotent.
   */
  void free() {
    if (freed) {
      return;
    }
    freed = true;
    try {
      if (exec != null) {
        cuGraphExecDestroy(exec);
      }
      if (graph != null) {
        cuGraphDestroy(graph);
      }
      for (Pointer p : hostChunks) {
        cuMemFreeHost(p);
      }
    } finally {
      exec = null;
      graph = null;
      hostChunks.clear();
      chunk = null;
      allocator.releaseGraphPool(pool);
    }
  }
}
