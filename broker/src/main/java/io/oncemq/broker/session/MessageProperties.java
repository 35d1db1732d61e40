package io.oncemq.broker.session;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The MQTT 5 PUBLISH properties a message carries from publisher to subscribers, unchanged and in order
 * (MQTT-3.3.2-4, -15, -16, -17): Payload Format Indicator, Content Type, Response Topic, Correlation Data,
 * User Properties; and its expiry as an absolute time, counted down while the message waits (MQTT-3.3.2-5).
 *
 * @param expiresAtMillis epoch milliseconds after which the message is not delivered, 0 for never
 * @param payloadFormat   -1 absent, 0 bytes, 1 UTF-8
 */
public record MessageProperties(long expiresAtMillis, int payloadFormat, String contentType, String responseTopic,
                                byte[] correlationData, List<String[]> userProperties) {

    public static final MessageProperties NONE = new MessageProperties(0, -1, null, null, null, List.of());

    private static final byte[] EMPTY = new byte[0];
    private static final int VERSION = 1;

    /** Reads what a PUBLISH (or a will) brought; {@code nowMillis} starts the expiry countdown. */
    public static MessageProperties from(MqttProperties props, long nowMillis) {
        if (props == null || props.isEmpty()) {
            return NONE;
        }
        long expiresAt = 0;
        int format = -1;
        String contentType = null;
        String responseTopic = null;
        byte[] correlation = null;
        List<String[]> user = new ArrayList<>();
        for (MqttProperties.MqttProperty<?> p : props.listAll()) {
            MqttPropertyType type = MqttPropertyType.valueOf(p.propertyId());
            switch (type) {
                case PAYLOAD_FORMAT_INDICATOR -> format = (Integer) p.value();
                case PUBLICATION_EXPIRY_INTERVAL -> expiresAt = nowMillis + Integer.toUnsignedLong((Integer) p.value()) * 1000;
                case CONTENT_TYPE -> contentType = (String) p.value();
                case RESPONSE_TOPIC -> responseTopic = (String) p.value();
                case CORRELATION_DATA -> correlation = (byte[]) p.value();
                case USER_PROPERTY -> addUserProperties(p.value(), user);
                default -> {
                    // topic alias, subscription identifiers: per hop, never forwarded (MQTT-3.3.2-7, -3.3.4-6)
                }
            }
        }
        if (expiresAt == 0 && format < 0 && contentType == null && responseTopic == null && correlation == null && user.isEmpty()) {
            return NONE;
        }
        return new MessageProperties(expiresAt, format, contentType, responseTopic, correlation, List.copyOf(user));
    }

    private static void addUserProperties(Object value, List<String[]> out) {
        if (value instanceof MqttProperties.StringPair pair) {
            out.add(new String[]{pair.key, pair.value});
        } else if (value instanceof List<?> list) {
            for (Object o : list) {
                addUserProperties(o, out);
            }
        }
    }

    /** Bytes these properties take in a PUBLISH (identifier byte and length prefixes included). */
    public int encodedSize() {
        int n = (payloadFormat >= 0 ? 2 : 0) + (expiresAtMillis != 0 ? 5 : 0);
        n += contentType == null ? 0 : 3 + utf8(contentType);
        n += responseTopic == null ? 0 : 3 + utf8(responseTopic);
        n += correlationData == null ? 0 : 3 + correlationData.length;
        for (String[] kv : userProperties) {
            n += 5 + utf8(kv[0]) + utf8(kv[1]);
        }
        return n;
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    public boolean expired(long nowMillis) {
        return expiresAtMillis != 0 && nowMillis >= expiresAtMillis;
    }

    /** The properties of an outbound PUBLISH, with the expiry interval left (MQTT-3.3.2-6). */
    public MqttProperties toMqtt(long nowMillis, List<Integer> subscriptionIds) {
        MqttProperties props = new MqttProperties();
        if (payloadFormat >= 0) {
            props.add(new MqttProperties.IntegerProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), payloadFormat));
        }
        if (expiresAtMillis != 0) {
            long left = Math.max(1, (expiresAtMillis - nowMillis + 999) / 1000);
            props.add(new MqttProperties.IntegerProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), (int) left));
        }
        if (contentType != null) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.CONTENT_TYPE.value(), contentType));
        }
        if (responseTopic != null) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.RESPONSE_TOPIC.value(), responseTopic));
        }
        if (correlationData != null) {
            props.add(new MqttProperties.BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), correlationData));
        }
        for (String[] kv : userProperties) {
            props.add(new MqttProperties.UserProperty(kv[0], kv[1]));
        }
        for (int id : subscriptionIds) {
            props.add(new MqttProperties.IntegerProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value(), id));
        }
        return props;
    }

    /** The journal's opaque properties blob. */
    public byte[] encode() {
        if (this == NONE) {
            return EMPTY;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(VERSION);
        writeLong(out, expiresAtMillis);
        out.write(payloadFormat + 1);
        writeString(out, contentType);
        writeString(out, responseTopic);
        writeBytes(out, correlationData);
        writeInt(out, userProperties.size());
        for (String[] kv : userProperties) {
            writeString(out, kv[0]);
            writeString(out, kv[1]);
        }
        return out.toByteArray();
    }

    public static MessageProperties decode(byte[] blob) {
        if (blob == null || blob.length == 0) {
            return NONE;
        }
        ByteBuffer in = ByteBuffer.wrap(blob);
        if (in.get() != VERSION) {
            throw new IllegalArgumentException("unknown message properties version");
        }
        long expiresAt = in.getLong();
        int format = in.get() - 1;
        String contentType = readString(in);
        String responseTopic = readString(in);
        byte[] correlation = readBytes(in);
        int n = in.getInt();
        List<String[]> user = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            user.add(new String[]{readString(in), readString(in)});
        }
        return new MessageProperties(expiresAt, format, contentType, responseTopic, correlation, List.copyOf(user));
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
        writeInt(out, (int) (v >>> 32));
        writeInt(out, (int) v);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /** Length -1 marks an absent value. */
    private static void writeBytes(ByteArrayOutputStream out, byte[] b) {
        writeInt(out, b == null ? -1 : b.length);
        if (b != null) {
            out.writeBytes(b);
        }
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        writeBytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] readBytes(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private static String readString(ByteBuffer in) {
        byte[] b = readBytes(in);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
