package io.oncemq.broker;

import io.vertx.core.http.ClientAuth;

import java.nio.file.Path;

/**
 * The listeners beside plain TCP and the TLS material of the two TLS ones.
 *
 * @param tlsPort            MQTT over TLS ({@code tls-port}), {@link #OFF} when not opened
 * @param wsPort             MQTT over WebSocket at {@code /mqtt} ({@code ws-port}), {@link #OFF} when not opened
 * @param wssPort            MQTT over WebSocket over TLS ({@code wss-port}), {@link #OFF} when not opened
 * @param tlsCert            the server's PEM certificate chain, leaf first ({@code tls-cert}); null without a TLS port
 * @param tlsKey             its PEM PKCS#8 private key, unencrypted ({@code tls-key}); null without a TLS port
 * @param tlsClientCa        PEM certificates that client certificates must chain to ({@code tls-client-ca}); null: none asked for
 * @param tlsClientAuth      whether a client certificate is asked for ({@code tls-client-auth}: none, request or require)
 * @param tlsUseCnAsUsername a client certificate's subject CN is the client's user name ({@code tls-use-cn-as-username})
 */
public record Listeners(int tlsPort, int wsPort, int wssPort, Path tlsCert, Path tlsKey, Path tlsClientCa,
                        ClientAuth tlsClientAuth, boolean tlsUseCnAsUsername) {

    /** A port that is not opened ({@code off} in the config). */
    public static final int OFF = -1;

    /** Whether a TLS or WSS port is opened, so that the PEM files are needed. */
    public boolean tls() {
        return tlsPort != OFF || wssPort != OFF;
    }
}
