package io.oncemq.broker;

/** One kind of MQTT listener: plain TCP, TLS, WebSocket or WebSocket over TLS, each on its own port. */
public enum Listener {
    TCP("port", false, false),
    TLS("tls-port", true, false),
    WS("ws-port", false, true),
    WSS("wss-port", true, true);

    /** The path a WebSocket client asks for (vertx-mqtt's, fixed); subprotocol {@code mqtt}. */
    public static final String WEBSOCKET_PATH = "/mqtt";

    private final String key;
    private final boolean tls;
    private final boolean webSocket;

    Listener(String key, boolean tls, boolean webSocket) {
        this.key = key;
        this.tls = tls;
        this.webSocket = webSocket;
    }

    /** The config key of its port. */
    public String key() {
        return key;
    }

    public boolean tls() {
        return tls;
    }

    public boolean webSocket() {
        return webSocket;
    }

    /** For log lines: {@code tcp}, {@code tls}, {@code ws}, {@code wss}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
