package io.oncemq.broker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deletes a test's folder with everything in it (a node's data folder, a browser profile). */
public final class Folders {

    private Folders() {
    }

    /** Deletes {@code dir} and what it holds, deepest first; fails if {@code dir} does not exist. */
    public static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
