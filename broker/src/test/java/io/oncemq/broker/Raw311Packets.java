package io.oncemq.broker;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static io.oncemq.broker.RawClient.packet;

/**
 * Byte builders for MQTT 3.1.1 packets that {@link RawClient} has no method for: CONNECTs with any
 * flags and payload fields, SUBSCRIBE/UNSUBSCRIBE with any header and filters, strings of raw bytes.
 * Every method returns the whole packet (fixed header, remaining length, body) for {@link RawClient#write}.
 */
final class Raw311Packets {

    /** CONNECT flag bits (MQTT 3.1.1 §3.1.2.3). */
    static final int RESERVED = 0x01;
    static final int CLEAN_SESSION = 0x02;
    static final int WILL = 0x04;
    static final int WILL_QOS_1 = 0x08;
    static final int WILL_QOS_2 = 0x10;
    static final int WILL_RETAIN = 0x20;
    static final int PASSWORD = 0x40;
    static final int USER_NAME = 0x80;

    private Raw311Packets() {
    }

    /** A length-prefixed UTF-8 string field. */
    static byte[] str(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A length-prefixed field of exactly these bytes (for ill-formed UTF-8). */
    static byte[] bytes(byte[] raw) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(raw.length >> 8);
        b.write(raw.length & 0xFF);
        b.writeBytes(raw);
        return b.toByteArray();
    }

    /** A two-byte packet identifier. */
    static byte[] id(int packetId) {
        return new byte[]{(byte) (packetId >> 8), (byte) packetId};
    }

    /** One byte, e.g. a requested QoS. */
    static byte[] u8(int value) {
        return new byte[]{(byte) value};
    }

    /** A CONNECT with any protocol name, level and flags, keep-alive 0, and the given payload fields. */
    static byte[] connect(String protocolName, int level, int flags, byte[]... payload) {
        byte[][] parts = new byte[payload.length + 1][];
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        vh.writeBytes(str(protocolName));
        vh.write(level);
        vh.write(flags);
        vh.write(0);
        vh.write(0);
        parts[0] = vh.toByteArray();
        System.arraycopy(payload, 0, parts, 1, payload.length);
        return packet(0x10, parts);
    }

    /** A 3.1.1 CONNECT ("MQTT", level 4) with these flags and payload fields. */
    static byte[] connect(int flags, byte[]... payload) {
        return connect("MQTT", 4, flags, payload);
    }

    /** A SUBSCRIBE with the first byte {@code header} (0x82 when well formed) and filter/QoS pairs. */
    static byte[] subscribe(int header, int packetId, Object... filtersAndQos) {
        byte[][] parts = new byte[filtersAndQos.length + 1][];
        parts[0] = id(packetId);
        for (int i = 0; i < filtersAndQos.length; i++) {
            Object o = filtersAndQos[i];
            parts[i + 1] = o instanceof String s ? str(s) : o instanceof Integer q ? u8(q) : (byte[]) o;
        }
        return packet(header, parts);
    }

    /** An UNSUBSCRIBE with the first byte {@code header} (0xA2 when well formed) and filters. */
    static byte[] unsubscribe(int header, int packetId, Object... filters) {
        byte[][] parts = new byte[filters.length + 1][];
        parts[0] = id(packetId);
        for (int i = 0; i < filters.length; i++) {
            parts[i + 1] = filters[i] instanceof String s ? str(s) : (byte[]) filters[i];
        }
        return packet(header, parts);
    }

    /** A 3.1.1 PUBLISH with the first byte {@code header} (0x30 | qos << 1 | flags) and raw payload bytes. */
    static byte[] publish(int header, String topic, int packetId, byte[] payload) {
        boolean hasId = (header & 0x06) != 0;
        return hasId ? packet(header, str(topic), id(packetId), payload) : packet(header, str(topic), payload);
    }

    /**
     * Asserts the broker closes the socket before sending any byte: reading one packet must end in end of
     * stream or a reset; a packet (e.g. a CONNACK) or RawClient's 10 s read timeout fails the test.
     */
    static void assertClosedWithoutAnyPacket(RawClient c) throws IOException {
        try {
            RawClient.Packet p = c.read();
            throw new AssertionError("expected the connection closed without a packet, got type " + p.type()
                    + " body " + HexFormat.of().formatHex(p.body()));
        } catch (EOFException | SocketException closed) {
            // closed, nothing sent: as expected
        } catch (InterruptedIOException timeout) {
            throw new AssertionError("connection neither answered nor closed within the read timeout");
        }
    }
}
