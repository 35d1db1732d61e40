package io.oncemq.broker.auth;

import io.oncemq.broker.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code password-file}: one {@code user:$7$...} line per user, {@code #} comments, as Mosquitto 2.0 writes it. */
public final class PasswordFile {

    static final String FORM = "lines of user:$7$ITERATIONS$SALT$HASH (write them with: java -jar oncemq.jar passwd FILE USER)";

    private final Map<String, PasswordHash> users;
    private final Map<String, String> lines;

    private PasswordFile(Map<String, PasswordHash> users, Map<String, String> lines) {
        this.users = users;
        this.lines = lines;
    }

    /** Reads and checks every line; a missing, unreadable or malformed file is a {@link ConfigException} naming the key. */
    public static PasswordFile read(Path file) {
        AccessFileLines in = AccessFileLines.read(file, "password-file", FORM);
        Map<String, PasswordHash> users = new LinkedHashMap<>();
        Map<String, String> lines = new LinkedHashMap<>();
        for (AccessFileLines.Line line : in.lines()) {
            int colon = line.text().indexOf(':');
            if (colon <= 0) {
                throw in.error(line, "no 'user:' before the hash");
            }
            String user = line.text().substring(0, colon);
            String hash = line.text().substring(colon + 1);
            try {
                users.put(user, PasswordHash.parse(hash));
            } catch (IllegalArgumentException e) {
                throw in.error(line, e.getMessage());
            }
            lines.put(user, hash);
        }
        return new PasswordFile(Collections.unmodifiableMap(users), lines);
    }

    /** An empty file's content, for {@code passwd} on a file that does not exist yet. */
    static PasswordFile empty() {
        return new PasswordFile(Map.of(), new LinkedHashMap<>());
    }

    /** Whether the user is listed with this password; slow on purpose (PBKDF2), so never on an event loop. */
    public boolean verify(String user, String password, PasswordHash decoy) {
        PasswordHash h = users.get(user);
        if (h == null) {
            decoy.matches(password); // as slow for an unknown user as for a wrong password: no user enumeration by timing
            return false;
        }
        return h.matches(password);
    }

    public int size() {
        return users.size();
    }

    boolean contains(String user) {
        return lines.containsKey(user);
    }

    void put(String user, String encodedHash) {
        lines.put(user, encodedHash);
    }

    void remove(String user) {
        lines.remove(user);
    }

    /** The hash with the most iterations, so that checking an unknown user costs what a known one costs. */
    PasswordHash slowest() {
        PasswordHash slowest = null;
        for (PasswordHash h : users.values()) {
            if (slowest == null || h.iterations() > slowest.iterations()) {
                slowest = h;
            }
        }
        return slowest;
    }

    /** Writes the file whole through a temporary file, readable by its owner only. */
    void write(Path file) throws IOException {
        StringBuilder out = new StringBuilder();
        lines.forEach((user, hash) -> out.append(user).append(':').append(hash).append('\n'));
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // the folder's own permissions protect it
            }
            Files.writeString(tmp, out, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
