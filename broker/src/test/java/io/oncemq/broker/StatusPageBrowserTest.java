package io.oncemq.broker;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page loaded by a real browser (Debian's headless Chromium) from a running node: after its script
 * ran, the DOM shows the node, the connections the test holds open and the exactly-once counters.
 */
class StatusPageBrowserTest {

    private static final long BROWSER_SECONDS = 90;

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("http-port", "0", "sys-interval", "0"));

    @Test
    void theStatusPageShowsTheNodeItsConnectionsAndTheExactlyOnceCounters() throws Exception {
        Mqtt5BlockingClient a = node.v5Client("page-a");
        Mqtt5BlockingClient b = node.v5Client("page-b");
        try (RawClient pub = RawClient.connected5(node.port(), "page-pub")) {
            pub.publish("p/x", 2, 9, false, "one", 5);
            pub.expect(RawClient.PUBREC);
            pub.publish("p/x", 2, 9, true, "one", 5); // a duplicate: counted as suppressed
            pub.expect(RawClient.PUBREC);
            String dom = dumpDom("http://127.0.0.1:" + node.node().httpPort() + "/");
            assertShows(dom, "node", "local");
            assertShows(dom, "ready", "ready");
            assertShows(dom, "connections", "3");
            assertShows(dom, "memberCount", "1");
            assertShows(dom, "in2", "1");
            assertShows(dom, "heldReceipts", "1");
            assertShows(dom, "duplicatesSuppressed", "1");
            assertShows(dom, "failovers", "0");
            assertShows(dom, "error", ""); // the page reached /api/status
        } finally {
            a.disconnect();
            b.disconnect();
        }
    }

    private static void assertShows(String dom, String id, String text) {
        var m = Pattern.compile("id=\"" + id + "\"[^>]*>([^<]*)<").matcher(dom);
        assertTrue(m.find(), "no element #" + id + " in the page:\n" + dom);
        assertEquals(text, m.group(1), "#" + id);
    }

    /** The DOM after the page's scripts ran (virtual time 5 s), from a fresh headless Chromium profile; the browser always ends. */
    private static String dumpDom(String url) throws IOException, InterruptedException {
        String chromium = Stream.of("/usr/bin/chromium", "/usr/bin/chromium-browser")
                .filter(p -> new File(p).canExecute()).findFirst()
                .orElseThrow(() -> new AssertionError("chromium is not installed: run apt-get install -y chromium"
                        + " (the README's test command and .ci/run do)"));
        Path profile = Files.createTempDirectory("oncemq-chromium");
        Path out = profile.resolve("dom.html");
        Path err = profile.resolve("stderr.txt");
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile.resolve("profile"), "--dump-dom", "--virtual-time-budget=5000", url));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(BROWSER_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("chromium did not finish within " + BROWSER_SECONDS + " s: " + Files.readString(err));
            }
            String dom = Files.readString(out);
            if (dom.isBlank()) {
                throw new AssertionError("chromium printed no DOM (exit " + p.exitValue() + "): " + Files.readString(err));
            }
            return dom;
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            try {
                Folders.delete(profile);
            } catch (IOException stillInUse) {
                // a crashed helper may hold a file for a moment: the temp folder is left, nothing else
            }
        }
    }
}
