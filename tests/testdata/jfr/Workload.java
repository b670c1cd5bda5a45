// A small Java program that records its own JFR file with every profile type Pyrolens
// maps: CPU samples, allocations (TLAB and sampled), monitor contention, thread parks and
// exceptions. regen.sh runs it with OpenJDK 17; the recording stays under 300 KB.
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import jdk.jfr.Recording;

public class Workload {
  static final Object monitor = new Object();
  static final ReentrantLock lock = new ReentrantLock();
  static volatile long sink;

  static long spin(long n) {
    long x = 1;
    for (long i = 0; i < n; i++) x = step(x, i);
    return x;
  }

  static long step(long x, long i) {
    return (x ^ (x >>> 29)) * 6364136223846793005L + i;
  }

  static void allocate(List<Object> keep) {
    for (int i = 0; i < 2000; i++) keep.add(new byte[64 + (i % 512)]);
    if (keep.size() > 20000) keep.clear();
  }

  static void contendMonitor() {
    synchronized (monitor) {
      sink += spin(200_000);
    }
  }

  static void contendLock() {
    lock.lock();
    try {
      LockSupport.parkNanos(200_000);
      sink += spin(50_000);
    } finally {
      lock.unlock();
    }
  }

  static void throwSome() {
    for (int i = 0; i < 2; i++) {
      try {
        throw new IllegalStateException("workload " + i);
      } catch (IllegalStateException e) {
        sink += e.getMessage().length();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Recording r = new Recording();
    r.enable("jdk.ActiveSetting");  // the sampling period, for cpu nanoseconds
    r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10)).withStackTrace();
    r.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
    r.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
    r.enable("jdk.ObjectAllocationSample").withStackTrace();
    r.enable("jdk.JavaMonitorEnter").withThreshold(Duration.ZERO).withStackTrace();
    r.enable("jdk.ThreadPark").withThreshold(Duration.ZERO).withStackTrace();
    r.enable("jdk.JavaExceptionThrow").withStackTrace();
    r.enable("jdk.JavaErrorThrow").withStackTrace();
    r.start();
    long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      final int id = t;
      Thread th = new Thread(() -> {
        List<Object> keep = new ArrayList<>();
        int rounds = 0;
        while (System.nanoTime() < until) {
          switch (id) {
            case 0: sink += spin(2_000_000); allocate(keep); break;
            case 1: contendMonitor(); if (++rounds % 8 == 0) throwSome(); break;
            case 2: contendMonitor(); contendLock(); break;
            default: contendLock(); allocate(keep); break;
          }
        }
      }, "worker-" + t);
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) th.join();
    r.stop();
    r.dump(Path.of(args[0]));
  }
}
