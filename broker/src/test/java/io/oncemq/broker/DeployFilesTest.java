package io.oncemq.broker;

import io.oncemq.cluster.ClusterOptions;
import io.oncemq.cluster.KubernetesDiscovery;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.oncemq.broker.DeployFiles.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/Dockerfile, compose.yaml and k8s/oncemq.yaml agree with the broker: flags it accepts, ONCEMQ_* variables
 * that name keys, probe paths its HTTP listener serves, ports that match, the jar the Maven build makes.
 * No Docker engine or Kubernetes cluster runs them here; ComposeCommandLinesTest starts the compose command lines.
 */
class DeployFilesTest {

    private static final Set<String> HTTP_PATHS = Set.of("/health/live", "/health/ready", "/metrics");

    @Test
    void dockerfileBuildsTheShadedJarAndRunsItAsAUserThatIsNotRoot() throws Exception {
        List<String> lines = DeployFiles.dockerfile();
        assertTrue(Files.readString(Path.of("pom.xml")).contains("<finalName>oncemq</finalName>"), "the shaded jar is target/oncemq.jar");
        assertTrue(lines.contains("RUN mvn -B -DskipTests package"), "build stage runs the package phase");
        assertTrue(lines.contains("COPY --from=build /src/broker/target/oncemq.jar /opt/oncemq/oncemq.jar"), "runtime copies the broker jar");
        assertEquals(List.of("java", "-jar", "/opt/oncemq/oncemq.jar", "--data", "/data"), DeployFiles.entryPoint());
        String user = lines.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow().substring(5).trim();
        assertFalse(user.equals("root") || user.equals("0"), "USER " + user);
        assertTrue(lines.contains("VOLUME /data"));
        assertTrue(lines.contains("EXPOSE 1883 5701 8080"));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("FROM ") && l.contains("17-jre")), "a JRE 17 runtime stage");
    }

    @Test
    void composeCommandLinesParseAndAgreeWithTheirPortsAndNetwork() throws Exception {
        List<DeployFiles.ComposeNode> nodes = DeployFiles.composeNodes();
        assertEquals(List.of("n1", "n2", "n3"), nodes.stream().map(DeployFiles.ComposeNode::name).toList());
        List<String> published = new ArrayList<>();
        for (DeployFiles.ComposeNode n : nodes) {
            Config c = parse(n.environment(), n.args());
            ClusterOptions cluster = c.cluster();
            assertEquals(n.name(), cluster.nodeName());
            assertEquals(5701, cluster.port());
            assertEquals(3, cluster.clusterSize(), n.name() + " finds its own address in the member list, so the majority is 2 of 3");
            assertEquals("/data", c.dataDir().toString());
            assertTrue(n.ports().stream().anyMatch(p -> p.endsWith(":" + c.monitor().httpPort())), n.name() + " publishes its HTTP port");
            published.add(hostPort(n.ports(), c.port())); // throws when the MQTT port is not published
        }
        assertEquals(List.of("1883", "1884", "1885"), published);
    }

    @Test
    void kubernetesStatefulSetAgreesWithTheBroker() throws Exception {
        List<Map<String, Object>> docs = DeployFiles.yaml(DeployFiles.DEPLOY.resolve("k8s/oncemq.yaml"));
        Map<String, Object> set = docs.stream().filter(d -> "StatefulSet".equals(d.get("kind"))).findFirst().orElseThrow();
        Map<String, Object> spec = map(set.get("spec"));
        assertEquals(3, spec.get("replicas"));
        assertFalse(((List<?>) spec.get("volumeClaimTemplates")).isEmpty());
        Map<String, Object> container = map(((List<?>) map(map(spec.get("template")).get("spec")).get("containers")).get(0));

        Map<String, String> env = new LinkedHashMap<>();
        for (Object o : (List<?>) container.get("env")) {
            Map<String, Object> e = map(o);
            String field = e.containsKey("valueFrom") ? String.valueOf(map(map(e.get("valueFrom")).get("fieldRef")).get("fieldPath")) : null;
            // the downward API's values for pod oncemq-0
            env.put((String) e.get("name"), field == null ? String.valueOf(e.get("value"))
                    : field.equals("metadata.name") ? "oncemq-0" : field.equals("status.podIP") ? "10.1.0.7" : "?" + field);
        }
        assertEquals("metadata.name", fieldPath(container, "ONCEMQ_NODE"));
        List<String> args = new ArrayList<>(DeployFiles.entryPointFlags());
        ((List<?>) container.get("args")).forEach(a -> args.add(String.valueOf(a)));
        Config c = parse(env, args);
        assertEquals("oncemq-0", c.cluster().nodeName());
        String ns = String.valueOf(map(set.get("metadata")).get("namespace"));
        String headless = String.valueOf(spec.get("serviceName"));
        assertEquals(List.of(), c.cluster().members(), "no member list: Kubernetes discovery");
        assertEquals(new KubernetesDiscovery(headless + "." + ns + ".svc.cluster.local", 3), c.cluster().kubernetes(),
                "DNS lookup of the headless Service, cluster-size = replicas");
        assertEquals(spec.get("replicas"), c.cluster().clusterSize(), "the majority is counted of the replicas");
        assertEquals("status.podIP", fieldPath(container, "ONCEMQ_CLUSTER_HOST"), "announces the pod IP the Service name resolves to");
        assertEquals("10.1.0.7", c.cluster().host());

        Map<String, Integer> ports = new LinkedHashMap<>();
        for (Object o : (List<?>) container.get("ports")) {
            ports.put((String) map(o).get("name"), (Integer) map(o).get("containerPort"));
        }
        assertEquals(Map.of("mqtt", c.port(), "cluster", c.cluster().port(), "http", c.monitor().httpPort()), ports);
        assertEquals("/health/ready", probePath(container, "readinessProbe"));
        assertEquals("/health/live", probePath(container, "livenessProbe"));
        for (String probe : List.of("readinessProbe", "livenessProbe")) {
            assertTrue(HTTP_PATHS.contains(probePath(container, probe)));
            Object port = map(map(container.get(probe)).get("httpGet")).get("port");
            assertEquals(c.monitor().httpPort(), port instanceof Integer p ? p : ports.get(port), probe + " port");
        }

        for (Map<String, Object> d : docs) {
            if (!"Service".equals(d.get("kind"))) {
                continue;
            }
            for (Object o : (List<?>) map(d.get("spec")).get("ports")) {
                Object target = map(o).get("targetPort");
                assertTrue(ports.containsKey(target) || ports.containsValue(target), "Service port target " + target);
            }
        }
        Map<String, Object> service = docs.stream().filter(d -> "Service".equals(d.get("kind")) && headless.equals(map(d.get("metadata")).get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no Service named " + headless));
        Map<String, Object> serviceSpec = map(service.get("spec"));
        assertEquals("None", serviceSpec.get("clusterIP"), "headless: its name resolves to the pods' IPs");
        assertEquals(Boolean.TRUE, serviceSpec.get("publishNotReadyAddresses"), "pods not ready yet (they need the cluster) are in its DNS");
        assertEquals(ns, map(service.get("metadata")).get("namespace"));
        assertEquals(map(map(map(spec.get("template")).get("metadata")).get("labels")), map(serviceSpec.get("selector")), "selects the StatefulSet's pods");
    }

    /** Parses as Main does, after checking each ONCEMQ_* variable names a key (EnvironmentSettings also would). */
    private static Config parse(Map<String, String> env, List<String> args) {
        env.keySet().forEach(v -> assertTrue(Config.KEYS.stream().anyMatch(k -> EnvironmentSettings.variable(k).equals(v)), v));
        return CommandLine.parse(env, args.toArray(String[]::new));
    }

    private static String hostPort(List<String> ports, int containerPort) {
        return ports.stream().filter(p -> p.endsWith(":" + containerPort)).findFirst().orElseThrow().split(":")[0];
    }

    private static String probePath(Map<String, Object> container, String probe) {
        return String.valueOf(map(map(container.get(probe)).get("httpGet")).get("path"));
    }

    private static String fieldPath(Map<String, Object> container, String variable) {
        for (Object o : (List<?>) container.get("env")) {
            if (variable.equals(map(o).get("name"))) {
                return String.valueOf(map(map(map(o).get("valueFrom")).get("fieldRef")).get("fieldPath"));
            }
        }
        return null;
    }
}
