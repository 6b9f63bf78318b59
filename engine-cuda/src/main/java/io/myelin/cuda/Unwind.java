package io.myelin.cuda;

import java.util.ArrayDeque;

/**
 * The releases of what a constructor has made so far, run newest first when it fails midway, so
 * that a failed construction leaks nothing (driver objects, pinned memory, handles). Each step runs
 * even when an earlier one threw; those failures are added to the construction's failure as
 * suppressed exceptions, which stays the one reported.
 *
 * <p>Not thread-safe: one constructor uses it.
 */
final class Unwind {
  private final ArrayDeque<Runnable> steps = new ArrayDeque<>();

  /** Registers the release of something just made. */
  void push(Runnable release) {
    steps.push(release);
  }

  /** Runs every registered release, newest first; the caller then rethrows {@code failure}. */
  void unwind(Throwable failure) {
    while (!steps.isEmpty()) {
      try {
        steps.pop().run();
      } catch (Throwable t) {
        failure.addSuppressed(t);
      }
    }
  }
}
