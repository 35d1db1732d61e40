package io.oncemq.broker;

import io.oncemq.cluster.ClusterOptions;
import io.oncemq.journal.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTest {

    @TempDir
    Path dir;

    @Test
    void flagsOverrideTheFileWhichOverridesDefaults() throws Exception {
        Path file = dir.resolve("oncemq.yaml");
        Files.writeString(file, "port: 1999\nmax-inflight: 50\ndurability: fsync\n");
        Config c = CommandLine.parse("--config", file.toString(), "--port", "2000");
        assertEquals(2000, c.port());
        assertEquals(50, c.maxInflight());
        assertEquals(Durability.FSYNC, c.durability());
        assertEquals(Config.defaults().maxQueued(), c.maxQueued());
    }

    @Test
    void unknownKeyNamesTheKey() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "prot: 1883\n");
        ConfigException e = assertThrows(ConfigException.class, () -> CommandLine.parse("--config", file.toString()));
        assertTrue(e.getMessage().contains("'prot'"), e.getMessage());
    }

    @Test
    void badValueNamesTheKeyAndTheExpectedForm() {
        ConfigException e = assertThrows(ConfigException.class, () -> CommandLine.parse("--port", "http"));
        assertEquals("key 'port' has value 'http': expected a port number 0-65535", e.getMessage());
        ConfigException d = assertThrows(ConfigException.class, () -> CommandLine.parse("--durability", "sometimes"));
        assertTrue(d.getMessage().contains("page-cache or fsync"));
    }

    @Test
    void unknownFlagIsRefused() {
        assertThrows(ConfigException.class, () -> CommandLine.parse("--prot", "1"));
    }

    @Test
    void withoutMembersThereIsNoClusterAndWithThemTheFlagsDescribeIt() {
        assertEquals(null, CommandLine.parse().cluster(), "a single node starts no Hazelcast");
        ClusterOptions c = CommandLine.parse("--node", "n1", "--cluster-port", "5801", "--members", "127.0.0.1:5801, 127.0.0.1:5802").cluster();
        assertEquals(new ClusterOptions("n1", "oncemq", "127.0.0.1", 5801, List.of("127.0.0.1:5801", "127.0.0.1:5802")), c);
        ConfigException e = assertThrows(ConfigException.class, () -> CommandLine.parse("--members", "127.0.0.1"));
        assertEquals("key 'members' has value '127.0.0.1': expected host:port,host:port,...", e.getMessage());
    }
}
