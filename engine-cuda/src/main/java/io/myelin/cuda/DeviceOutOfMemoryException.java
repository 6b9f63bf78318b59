package io.myelin.cuda;

/**
 * The device could not provide memory even after the caching allocator returned its cache to the
 * driver. The message states what was requested, what live storages hold and what was cached, so a
 * user can tell a leak (large "in use") from fragmentation or a batch that is simply too big.
 */
public final class DeviceOutOfMemoryException extends RuntimeException {
  public DeviceOutOfMemoryException(String message) {
    super(message);
  }
}
