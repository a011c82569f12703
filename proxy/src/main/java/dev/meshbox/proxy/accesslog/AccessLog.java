package dev.meshbox.proxy.accesslog;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The last {@code capacity} entries of one proxy, numbered so a reader can ask for what is new. */
public final class AccessLog {

  private final int capacity;
  private final ArrayDeque<AccessLogEntry> entries;
  private long nextSeq = 1;

  public AccessLog(int capacity) {
    this.capacity = capacity;
    this.entries = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  public synchronized AccessLogEntry append(AccessLogEntry entry) {
    AccessLogEntry numbered = entry.withSeq(nextSeq++);
    if (entries.size() == capacity) {
      entries.pollFirst();
    }
    entries.addLast(numbered);
    return numbered;
  }

  /** Entries with a sequence number greater than {@code seq}, oldest first. */
  public synchronized List<AccessLogEntry> since(long seq) {
    List<AccessLogEntry> out = new ArrayList<>();
    for (AccessLogEntry e : entries) {
      if (e.seq() > seq) {
        out.add(e);
      }
    }
    return out;
  }

  public List<AccessLogEntry> all() {
    return since(0);
  }
}
