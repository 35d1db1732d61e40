package io.oncemq.broker;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Config keys set by {@code ONCEMQ_<KEY>} environment variables (key upper-cased, {@code -} as {@code _}), e.g. {@code ONCEMQ_MAX_INFLIGHT}. */
public final class EnvironmentSettings {

    /** Only variables with this prefix are read; every other variable is ignored. */
    public static final String PREFIX = "ONCEMQ_";

    private EnvironmentSettings() {
    }

    /** The variable that sets a config key: {@code max-inflight} is {@code ONCEMQ_MAX_INFLIGHT}. */
    public static String variable(String key) {
        return PREFIX + key.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    /**
     * The settings by key that the environment's {@code ONCEMQ_*} variables give; a variable with the prefix
     * that names no key is a {@link ConfigException} naming it (a typo must not silently leave a default).
     */
    public static Map<String, String> read(Map<String, String> environment) {
        Map<String, String> keyByVariable = new TreeMap<>();
        for (String key : Config.KEYS) {
            keyByVariable.put(variable(key), key);
        }
        Map<String, String> settings = Config.layers();
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, String> e : environment.entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                continue;
            }
            String key = keyByVariable.get(e.getKey());
            if (key == null) {
                unknown.add(e.getKey());
            } else {
                settings.put(key, e.getValue());
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("environment variable " + String.join(", ", unknown) + " names no config key:"
                    + " expected ONCEMQ_ and a key of the config table upper-cased with - as _ (e.g. ONCEMQ_MAX_INFLIGHT),"
                    + " or unset it");
        }
        return settings;
    }

    /** The message of a config error about a key the environment set (and no flag overrode), naming the variable too. */
    static ConfigException naming(ConfigException e, Set<String> keysFromEnvironment) {
        String message = e.getMessage();
        for (String key : keysFromEnvironment) {
            if (message.contains("'" + key + "'")) {
                message += " (key '" + key + "' set by environment variable " + variable(key) + ")";
            }
        }
        return message.equals(e.getMessage()) ? e : new ConfigException(message);
    }
}
