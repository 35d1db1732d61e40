package io.oncemq.broker.crash;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One Paho 3.1.1 client with a kept session that reconnects by itself whenever the broker comes back.
 * The same client object (and its in-memory persistence) lives across reconnects, so Paho resends its
 * unacknowledged PUBLISH/PUBREL and keeps its inbound QoS 2 receipts, as a real device would.
 */
final class Link implements MqttCallbackExtended, AutoCloseable {

    private final MqttAsyncClient client;
    private final MqttConnectOptions options = new MqttConnectOptions();
    private final List<BrokerProcess> brokers;
    private final String[] uris;
    /** Indexes into {@link #brokers} (as given) in the order connects try them ({@link #moveTo} changes it). */
    private volatile int[] order;
    /**
     * Every lost connection queues a reconnect here, one at a time: a loss that comes while an earlier reconnect
     * is still finishing (its node closed the new connection at once) must not go unanswered.
     */
    private final ExecutorService reconnects;
    private volatile boolean closing;
    private volatile Consumer<MqttMessage> onMessage = m -> { };
    private volatile Runnable onDelivered = () -> { };

    Link(BrokerProcess broker, String clientId, int maxInflight) throws MqttException {
        this(List.of(broker), 0, clientId, maxInflight);
    }

    /** A client of a cluster: it connects to {@code brokers[preferred]}, or to the next node up when that one is down. */
    Link(List<BrokerProcess> brokers, int preferred, String clientId, int maxInflight) throws MqttException {
        this.brokers = List.copyOf(brokers);
        this.uris = new String[brokers.size()];
        this.order = new int[brokers.size()];
        for (int i = 0; i < uris.length; i++) {
            uris[i] = "tcp://" + brokers.get(i).host() + ":" + brokers.get(i).port();
            order[i] = (preferred + i) % brokers.size();
        }
        this.client = new MqttAsyncClient(uris[order[0]], clientId, new MemoryPersistence());
        this.reconnects = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "reconnect-" + clientId);
            t.setDaemon(true);
            return t;
        });
        options.setServerURIs(upOnly());
        options.setCleanSession(false);
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setAutomaticReconnect(false);
        options.setMaxInflight(maxInflight);
        options.setKeepAliveInterval(30);
        options.setConnectionTimeout(10);
        client.setCallback(this);
    }

    /** The keep-alive for every connect from now on: how soon Paho notices a silent (paused) node. */
    Link keepAlive(int seconds) {
        options.setKeepAliveInterval(seconds);
        return this;
    }

    MqttAsyncClient client() {
        return client;
    }

    void onMessage(Consumer<MqttMessage> handler) {
        this.onMessage = handler;
    }

    void onDelivered(Runnable handler) {
        this.onDelivered = handler;
    }

    /** Connects, waiting for the broker to be up, until the deadline. */
    void connect(long deadlineNanos) throws InterruptedException {
        while (!closing && !client.isConnected()) {
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException(client.getClientId() + " could not connect in time");
            }
            if (!anyUp()) {
                continue;
            }
            long began = System.nanoTime();
            try {
                options.setServerURIs(upOnly());
                client.connect(options).waitForCompletion(10_000);
            } catch (MqttException e) {
                long millis = (System.nanoTime() - began) / 1_000_000;
                if (millis > 5_000) {
                    // a node that took the connection but sent no CONNACK: worth a line in the test's output
                    System.err.printf("%s: connect to %s failed after %d ms: %s%n", client.getClientId(),
                            java.util.Arrays.toString(options.getServerURIs()), millis, e);
                }
                // the broker died again, or a connect is still in progress: wait for a change, then retry
                synchronized (this) {
                    wait(100);
                }
            }
        }
        synchronized (this) {
            notifyAll();
        }
    }

    /**
     * The servers up, in order of preference (all of them when none is): Paho waits for a CONNACK without a
     * timeout, so one attempt on a paused node would hold the client until the node resumes.
     */
    private String[] upOnly() {
        List<String> up = new java.util.ArrayList<>();
        List<String> all = new java.util.ArrayList<>();
        for (int i : order) {
            all.add(uris[i]);
            if (brokers.get(i).isUp()) {
                up.add(uris[i]);
            }
        }
        return (up.isEmpty() ? all : up).toArray(new String[0]);
    }

    private boolean anyUp() throws InterruptedException {
        for (BrokerProcess b : brokers) {
            if (b.awaitUp(brokers.size() == 1 ? 1000 : 0)) {
                return true;
            }
        }
        if (brokers.size() > 1) {
            synchronized (this) {
                wait(100);
            }
        }
        return false;
    }

    /**
     * Disconnects on purpose and connects to the first node up in this order (indexes into the nodes it was
     * made with); the kept session moves there, and later reconnects follow this order too.
     */
    void moveTo(long deadlineNanos, int... order) throws MqttException, InterruptedException {
        this.order = order.clone();
        if (client.isConnected()) {
            try {
                client.disconnect(0).waitForCompletion(10_000); // no quiesce: in-flight messages stay in the session
            } catch (MqttException lostMeanwhile) {
                // the connection ended by itself meanwhile (its node halted, or took it over): connected again below
            }
        }
        connect(deadlineNanos);
    }

    /** The MQTT port of the node this client is connected to, or -1. */
    int connectedPort() {
        if (!client.isConnected()) {
            return -1;
        }
        String uri = client.getCurrentServerURI();
        return Integer.parseInt(uri.substring(uri.lastIndexOf(':') + 1));
    }

    /** Waits until connected, up to the timeout. */
    synchronized boolean awaitConnected(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!client.isConnected()) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(Math.min(left, 100));
        }
        return true;
    }

    @Override
    public void connectionLost(Throwable cause) {
        if (closing) {
            return;
        }
        reconnects.execute(() -> {
            try {
                connect(System.nanoTime() + TimeUnit.MINUTES.toNanos(2)); // returns at once if connected meanwhile
            } catch (InterruptedException | RuntimeException e) {
                // closed, or the test's own deadline reports it
            }
        });
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        synchronized (this) {
            notifyAll();
        }
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        onMessage.accept(message);
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {
        onDelivered.run();
    }

    @Override
    public void close() {
        closing = true;
        reconnects.shutdownNow();
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5000);
            }
        } catch (MqttException ignored) {
            // the broker may be gone: closing is all that is left
        }
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // already closed
        }
    }
}
