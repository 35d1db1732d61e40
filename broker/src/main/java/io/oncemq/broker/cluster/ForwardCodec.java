package io.oncemq.broker.cluster;

import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.MessageProperties;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The wire form of a batch of forwards: hand-written, a version byte first, no Java serialization. */
final class ForwardCodec {

    private static final byte VERSION = 2;

    private ForwardCodec() {
    }

    static byte[] encode(List<Forward> batch) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * batch.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(batch.size());
            for (Forward f : batch) {
                Message m = f.message();
                out.writeUTF(m.origin() == null ? "" : m.origin()); // empty: the sender accepted it
                out.writeLong(m.originId());
                out.writeUTF(m.topic());
                out.writeByte(m.qos());
                out.writeBoolean(m.retain());
                writeBytes(out, m.payload());
                writeBytes(out, m.properties().encode());
                out.writeUTF(f.publisherId() == null ? "" : f.publisherId());
                out.writeBoolean(f.plain());
                out.writeShort(f.groups().size());
                for (String g : f.groups()) {
                    out.writeUTF(g);
                }
                out.writeShort(f.sessions().size());
                for (Forward.SessionTarget t : f.sessions()) {
                    out.writeUTF(t.clientId());
                    out.writeByte(t.qos() | (t.retain() ? 4 : 0) | (t.shared() ? 8 : 0));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The batch {@code sender} sent; messages without an origin of their own were accepted by the sender. */
    static List<Forward> decode(byte[] data, String sender) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("forward batch of version " + version + ", this node reads " + VERSION);
            }
            int n = in.readInt();
            List<Forward> batch = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String origin = in.readUTF();
                long id = in.readLong();
                String topic = in.readUTF();
                int qos = in.readByte();
                boolean retain = in.readBoolean();
                byte[] payload = readBytes(in);
                MessageProperties props = MessageProperties.decode(readBytes(in));
                String publisher = in.readUTF();
                boolean plain = in.readBoolean();
                int groups = in.readShort();
                List<String> g = new ArrayList<>(groups);
                for (int j = 0; j < groups; j++) {
                    g.add(in.readUTF());
                }
                int targets = in.readShort();
                List<Forward.SessionTarget> t = new ArrayList<>(targets);
                for (int j = 0; j < targets; j++) {
                    String clientId = in.readUTF();
                    int flags = in.readByte();
                    t.add(new Forward.SessionTarget(clientId, flags & 3, (flags & 4) != 0, (flags & 8) != 0));
                }
                batch.add(new Forward(new Message(id, topic, qos, retain, payload, props, origin.isEmpty() ? sender : origin, id),
                        publisher.isEmpty() ? null : publisher, plain, g, t));
            }
            return batch;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Forwards the sender is to make itself, to the nodes sessions moved to: one batch per node. */
    record Redirect(String node, byte[] batch, int messages) {
    }

    /** An intake's answer that sends forwards elsewhere (an empty answer: all taken). */
    static byte[] encodeRedirects(Map<String, List<Forward>> byNode) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeShort(byNode.size());
            for (Map.Entry<String, List<Forward>> e : byNode.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().size());
                writeBytes(out, encode(e.getValue()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<Redirect> decodeRedirects(byte[] answer) {
        if (answer == null || answer.length == 0) {
            return List.of();
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(answer))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("forward answer of version " + version + ", this node reads " + VERSION);
            }
            int n = in.readShort();
            List<Redirect> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String node = in.readUTF();
                int messages = in.readInt();
                out.add(new Redirect(node, readBytes(in), messages));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return b;
    }
}
