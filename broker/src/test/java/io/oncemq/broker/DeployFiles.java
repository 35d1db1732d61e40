package io.oncemq.broker;

import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The files under deploy/ read as data: compose services and the Kubernetes objects (tests run in broker/). */
public final class DeployFiles {

    public static final Path DEPLOY = Path.of("../deploy");

    /** One node as a compose service runs it: the image's entry-point flags, then its command, and its environment. */
    public record ComposeNode(String name, List<String> args, Map<String, String> environment, List<String> ports) {
    }

    private DeployFiles() {
    }

    /** The services of deploy/compose.yaml, n1..n3, with the Dockerfile's entry-point flags first. */
    public static List<ComposeNode> composeNodes() throws IOException {
        Map<String, Object> compose = yaml(DEPLOY.resolve("compose.yaml")).get(0);
        List<String> entry = entryPointFlags();
        List<ComposeNode> out = new ArrayList<>();
        for (Map.Entry<String, Object> s : map(compose.get("services")).entrySet()) {
            Map<String, Object> service = map(s.getValue());
            List<String> args = new ArrayList<>(entry);
            for (Object a : (List<?>) service.get("command")) {
                args.add(String.valueOf(a));
            }
            Map<String, String> env = new LinkedHashMap<>();
            map(service.getOrDefault("environment", Map.of())).forEach((k, v) -> env.put(k, String.valueOf(v)));
            List<String> ports = new ArrayList<>();
            for (Object p : (List<?>) service.get("ports")) {
                ports.add(String.valueOf(p));
            }
            out.add(new ComposeNode(s.getKey(), args, env, ports));
        }
        return out;
    }

    /** The flags of the Dockerfile's ENTRYPOINT after the jar (e.g. --data /data). */
    public static List<String> entryPointFlags() throws IOException {
        List<String> words = entryPoint();
        return words.subList(words.indexOf("-jar") + 2, words.size());
    }

    /** The ENTRYPOINT words (a JSON array, which YAML reads too). */
    public static List<String> entryPoint() throws IOException {
        String entry = dockerfile().stream().filter(l -> l.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
        List<String> words = new ArrayList<>();
        for (Object w : (List<?>) new Yaml().load(entry.substring("ENTRYPOINT ".length()))) {
            words.add(String.valueOf(w));
        }
        return words;
    }

    public static List<String> dockerfile() throws IOException {
        return Files.readAllLines(DEPLOY.resolve("Dockerfile"));
    }

    /** Every document of a YAML file, each a map. */
    public static List<Map<String, Object>> yaml(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(Files.readString(file))) {
            docs.add(map(doc));
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}
