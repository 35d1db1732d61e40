package io.oncemq.broker.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The passwd command: add with the default iteration count, change, delete, refuse bad input. */
class PasswdTest {

    @TempDir
    Path dir;
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int passwd(String stdin, String... args) {
        return Passwd.run(List.of(args), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
    }

    @Test
    void addsWithTheDefaultIterationsChangesAndDeletes() throws Exception {
        Path file = dir.resolve("passwd");
        assertEquals(0, passwd("first pass\n", file.toString(), "alice"));
        assertEquals(0, passwd("", "-b", "-I", "1000", file.toString(), "bob", "b-pass"));
        assertTrue(Files.readString(file).startsWith("alice:$7$" + PasswordHash.DEFAULT_ITERATIONS + "$"), Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        PasswordFile read = PasswordFile.read(file);
        PasswordHash decoy = read.slowest();
        assertTrue(read.verify("alice", "first pass", decoy));
        assertFalse(read.verify("alice", "first pas", decoy));
        assertFalse(read.verify("carol", "first pass", decoy));

        assertEquals(0, passwd("second pass\n", "-I", "1000", file.toString(), "alice"));
        assertTrue(PasswordFile.read(file).verify("alice", "second pass", decoy));
        assertFalse(PasswordFile.read(file).verify("alice", "first pass", decoy));

        assertEquals(0, passwd("", "-D", file.toString(), "alice"));
        assertFalse(PasswordFile.read(file).verify("alice", "second pass", decoy));
        assertTrue(PasswordFile.read(file).verify("bob", "b-pass", decoy));
        assertEquals(1, passwd("", "-D", file.toString(), "alice"), "deleting a user that is not there fails");
    }

    @Test
    void refusesBadArgumentsAndAnEmptyPassword() {
        Path file = dir.resolve("passwd");
        assertEquals(2, passwd("", file.toString()));
        assertEquals(2, passwd("", "-b", file.toString(), "al:ice", "x"));
        assertEquals(2, passwd("", "-I", "0", file.toString(), "alice"));
        assertEquals(1, passwd("\n", file.toString(), "alice"));
        assertFalse(Files.exists(file), "nothing written");
    }
}
