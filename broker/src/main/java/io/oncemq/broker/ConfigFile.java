package io.oncemq.broker;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a YAML config file of flat {@code key: value} lines into text settings for {@link Config#from}. */
public final class ConfigFile {

    private ConfigFile() {
    }

    public static Map<String, String> read(Path file) {
        Object doc;
        try (Reader in = Files.newBufferedReader(file)) {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
        } catch (YAMLException e) {
            throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        Map<String, String> settings = new LinkedHashMap<>();
        if (doc == null) {
            return settings;
        }
        if (!(doc instanceof Map<?, ?> map)) {
            throw new ConfigException("config file " + file + ": expected 'key: value' lines");
        }
        map.forEach((k, v) -> {
            if (v instanceof Map<?, ?> || v instanceof Iterable<?>) {
                throw new ConfigException("key '" + k + "' in " + file + ": expected a single value");
            }
            settings.put(String.valueOf(k), v == null ? "" : String.valueOf(v));
        });
        return settings;
    }
}
