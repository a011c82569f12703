package dev.meshbox.proxy.endpoint;

/** Where a pool reports connection lifecycle events (host and cluster counters). */
public interface ConnectionEvents {
  void connectStarted();

  void connected();

  void connectFailed();

  void closed();
}
