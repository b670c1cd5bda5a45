// Prints {"type id": "event name", ...} for a JFR recording, read by the JDK's own
// jdk.jfr.consumer API (jdk.ActiveSetting events name event types by id only).
// Run: java TypeIds.java FILE
import java.nio.file.Path;
import jdk.jfr.EventType;
import jdk.jfr.consumer.RecordingFile;

public class TypeIds {
  public static void main(String[] args) throws Exception {
    StringBuilder sb = new StringBuilder("{");
    try (RecordingFile f = new RecordingFile(Path.of(args[0]))) {
      for (EventType t : f.readEventTypes()) {
        if (sb.length() > 1) sb.append(", ");
        sb.append('"').append(t.getId()).append("\": \"").append(t.getName()).append('"');
      }
    }
    System.out.println(sb.append('}'));
  }
}
