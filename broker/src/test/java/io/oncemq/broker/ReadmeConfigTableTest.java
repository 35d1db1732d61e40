package io.oncemq.broker;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** README's config table has a row for every key of {@link Config#KEYS} and no row for a key that does not exist. */
class ReadmeConfigTableTest {

    private static final Pattern KEY = Pattern.compile("`([a-z0-9-]+)`");

    @Test
    void everyConfigKeyHasARow() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("../README.md")); // tests run in broker/
        int start = lines.indexOf("## Command line and configuration");
        assertTrue(start >= 0, "README has no 'Command line and configuration' section");
        Set<String> documented = new TreeSet<>();
        boolean inTable = false;
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            if (line.startsWith("| key |")) {
                inTable = true;
            } else if (inTable && line.startsWith("|") && !line.startsWith("|---")) {
                Matcher m = KEY.matcher(line.split("\\|")[1]);
                while (m.find()) {
                    documented.add(m.group(1));
                }
            } else if (inTable && !line.startsWith("|")) {
                inTable = false;
            }
        }
        List<String> missing = new ArrayList<>(Config.KEYS);
        missing.removeAll(documented);
        assertEquals(List.of(), missing, "keys of Config.KEYS with no row in README's config table");
        documented.removeAll(Config.KEYS);
        assertEquals(Set.of(), documented, "rows of README's config table that are no key");
    }
}
