package io.oncemq.journal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The journal folder: generation folders {@code gen-NNNNNN}, and the unfinished one compaction may be writing. */
final class GenerationFolders {

    private static final Logger log = LoggerFactory.getLogger(GenerationFolders.class);

    /** Suffix of a generation folder whose snapshot is still being written. */
    static final String UNFINISHED = ".unfinished";

    private GenerationFolders() {
    }

    /** Where the next generation's snapshot is written before it is renamed to {@link #path}. */
    static Path unfinished(Path dir, int g) {
        return dir.resolve(path(dir, g).getFileName() + UNFINISHED);
    }

    /** The folder of generation {@code g}: a Chronicle queue that starts with a whole snapshot. */
    static Path path(Path dir, int g) {
        return dir.resolve(String.format("gen-%06d", g));
    }

    /** Deletes snapshots a crash interrupted before they were renamed into place. */
    static void deleteUnfinished(Path dir) throws IOException {
        List<Path> unfinished;
        try (Stream<Path> s = Files.list(dir)) {
            unfinished = s.filter(p -> p.getFileName().toString().endsWith(UNFINISHED)).toList();
        }
        for (Path p : unfinished) {
            log.warn("journal {}: a snapshot interrupted by a crash, discarded", p.getFileName());
            deleteTree(p);
        }
    }

    /** Makes the rename of a generation folder durable (Linux allows fsync on a directory). */
    static void syncDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            log.debug("cannot sync directory {}: {}", dir, e.toString());
        }
    }

    /** The numbers of the generation folders present, lowest first. */
    static List<Integer> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("gen-\\d{6}"))
                    .map(n -> Integer.parseInt(n.substring(4)))
                    .sorted()
                    .toList();
        }
    }

    /** Deletes a folder and everything in it; nothing if it does not exist. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
