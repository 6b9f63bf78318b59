package io.myelin.cuda;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The graph captures of one {@link CudaBackend}: the capture running on its stream (at most one,
 * recorded in the {@link CudaContext}) and the {@link CudaGraph}s not yet freed.
 *
 * <ul>
 *   <li>The backend has one stream, and stream capture records whatever any thread enqueues on it;
 *       so while a capture runs, calls of other threads wait until it ends. A read-write gate does
 *       it: every backend call holds the shared side for its duration ({@link #enter}), a capture
 *       holds the exclusive side from {@link #begin} to {@link #end} (waiting first for the calls
 *       other threads have in flight). The capturing thread's own calls pass (a writer may take the
 *       read side). Releasing storage is not a call: the Cleaner may free blocks at any time (the
 *       allocator keeps them for the graph).
 *   <li>Host reads during a capture are refused ({@link #refuseHostRead}) and make the graph refuse
 *       replay.
 *   <li>A graph is freed when closed, after waiting for replays still running; a graph closed
 *       during a capture (waiting on a capturing stream is illegal) is freed when that capture
 *       ends. The backend's close frees the rest.
 * </ul>
 *
 * <p>Thread-safe: the mutating methods are synchronised.
 */
final class CudaCaptures {
  private final CudaContext ctx;
  private final CachingAllocator allocator;
  private final String device;
  private final Set<CudaGraph> graphs = new LinkedHashSet<>();
  private final List<CudaGraph> closedDuringCapture = new ArrayList<>();
  private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
  private final Call leave = () -> gate.readLock().unlock();
  private boolean closed;

  /** A backend call in progress: holds the gate's shared side until closed. */
  interface Call extends AutoCloseable {
    @Override
    void close();
  }

  CudaCaptures(CudaContext ctx, CachingAllocator allocator, String device) {
    this.ctx = ctx;
    this.allocator = allocator;
    this.device = device;
  }

  /**
   * Starts a backend call: waits while another thread captures, then holds the gate's shared side
   * until the returned call is closed (try-with-resources). Reentrant.
   */
  Call enter() {
    gate.readLock().lock();
    return leave;
  }

  /** The running capture's graph, or null; inside a call, non-null only on the capturing thread. */
  CudaGraph running() {
    return ctx.capture();
  }

  /** Refuses the host read {@code what} during a capture, and marks the graph unusable. */
  void refuseHostRead(String what) {
    CudaGraph g = ctx.capture();
    if (g != null) {
      String why =
          what
              + " during a graph capture: a captured step cannot read values on the host"
              + " (keep loss.item() and metrics outside the captured region)";
      g.refuse(why);
      throw new IllegalStateException(why);
    }
  }

  /**
   * Starts a capture on the calling thread, which must not be inside a backend call: waits for the
   * calls of other threads (and their captures) to finish, then holds them off until {@link #end}.
   *
   * @throws IllegalStateException when this thread is capturing already
   */
  void begin(CudaBackend backend) {
    if (gate.isWriteLockedByCurrentThread()) {
      throw new IllegalStateException("a graph capture is already running on this thread");
    }
    if (gate.getReadHoldCount() > 0) {
      throw new IllegalStateException("beginCapture inside a backend call");
    }
    gate.writeLock().lock();
    try {
      synchronized (this) {
        if (closed) {
          throw new IllegalStateException("CUDA backend for " + device + " is closed");
        }
        ctx.makeCurrent();
        backend.drainUploadsBeforeCapture();
        CudaGraph g = CudaGraph.begin(backend, ctx, allocator);
        ctx.startCapture(g);
        graphs.add(g);
      }
    } catch (RuntimeException | Error e) {
      gate.writeLock().unlock();
      throw e;
    }
  }

  /**
   * Ends the capture the calling thread started: always leaves capture mode (see CudaGraph#end) and
   * lets the other threads' calls in again.
   */
  CudaGraph end() {
    if (!gate.isWriteLockedByCurrentThread() || ctx.capture() == null) {
      throw new IllegalStateException("endCapture without a capture started on this thread");
    }
    try {
      synchronized (this) {
        CudaGraph g = ctx.capture();
        ctx.makeCurrent();
        try {
          g.end();
        } finally {
          ctx.stopCapture();
          if (g.refusal() != null) {
            graphs.remove(g); // freed by end(): nothing of it ever ran
          }
          freeClosedDuringCapture();
        }
        return g;
      }
    } finally {
      gate.writeLock().unlock();
    }
  }

  /** {@code g} was closed: free it now, or once the running capture ends. */
  synchronized void closed(CudaGraph g) {
    if (closed || !graphs.contains(g)) {
      return; // freed already (the backend's close, or a failed capture)
    }
    if (ctx.capture() != null) {
      closedDuringCapture.add(g);
      return;
    }
    graphs.remove(g);
    ctx.makeCurrent();
    try {
      ctx.synchronize(); // a replay still running reads the graph's memory
    } finally {
      g.free();
    }
  }

  private void freeClosedDuringCapture() {
    if (closedDuringCapture.isEmpty()) {
      return;
    }
    List<CudaGraph> list = new ArrayList<>(closedDuringCapture);
    closedDuringCapture.clear();
    try {
      ctx.synchronize();
    } finally {
      for (CudaGraph g : list) {
        graphs.remove(g);
        g.free();
      }
    }
  }

  /**
   * The backend closes: waits for a capture of another thread to end (a capture of this thread is
   * ended here), then, with every other call held off, drains the stream, frees every graph
   * (closing one later does nothing) and runs {@code release} (the backend's own resources). The
   * calling thread must not be inside a backend call.
   */
  void closeAll(Runnable release) {
    gate.writeLock().lock();
    try {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        ctx.makeCurrent();
        CudaGraph running = ctx.capture();
        if (running != null) {
          try {
            running.end(); // leave capture mode before waiting on the stream
          } finally {
            ctx.stopCapture();
            gate.writeLock().unlock(); // the hold its beginCapture took
          }
        }
        try {
          ctx.synchronize();
        } finally {
          for (CudaGraph g : graphs) {
            g.free();
          }
          graphs.clear();
          closedDuringCapture.clear();
          release.run();
        }
      }
    } finally {
      gate.writeLock().unlock();
    }
  }
}
