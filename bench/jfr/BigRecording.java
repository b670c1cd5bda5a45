// Records a large JFR file with a real JVM for the JFR read benchmark: threads that throw
// exceptions and allocate at varying stack depths (many distinct stacks), sampled every
// millisecond. Run: java BigRecording.java OUT.jfr MIN_MB  (stops once OUT reaches MIN_MB).
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.Recording;

public class BigRecording {
  static volatile long sink;
  static volatile boolean stop;

  static void leaf(int kind, int i) {
    if (kind == 0) {
      try {
        throw new IllegalStateException();
      } catch (IllegalStateException e) {
        sink += i;
      }
    } else {
      sink += new byte[16 + (i & 1023)].length;
    }
  }

  // Recursion whose shape depends on i: distinct stacks of depth 1..40.
  static void a(int d, int kind, int i) { if (d == 0) leaf(kind, i); else if ((i >> d & 1) == 0) a(d - 1, kind, i); else b(d - 1, kind, i); }
  static void b(int d, int kind, int i) { if (d == 0) leaf(kind, i); else if ((i >> d & 3) == 0) c(d - 1, kind, i); else a(d - 1, kind, i); }
  static void c(int d, int kind, int i) { if (d == 0) leaf(kind, i); else b(d - 1, kind, i); }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    long minBytes = Long.parseLong(args[1]) << 20;
    Recording r = new Recording();
    r.enable("jdk.ActiveSetting");
    r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1)).withStackTrace();
    r.enable("jdk.JavaExceptionThrow").withStackTrace();
    r.enable("jdk.ObjectAllocationSample").withStackTrace();
    r.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
    r.setToDisk(true);
    r.start();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      final int kind = t;
      Thread th = new Thread(() -> {
        for (int i = 0; !stop; i++) a(1 + (i % 40), kind == 0 || (i & 7) != 0 ? 0 : 1, i);
      }, "bench-" + t);
      threads.add(th);
      th.start();
    }
    // The recording's size on disk is only known after a dump: estimate from a trial.
    long started = System.nanoTime();
    Path probe = Files.createTempFile("probe", ".jfr");
    Thread.sleep(2000);
    r.dump(probe);
    double bytesPerNs = (double) Files.size(probe) / (System.nanoTime() - started);
    Files.delete(probe);
    long needNs = (long) (minBytes * 1.4 / bytesPerNs);
    Thread.sleep(Math.max(0, (needNs - (System.nanoTime() - started)) / 1_000_000));
    stop = true;
    for (Thread th : threads) th.join();
    r.stop();
    r.dump(out);
    System.out.println(out + ": " + Files.size(out) + " bytes");
  }
}
