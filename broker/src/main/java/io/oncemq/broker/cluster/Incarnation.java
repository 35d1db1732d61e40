package io.oncemq.broker.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A random name for this data folder, made when the folder is first used: message ids restart when a
 * node's folder is lost, so other nodes key forwarded ids by node name and incarnation, never name alone.
 */
public final class Incarnation {

    private static final String FILE = "incarnation";

    private Incarnation() {
    }

    public static String of(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.US_ASCII).trim();
            }
            byte[] random = new byte[8];
            new SecureRandom().nextBytes(random);
            String id = HexFormat.of().formatHex(random);
            Path tmp = dataDir.resolve(FILE + ".tmp");
            Files.writeString(tmp, id + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }
}
