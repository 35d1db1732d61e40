package io.oncemq.broker;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** A WebSocket client (the JDK's) that sends raw bytes in frames as told and collects what the broker sends back. */
final class RawWebSocket implements AutoCloseable {

    private final HttpClient http = HttpClient.newHttpClient();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final WebSocket socket;

    RawWebSocket(int port, String path) throws Exception {
        this(port, path, true);
    }

    /** {@code reading} false: after the first message the client reads nothing more, as a stalled subscriber. */
    RawWebSocket(int port, String path, boolean reading) throws Exception {
        socket = http.newWebSocketBuilder().subprotocols("mqtt").connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + path), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                        synchronized (received) {
                            byte[] b = new byte[data.remaining()];
                            data.get(b);
                            received.writeBytes(b);
                        }
                        if (reading || received.size() <= 4) {
                            ws.request(1); // a stalled client still reads its CONNACK
                        }
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                        closed.complete("close " + statusCode + " " + reason);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket ws, Throwable error) {
                        closed.complete("error " + error);
                    }
                }).get(10, TimeUnit.SECONDS);
    }

    /** The subprotocol the server selected. */
    String subprotocol() {
        return socket.getSubprotocol();
    }

    /** One binary frame; {@code last} false leaves the message open for a continuation frame. */
    void send(byte[] bytes, boolean last) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(bytes), last).get(10, TimeUnit.SECONDS);
    }

    void sendText(String text) throws Exception {
        socket.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    /** Waits until at least {@code n} bytes came back; returns all received so far. */
    byte[] awaitBytes(int n) {
        Await.until(() -> size() >= n || closed.isDone(), Duration.ofSeconds(10), n + " bytes over the WebSocket");
        synchronized (received) {
            return received.toByteArray();
        }
    }

    private int size() {
        synchronized (received) {
            return received.size();
        }
    }

    /** How the broker ended the connection, once it did. */
    String awaitClosed() throws Exception {
        return closed.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        socket.abort();
    }
}
