package io.oncemq.broker;

import io.oncemq.cluster.ClusterOptions;
import io.oncemq.cluster.KubernetesDiscovery;
import io.oncemq.journal.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
        assertEquals("key 'port' has value 'http': expected a port number 0-65535 (0: any free port) or off", e.getMessage());
        ConfigException d = assertThrows(ConfigException.class, () -> CommandLine.parse("--durability", "sometimes"));
        assertTrue(d.getMessage().contains("page-cache or fsync"));
    }

    @Test
    void theHttpListenerIsOffUntilAPortIsGivenAndAShortAdminTokenIsRefused() throws Exception {
        assertEquals(new MonitorOptions(-1, "0.0.0.0", null, 10), CommandLine.parse().monitor());
        Path file = dir.resolve("http.yaml");
        Files.writeString(file, "http-host: 127.0.0.1\nadmin-token: 0123456789abcdef\nsys-interval: 0\n");
        assertEquals(new MonitorOptions(8080, "127.0.0.1", "0123456789abcdef", 0),
                CommandLine.parse("--config", file.toString(), "--http-port", "8080").monitor());
        ConfigException e = assertThrows(ConfigException.class, () -> CommandLine.parse("--http-port", "web"));
        assertEquals("key 'http-port' has value 'web': expected a port number 0-65535", e.getMessage());
        Files.writeString(file, "admin-token: short\n");
        ConfigException t = assertThrows(ConfigException.class, () -> CommandLine.parse("--config", file.toString()));
        assertTrue(t.getMessage().startsWith("key 'admin-token'"), t.getMessage());
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

    @Test
    void theBackupCountIsOneUnlessSetAndBoundedByWhatHazelcastKeeps() {
        String[] cluster = {"--node", "n1", "--cluster-port", "5801", "--members", "127.0.0.1:5801,127.0.0.1:5802"};
        assertEquals(1, CommandLine.parse(cluster).cluster().backupCount());
        String[] two = java.util.stream.Stream.concat(java.util.Arrays.stream(cluster), java.util.stream.Stream.of("--backup-count", "2"))
                .toArray(String[]::new);
        assertEquals(2, CommandLine.parse(two).cluster().backupCount());
        for (String bad : List.of("0", "7", "two")) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(cluster), java.util.stream.Stream.of("--backup-count", bad))
                    .toArray(String[]::new);
            ConfigException e = assertThrows(ConfigException.class, () -> CommandLine.parse(args).cluster());
            assertTrue(e.getMessage().startsWith("key 'backup-count' has value '" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().endsWith("expected a number of copies 1-6"), e.getMessage());
        }
        ConfigException e = assertThrows(ConfigException.class, () -> CommandLine.parse("--node", "a,b", "--members", "127.0.0.1:5801").cluster());
        assertEquals("key 'node' has value 'a,b': expected a name without ','", e.getMessage());
    }

    @Test
    void kubernetesDiscoveryTakesTheServiceDnsNameAndTheClusterSizeInsteadOfMembers() {
        ClusterOptions c = CommandLine.parse(Map.of("ONCEMQ_CLUSTER_HOST", "10.1.0.7", "ONCEMQ_NODE", "oncemq-0"),
                "--cluster-port", "5701", "--kubernetes-service-dns", "oncemq-headless.oncemq.svc.cluster.local", "--cluster-size", "3").cluster();
        assertEquals(new ClusterOptions("oncemq-0", "oncemq", "10.1.0.7", 5701, List.of(), ClusterOptions.COLD_START_WAIT_SECONDS,
                new KubernetesDiscovery("oncemq-headless.oncemq.svc.cluster.local", 3)), c);
        assertEquals(3, c.clusterSize(), "the majority and the cold start count cluster-size");
    }

    @Test
    void kubernetesDiscoveryRefusesMembersAMissingClusterSizeOrHostAndClusterSizeAlone() {
        Map<String, String> pod = Map.of("ONCEMQ_CLUSTER_HOST", "10.1.0.7");
        String dns = "oncemq-headless.oncemq.svc.cluster.local";
        assertEquals("key 'kubernetes-service-dns' is set and so is 'members': expected one of them (Kubernetes discovery finds the members itself)",
                assertThrows(ConfigException.class, () -> CommandLine.parse(pod, "--kubernetes-service-dns", dns, "--cluster-size", "3",
                        "--members", "10.1.0.7:5701,10.1.0.8:5701")).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> CommandLine.parse(pod, "--kubernetes-service-dns", dns))
                .getMessage().startsWith("key 'cluster-size' is not set but 'kubernetes-service-dns' is: expected the number of nodes"));
        assertTrue(assertThrows(ConfigException.class, () -> CommandLine.parse("--kubernetes-service-dns", dns, "--cluster-size", "3"))
                .getMessage().startsWith("key 'cluster-host' is not set but 'kubernetes-service-dns' is"));
        assertTrue(assertThrows(ConfigException.class, () -> CommandLine.parse("--members", "127.0.0.1:5701", "--cluster-size", "3"))
                .getMessage().startsWith("key 'cluster-size' is set but 'kubernetes-service-dns' is not"));
        assertTrue(assertThrows(ConfigException.class, () -> CommandLine.parse(pod, "--kubernetes-service-dns", dns + ":5701", "--cluster-size", "3"))
                .getMessage().startsWith("key 'kubernetes-service-dns' has value '" + dns + ":5701': expected the headless Service's DNS name"));
        assertEquals("key 'cluster-size' has value '0': expected a whole number 1-1000 (the StatefulSet's replicas)",
                assertThrows(ConfigException.class, () -> CommandLine.parse(pod, "--kubernetes-service-dns", dns, "--cluster-size", "0")).getMessage());
    }

    @Test
    void accessKeysAreReadFromFlagsAndFile() throws Exception {
        Path file = dir.resolve("oncemq.yaml");
        Files.writeString(file, "password-file: /etc/oncemq/passwd\nallow-anonymous: true\n");
        Config c = CommandLine.parse("--config", file.toString(), "--acl-file", "/etc/oncemq/acl");
        assertEquals(Path.of("/etc/oncemq/passwd"), c.passwordFile());
        assertEquals(Path.of("/etc/oncemq/acl"), c.aclFile());
        assertEquals(Boolean.TRUE, c.allowAnonymous());
        assertEquals(null, Config.defaults().allowAnonymous(), "unset: loopback-only without a password file");
    }

    @Test
    void allowAnonymousTakesTrueOrFalseAndFalseNeedsAPasswordFile() {
        ConfigException bad = assertThrows(ConfigException.class, () -> CommandLine.parse("--allow-anonymous", "maybe"));
        assertEquals("key 'allow-anonymous' has value 'maybe': expected true or false", bad.getMessage());
        ConfigException lockedOut = assertThrows(ConfigException.class, () -> CommandLine.parse("--allow-anonymous", "false"));
        assertTrue(lockedOut.getMessage().contains("'password-file'"), lockedOut.getMessage());
    }

    @Test
    void aMissingOrMalformedAccessFileStopsStartUpNamingTheKey() throws Exception {
        Path data = dir.resolve("data");
        ConfigException missing = assertThrows(ConfigException.class, () -> new Node(CommandLine.parse("--data", data.toString(),
                "--port", "0", "--password-file", dir.resolve("nope").toString())).start());
        assertTrue(missing.getMessage().startsWith("key 'password-file': cannot read"), missing.getMessage());
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "alice:plaintext\n");
        ConfigException plain = assertThrows(ConfigException.class, () -> new Node(CommandLine.parse("--data", data.toString(),
                "--port", "0", "--password-file", passwd.toString())).start());
        assertTrue(plain.getMessage().contains("line 1") && plain.getMessage().contains("$7$"), plain.getMessage());
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "user alice\ntopic readwrite alice/#\ntopic read a/#/b\n");
        ConfigException badFilter = assertThrows(ConfigException.class, () -> new Node(CommandLine.parse("--data", data.toString(),
                "--port", "0", "--acl-file", acl.toString())).start());
        assertTrue(badFilter.getMessage().startsWith("key 'acl-file': ") && badFilter.getMessage().contains("line 3"), badFilter.getMessage());
        assertTrue(!Files.exists(data), "nothing opened before the files were checked");
    }
}
