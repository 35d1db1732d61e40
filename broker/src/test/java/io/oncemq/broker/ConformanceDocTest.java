package io.oncemq.broker;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/conformance.md stays true: every test it names exists, and every statement has a test or a reason. */
class ConformanceDocTest {

    private static final Path DOC = Path.of("..", "docs", "conformance.md");
    private static final Path TESTS = Path.of("src", "test", "java", "io", "oncemq", "broker");
    private static final Pattern TEST_REF = Pattern.compile("`(\\w+)#(\\w+)`");

    @Test
    void everyTestNamedInTheTableExists() throws IOException {
        List<String> missing = new ArrayList<>();
        Matcher m = TEST_REF.matcher(Files.readString(DOC));
        int refs = 0;
        while (m.find()) {
            refs++;
            Path source = find(m.group(1) + ".java");
            if (source == null || !Pattern.compile("void " + m.group(2) + "\\(").matcher(Files.readString(source)).find()) {
                missing.add(m.group(1) + "#" + m.group(2));
            }
        }
        assertTrue(refs > 100, "the table names tests");
        assertEquals(List.of(), missing, "tests named in docs/conformance.md that do not exist");
    }

    /** The test source of that name anywhere under the broker's test folder, or null. */
    private static Path find(String fileName) throws IOException {
        try (Stream<Path> files = Files.walk(TESTS)) {
            return files.filter(p -> p.getFileName().toString().equals(fileName)).findFirst().orElse(null);
        }
    }

    @Test
    void everyStatementRowHasATestOrAReason() throws IOException {
        List<String> open = Files.readAllLines(DOC).stream()
                .filter(l -> l.startsWith("| MQTT-"))
                .filter(l -> !TEST_REF.matcher(l).find() && !l.contains("| — "))
                .map(l -> l.substring(2, l.indexOf(" |", 2)))
                .toList();
        assertEquals(List.of(), open, "statements without a test or a reason");
    }
}
