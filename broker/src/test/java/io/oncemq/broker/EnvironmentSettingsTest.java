package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvironmentSettingsTest {

    @TempDir
    Path dir;

    @Test
    void everyKeyHasItsVariable() {
        assertEquals("ONCEMQ_MAX_INFLIGHT", EnvironmentSettings.variable("max-inflight"));
        assertEquals("ONCEMQ_CLUSTER_PORT", EnvironmentSettings.variable("cluster-port"));
        for (String key : Config.KEYS) {
            String variable = EnvironmentSettings.variable(key);
            assertEquals(Map.of(key, "v"), EnvironmentSettings.read(Map.of(variable, "v")), variable);
        }
    }

    @Test
    void environmentOverridesTheFileAndFlagsOverrideTheEnvironment() throws Exception {
        Path file = dir.resolve("oncemq.yaml");
        Files.writeString(file, "port: 1999\nmax-inflight: 50\nmax-queued: 7\n");
        Map<String, String> env = Map.of("ONCEMQ_MAX_INFLIGHT", "200", "ONCEMQ_PORT", "2001", "ONCEMQ_CLUSTER_PORT", "5801",
                "ONCEMQ_MEMBERS", "127.0.0.1:5801", "ONCEMQ_NODE", "oncemq-0", "PATH", "/usr/bin", "ONCEMQ", "x");
        Config c = CommandLine.parse(env, "--config", file.toString(), "--port", "2002");
        assertEquals(200, c.maxInflight(), "environment over file");
        assertEquals(2002, c.port(), "flag over environment");
        assertEquals(7, c.maxQueued(), "file over default");
        assertEquals(Config.defaults().maxPacketSize(), c.maxPacketSize(), "default");
        assertEquals("oncemq-0", c.cluster().nodeName());
        assertEquals(5801, c.cluster().port());
    }

    @Test
    void aVariableNamingNoKeyStopsStartUpNamingOnlyIt() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> CommandLine.parse(Map.of("ONCEMQ_MAX_INFLIGT", "5", "ONCEMQ_PORT", "1884", "HOME", "/root")));
        assertTrue(e.getMessage().startsWith("environment variable ONCEMQ_MAX_INFLIGT names no config key"), e.getMessage());
        assertFalse(e.getMessage().contains("ONCEMQ_PORT"), e.getMessage());
        assertFalse(e.getMessage().contains("HOME"), e.getMessage());
        assertFalse(e.getMessage().contains("cluster-port"), "no list of every key: " + e.getMessage());
        assertThrows(ConfigException.class, () -> CommandLine.parse(Map.of("ONCEMQ_max_inflight", "5")),
                "only the upper-case form names a key");
    }

    @Test
    void aBadValueNamesTheVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> CommandLine.parse(Map.of("ONCEMQ_MAX_INFLIGHT", "lots")));
        assertTrue(e.getMessage().contains("'max-inflight'") && e.getMessage().contains("ONCEMQ_MAX_INFLIGHT"), e.getMessage());
        ConfigException port = assertThrows(ConfigException.class, () -> CommandLine.parse(Map.of("ONCEMQ_TLS_PORT", "x", "ONCEMQ_PORT", "1")));
        assertTrue(port.getMessage().contains("ONCEMQ_TLS_PORT"), port.getMessage());
        assertFalse(port.getMessage().contains("ONCEMQ_PORT"), port.getMessage());
        ConfigException flag = assertThrows(ConfigException.class,
                () -> CommandLine.parse(Map.of("ONCEMQ_PORT", "1884"), "--port", "http"));
        assertFalse(flag.getMessage().contains("ONCEMQ_PORT"), "the flag's value is the bad one: " + flag.getMessage());
    }
}
