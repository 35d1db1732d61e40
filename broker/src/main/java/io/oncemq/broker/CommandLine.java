package io.oncemq.broker;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Parses the environment's {@code ONCEMQ_*} variables and {@code [--config FILE] [--port N] [--data DIR] [--durability MODE] [--node --cluster-port --members|--kubernetes-service-dns --cluster-size --cluster-name] [--password-file --acl-file --allow-anonymous] [--tls-port --tls-cert --tls-key ...] [--http-port N] [--ws-port --wss-port]}: flags override the environment, which overrides the file, which overrides the defaults. */
public final class CommandLine {

    static final String USAGE = "usage: java -jar oncemq.jar [--config FILE] [--port N|off] [--data DIR] [--durability page-cache|fsync]"
            + " [--password-file FILE] [--acl-file FILE] [--allow-anonymous true|false] [--http-port N]"
            + " [--tls-port N --tls-cert PEM --tls-key PEM [--tls-client-ca PEM] [--tls-client-auth none|request|require]]"
            + " [--ws-port N] [--wss-port N] [--shutdown-grace SECONDS]"
            + " [--node NAME --cluster-port M --members host:port,... [--cluster-name NAME] [--cold-start-wait SECONDS] [--backup-count N]]"
            + " [--node NAME --cluster-port M --kubernetes-service-dns NAME --cluster-size N [--cluster-name NAME] [--cold-start-wait SECONDS] [--backup-count N]]";

    private CommandLine() {
    }

    /** The settings of the flags and the config file only, ignoring the environment (for tests and tools). */
    public static Config parse(String... args) {
        return parse(Map.of(), args);
    }

    /** The settings of defaults, the config file, the environment's {@code ONCEMQ_*} variables and the flags, each overriding the one before. */
    public static Config parse(Map<String, String> environment, String... args) {
        Map<String, String> flags = Config.layers();
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) {
                throw new ConfigException(USAGE);
            }
            if (!flag.startsWith("--") || i + 1 >= args.length) {
                throw new ConfigException("bad argument '" + flag + "': " + USAGE);
            }
            String value = args[++i];
            switch (flag) {
                case "--config" -> configFile = Path.of(value);
                case "--port" -> flags.put("port", value);
                case "--data" -> flags.put("data", value);
                case "--durability" -> flags.put("durability", value);
                case "--node" -> flags.put("node", value);
                case "--cluster-port" -> flags.put("cluster-port", value);
                case "--members" -> flags.put("members", value);
                case "--cluster-name" -> flags.put("cluster-name", value);
                case "--password-file" -> flags.put("password-file", value);
                case "--acl-file" -> flags.put("acl-file", value);
                case "--allow-anonymous" -> flags.put("allow-anonymous", value);
                case "--cold-start-wait", "--kubernetes-service-dns", "--cluster-size", "--backup-count" -> flags.put(flag.substring(2), value);
                case "--tls-port", "--ws-port", "--wss-port", "--tls-cert", "--tls-key", "--tls-client-ca", "--tls-client-auth" ->
                        flags.put(flag.substring(2), value);
                case "--http-port" -> flags.put("http-port", value);
                case "--shutdown-grace" -> flags.put("shutdown-grace", value);
                default -> throw new ConfigException("unknown flag '" + flag + "': " + USAGE);
            }
        }
        Map<String, String> settings = Config.layers();
        if (configFile != null) {
            settings.putAll(ConfigFile.read(configFile));
        }
        Map<String, String> fromEnvironment = EnvironmentSettings.read(environment);
        settings.putAll(fromEnvironment);
        settings.putAll(flags);
        Set<String> keysFromEnvironment = new HashSet<>(fromEnvironment.keySet());
        keysFromEnvironment.removeAll(flags.keySet());
        try {
            return Config.from(settings);
        } catch (ConfigException e) {
            throw EnvironmentSettings.naming(e, keysFromEnvironment);
        }
    }
}
