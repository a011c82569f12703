package dev.meshbox.bookinfo;

import dev.meshbox.bookinfo.http.Delays;
import dev.meshbox.bookinfo.http.JavalinWorkload;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScratchIdleTest {
  @Test
  void probe() {
    Delays delays = new Delays("probe");
    Workload w = new JavalinWorkload(TestMesh.context("probe", "v1", new java.net.InetSocketAddress(15001)),
        r -> r.get("/", ctx -> ctx.future(() -> delays.after(Duration.ofSeconds(34)).thenRun(() -> ctx.result("done")))),
        delays::close);
    w.start();
    long t = System.nanoTime();
    var resp = new AppClient().send(w, "GET", "/", "");
    System.out.println("PROBE " + resp.statusCode() + " " + resp.body().length() + " " + (System.nanoTime() - t) / 1e9);
    w.close();
  }
}
