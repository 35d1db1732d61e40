package io.oncemq.broker;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bare MQTT client over a socket, for packets no client library will send (a repeated PUBLISH with a
 * held id, a PUBREL for an unknown id) and for reading exactly what the broker sends back.
 */
final class RawClient implements AutoCloseable {

    /** One packet read from the broker: first byte (type and flags) and its body after the remaining length. */
    record Packet(int header, byte[] body) {
        int type() {
            return header >> 4;
        }

        int flags() {
            return header & 0x0F;
        }

        int packetId() {
            return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        }

        /** The reason codes of a 5.0 SUBACK or UNSUBACK: what follows the packet id and the properties. */
        byte[] reasonCodes() {
            int[] pos = {2};
            int propertiesLength = varint(body, pos);
            return Arrays.copyOfRange(body, pos[0] + propertiesLength, body.length);
        }

        /** The topic of a PUBLISH. */
        String topic() {
            int len = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            return new String(body, 2, len, StandardCharsets.UTF_8);
        }

        /** The packet id of a QoS 1/2 PUBLISH. */
        int publishId() {
            int len = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            return ((body[2 + len] & 0xFF) << 8) | (body[3 + len] & 0xFF);
        }

        /** The payload of a 3.1.1 QoS 1/2 PUBLISH. */
        String payload311() {
            int len = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            int start = 2 + len + ((flags() & 6) != 0 ? 2 : 0);
            return new String(body, start, body.length - start, StandardCharsets.UTF_8);
        }

        /** The payload of a 5.0 PUBLISH: after the topic, the packet id (QoS 1/2) and the properties. */
        String payload5() {
            int len = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            int[] pos = {2 + len + ((flags() & 6) != 0 ? 2 : 0)};
            int propsLen = varint(body, pos);
            return new String(body, pos[0] + propsLen, body.length - pos[0] - propsLen, StandardCharsets.UTF_8);
        }

        /** The properties of a 5.0 QoS 1/2 PUBLISH as (identifier, raw value bytes) in order. */
        List<int[]> publishProperties5() {
            int len = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            int[] pos = {2 + len + ((flags() & 6) != 0 ? 2 : 0)};
            int propsLen = varint(body, pos);
            int end = pos[0] + propsLen;
            List<int[]> out = new ArrayList<>();
            while (pos[0] < end) {
                int id = body[pos[0]++] & 0xFF;
                int value;
                switch (id) {
                    case 0x0B -> value = varint(body, pos); // subscription identifier
                    case 0x01 -> value = body[pos[0]++] & 0xFF;
                    case 0x23 -> { // topic alias
                        value = (body[pos[0]] & 0xFF) << 8 | (body[pos[0] + 1] & 0xFF);
                        pos[0] += 2;
                    }
                    case 0x02 -> {
                        value = (body[pos[0]] & 0xFF) << 24 | (body[pos[0] + 1] & 0xFF) << 16 | (body[pos[0] + 2] & 0xFF) << 8 | (body[pos[0] + 3] & 0xFF);
                        pos[0] += 4;
                    }
                    default -> throw new IllegalStateException("property " + id + " not parsed by this test client");
                }
                out.add(new int[]{id, value});
            }
            return out;
        }

        /**
         * The 5.0 properties that start at {@code offset} of the body (2 for CONNACK and SUBACK, 1 for
         * DISCONNECT, 3 for PUBACK, PUBREC, PUBREL, PUBCOMP), by identifier: Integer, String or byte[].
         */
        Map<Integer, Object> properties(int offset) {
            Map<Integer, Object> out = new LinkedHashMap<>();
            if (body.length <= offset) {
                return out;
            }
            int[] pos = {offset};
            int end = varint(body, pos) + pos[0];
            while (pos[0] < end) {
                int id = body[pos[0]++] & 0xFF;
                out.put(id, switch (id) {
                    case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> body[pos[0]++] & 0xFF;
                    case 0x13, 0x21, 0x22, 0x23 -> fixed(pos, 2);
                    case 0x02, 0x11, 0x18, 0x27 -> fixed(pos, 4);
                    case 0x0B -> varint(body, pos);
                    case 0x09, 0x16 -> {
                        int len = fixed(pos, 2);
                        pos[0] += len;
                        yield Arrays.copyOfRange(body, pos[0] - len, pos[0]);
                    }
                    case 0x26 -> string(pos) + "=" + string(pos);
                    default -> string(pos);
                });
            }
            return out;
        }

        /** A big-endian integer of {@code bytes} bytes, read and stepped over. */
        private int fixed(int[] pos, int bytes) {
            int v = 0;
            for (int i = 0; i < bytes; i++) {
                v = v << 8 | (body[pos[0]++] & 0xFF);
            }
            return v;
        }

        private String string(int[] pos) {
            int len = ((body[pos[0]] & 0xFF) << 8) | (body[pos[0] + 1] & 0xFF);
            String s = new String(body, pos[0] + 2, len, StandardCharsets.UTF_8);
            pos[0] += 2 + len;
            return s;
        }

        private static int varint(byte[] b, int[] pos) {
            int v = 0;
            int shift = 0;
            int x;
            do {
                x = b[pos[0]++] & 0xFF;
                v |= (x & 0x7F) << shift;
                shift += 7;
            } while ((x & 0x80) != 0);
            return v;
        }

        boolean dup() {
            return (flags() & 8) != 0;
        }

        int qos() {
            return (flags() >> 1) & 3;
        }
    }

    static final int CONNACK = 2;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int PUBREC = 5;
    static final int PUBREL = 6;
    static final int PUBCOMP = 7;
    static final int SUBACK = 9;
    static final int UNSUBACK = 11;
    static final int PINGRESP = 13;
    static final int DISCONNECT = 14;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** CONNECT at 3.1.1 (level 4) or 5.0 (level 5); returns the CONNACK. */
    Packet connect(String clientId, boolean cleanSession, int keepAlive, int level) throws IOException {
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        string(vh, "MQTT");
        vh.write(level);
        vh.write(cleanSession ? 2 : 0);
        vh.write(keepAlive >> 8);
        vh.write(keepAlive & 0xFF);
        if (level == 5) {
            vh.write(0); // no properties
        }
        string(vh, clientId);
        send(0x10, vh.toByteArray());
        return read();
    }

    /** CONNECT at 5.0 with the given encoded properties (without their length prefix). */
    Packet connect5(String clientId, byte[] properties) throws IOException {
        return connect5(clientId, 0, properties);
    }

    /** CONNECT at 5.0, clean start, with a keep-alive and the given encoded properties; returns the CONNACK. */
    Packet connect5(String clientId, int keepAlive, byte[] properties) throws IOException {
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        string(vh, "MQTT");
        vh.write(5);
        vh.write(2);
        vh.write(keepAlive >> 8);
        vh.write(keepAlive & 0xFF);
        vh.write(properties.length); // fine below 128 bytes
        vh.writeBytes(properties);
        string(vh, clientId);
        send(0x10, vh.toByteArray());
        return read();
    }

    /** A 5.0 PUBLISH with the given encoded properties. */
    void publish5(String topic, int qos, int packetId, byte[] properties, byte[] payload) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        string(b, topic);
        if (qos > 0) {
            b.write(packetId >> 8);
            b.write(packetId & 0xFF);
        }
        b.write(properties.length);
        b.writeBytes(properties);
        b.writeBytes(payload);
        send(0x30 | qos << 1, b.toByteArray());
    }

    /** A 5.0 SUBSCRIBE with a subscription identifier. */
    void subscribe5(int packetId, String filter, int options, int subscriptionId) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(packetId >> 8);
        b.write(packetId & 0xFF);
        b.write(2);
        b.write(0x0B);
        b.write(subscriptionId); // below 128
        string(b, filter);
        b.write(options);
        send(0x82, b.toByteArray());
    }

    /** CONNECT at 3.1.1 (accepted), SUBSCRIBE to one filter, and the SUBACK: a ready 3.1.1 subscriber. */
    RawClient connectAndSubscribe(String clientId, boolean cleanSession, String filter, int qos) throws IOException {
        Packet connack = connect(clientId, cleanSession, 0, 4);
        if (connack.type() != CONNACK || connack.body()[1] != 0) {
            throw new IOException(clientId + " refused: " + connack.body()[1]);
        }
        subscribe(1, filter, qos, 4);
        expect(SUBACK);
        return this;
    }

    /** CONNECT with a will message, 3.1.1. */
    Packet connectWithWill(String clientId, int keepAlive, String willTopic, String willPayload) throws IOException {
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        string(vh, "MQTT");
        vh.write(4);
        vh.write(2 | 4); // clean session, will flag, will QoS 0
        vh.write(keepAlive >> 8);
        vh.write(keepAlive & 0xFF);
        string(vh, clientId);
        string(vh, willTopic);
        string(vh, willPayload);
        send(0x10, vh.toByteArray());
        return read();
    }

    void publish(String topic, int qos, int packetId, boolean dup, String payload, int level) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        string(b, topic);
        if (qos > 0) {
            b.write(packetId >> 8);
            b.write(packetId & 0xFF);
        }
        if (level == 5) {
            b.write(0);
        }
        b.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        send(0x30 | (dup ? 8 : 0) | qos << 1, b.toByteArray());
    }

    void subscribe(int packetId, String filter, int qos, int level) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(packetId >> 8);
        b.write(packetId & 0xFF);
        if (level == 5) {
            b.write(0);
        }
        string(b, filter);
        b.write(qos);
        send(0x82, b.toByteArray());
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP with just a packet id. */
    void ack(int type, int packetId) throws IOException {
        send(type << 4 | (type == PUBREL ? 2 : 0), new byte[]{(byte) (packetId >> 8), (byte) packetId});
    }

    void disconnect() throws IOException {
        send(0xE0, new byte[0]);
    }

    /** A 5.0 connection (clean start, no properties) that the broker accepted. */
    static RawClient connected5(int port, String clientId) throws IOException {
        return connected5(port, clientId, new byte[0]);
    }

    /** A 5.0 connection (clean start) with the given encoded CONNECT properties that the broker accepted. */
    static RawClient connected5(int port, String clientId, byte[] properties) throws IOException {
        RawClient c = new RawClient(port);
        Packet connack = c.connect5(clientId, properties);
        if (connack.type() != CONNACK || connack.body()[1] != 0) {
            c.close();
            throw new IOException(clientId + " refused: " + connack.body()[1]);
        }
        return c;
    }

    /** A 3.1.1 connection that the broker accepted (CONNACK return code 0). */
    static RawClient connected311(int port, String clientId, boolean cleanSession) throws IOException {
        RawClient c = new RawClient(port);
        org.junit.jupiter.api.Assertions.assertEquals(0, c.connect(clientId, cleanSession, 0, 4).body()[1]);
        return c;
    }

    /** Connects at 3.1.1, writes the bytes, and asserts the close (a 3.1.1 server sends no DISCONNECT). */
    static void assertClosedAfter311(int port, byte[] packet) throws IOException {
        try (RawClient c = connected311(port, "bad", true)) {
            c.write(packet);
            org.junit.jupiter.api.Assertions.assertTrue(c.closedWithin(Duration.ofSeconds(5)),
                    "closed after " + java.util.HexFormat.of().formatHex(packet));
        }
    }

    /** Connects at 5.0, writes the bytes, and asserts DISCONNECT with the reason code and then the close. */
    static void assertDisconnectedAfter5(int port, byte[] afterConnect, int reason) throws IOException {
        try (RawClient c = connected5(port, "bad")) {
            c.assertDisconnectedAfter(afterConnect, reason);
        }
    }

    /** Writes the bytes; the broker's next packet must be DISCONNECT with the reason code, then the close. */
    void assertDisconnectedAfter(byte[] bytes, int reason) throws IOException {
        write(bytes);
        Packet d = read();
        org.junit.jupiter.api.Assertions.assertEquals(DISCONNECT, d.type(), "DISCONNECT expected");
        org.junit.jupiter.api.Assertions.assertEquals(reason, d.body()[0] & 0xFF, "reason code");
        org.junit.jupiter.api.Assertions.assertTrue(closedWithin(Duration.ofSeconds(5)), "closed after DISCONNECT");
    }

    /** Raw bytes, for malformed packets. */
    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Packet read() throws IOException {
        return readAfter(in.readUnsignedByte());
    }

    /** The next packet if one starts to arrive within the window, else null (nothing is consumed then). */
    Packet readWithin(Duration window) throws IOException {
        socket.setSoTimeout((int) window.toMillis());
        int header;
        try {
            header = in.readUnsignedByte();
        } catch (SocketTimeoutException nothing) {
            return null;
        } finally {
            socket.setSoTimeout(10_000);
        }
        return readAfter(header);
    }

    private Packet readAfter(int header) throws IOException {
        int len = 0;
        int shift = 0;
        int b;
        do {
            b = in.readUnsignedByte();
            len |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        byte[] body = new byte[len];
        in.readFully(body);
        return new Packet(header, body);
    }

    /** Reads until a packet of the type arrives, skipping others (e.g. PINGRESP). */
    Packet expect(int type) throws IOException {
        while (true) {
            Packet p = read();
            if (p.type() == type) {
                return p;
            }
        }
    }

    /** Whether the broker closes the socket within the timeout (reading and discarding what it sends). */
    boolean closedWithin(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (in.read() < 0) {
                    return true;
                }
            }
            return false;
        } catch (EOFException | SocketTimeoutException e) {
            return e instanceof EOFException;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Whether nothing arrives within the window (the socket stays open and silent). */
    boolean silentFor(Duration window) throws IOException {
        socket.setSoTimeout((int) window.toMillis());
        try {
            in.read(); // data or end of stream: not silent
            return false;
        } catch (SocketTimeoutException expected) {
            return true;
        } finally {
            socket.setSoTimeout(10_000);
        }
    }

    private void send(int header, byte[] body) throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(header);
        int len = body.length;
        do {
            int digit = len % 128;
            len /= 128;
            p.write(len > 0 ? digit | 0x80 : digit);
        } while (len > 0);
        p.writeBytes(body);
        out.write(p.toByteArray());
        out.flush();
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.write(bytes.length >> 8);
        b.write(bytes.length & 0xFF);
        b.writeBytes(bytes);
    }

    /** CONNECT at 5.0 with the Clean Start flag given and encoded properties; returns the CONNACK. */
    Packet connect5(String clientId, boolean cleanStart, byte[] properties) throws IOException {
        write(packet(0x10, field("MQTT"), bytes(5, cleanStart ? 2 : 0, 0, 0, properties.length), properties, field(clientId)));
        return read();
    }

    /** A 5.0 PUBACK, PUBREC, PUBREL or PUBCOMP with a reason code and no properties. */
    void ack5(int type, int packetId, int reason) throws IOException {
        write(packet(type << 4 | (type == PUBREL ? 2 : 0), bytes(packetId >> 8, packetId & 0xFF, reason)));
    }

    /** A 5.0 UNSUBSCRIBE of the filters, without properties. */
    void unsubscribe5(int packetId, String... filters) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(bytes(packetId >> 8, packetId & 0xFF, 0));
        for (String f : filters) {
            b.writeBytes(field(f));
        }
        write(packet(0xA2, b.toByteArray()));
    }

    /** The next packet, or null if the broker closed the connection instead. */
    Packet readOrEnd() throws IOException {
        try {
            return read();
        } catch (EOFException | java.net.SocketException closed) {
            return null;
        }
    }

    /** A whole packet: first byte, the minimal remaining length of the parts, then the parts in order. */
    static byte[] packet(int header, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            body.writeBytes(part);
        }
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(header);
        int len = body.size();
        do {
            int digit = len % 128;
            len /= 128;
            p.write(len > 0 ? digit | 0x80 : digit);
        } while (len > 0);
        p.writeBytes(body.toByteArray());
        return p.toByteArray();
    }

    /** A string field (two-byte length, then the bytes) of raw bytes, which need not be valid UTF-8. */
    static byte[] field(byte[] raw) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(raw.length >> 8);
        b.write(raw.length & 0xFF);
        b.writeBytes(raw);
        return b.toByteArray();
    }

    static byte[] field(String s) {
        return field(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Bytes from ints, for hand-built packets. */
    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    /** Parts joined into one array. */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            b.writeBytes(part);
        }
        return b.toByteArray();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
