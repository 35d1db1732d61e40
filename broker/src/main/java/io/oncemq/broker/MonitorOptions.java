package io.oncemq.broker;

/**
 * The HTTP listener for metrics, health, the admin API and the status page, and the {@code $SYS} topics.
 *
 * @param httpPort    port of the HTTP listener ({@code http-port}, {@code --http-port}); -1 (the default): no listener
 * @param httpHost    address it binds ({@code http-host}, default 0.0.0.0)
 * @param adminToken  the bearer token the admin API asks for when a password-file is set ({@code admin-token}); null: none
 * @param sysInterval seconds between {@code $SYS/broker/<node>/...} updates ({@code sys-interval}, default 10; 0: none)
 */
public record MonitorOptions(int httpPort, String httpHost, String adminToken, int sysInterval) {

    /** Whether an HTTP listener is asked for. */
    public boolean http() {
        return httpPort >= 0;
    }
}
