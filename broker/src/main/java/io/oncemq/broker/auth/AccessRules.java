package io.oncemq.broker.auth;

import io.oncemq.broker.ConfigException;
import io.oncemq.broker.topic.Topics;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code acl-file}, in Mosquitto's acl_file form: {@code topic [read|write|readwrite] FILTER} lines before
 * any {@code user NAME} line are for anonymous clients, those after it for that user; {@code pattern
 * [read|write|readwrite] FILTER} lines are for every client, with {@code %c} the client id and {@code %u} the
 * user name. What no line grants is denied.
 */
public final class AccessRules {

    static final String FORM = "lines of 'user NAME', 'topic [read|write|readwrite] FILTER' or 'pattern [read|write|readwrite] FILTER'";

    /** One rule line: the filter (with %c/%u still in it for a pattern) and what it grants. */
    private record Rule(String filter, boolean read, boolean write) {
    }

    private final List<Rule> anonymous;
    private final Map<String, List<Rule>> users;
    private final List<Rule> patterns;

    private AccessRules(List<Rule> anonymous, Map<String, List<Rule>> users, List<Rule> patterns) {
        this.anonymous = anonymous;
        this.users = users;
        this.patterns = patterns;
    }

    /** Reads and checks every line; a missing, unreadable or malformed file is a {@link ConfigException} naming the key. */
    public static AccessRules read(Path file) {
        AccessFileLines in = AccessFileLines.read(file, "acl-file", FORM);
        List<Rule> anonymous = new ArrayList<>();
        Map<String, List<Rule>> users = new HashMap<>();
        List<Rule> patterns = new ArrayList<>();
        List<Rule> current = anonymous;
        for (AccessFileLines.Line line : in.lines()) {
            String[] words = line.text().split("\\s+", 2);
            if (words.length < 2) {
                throw in.error(line, "'" + line.text() + "' has no argument");
            }
            switch (words[0]) {
                case "user" -> current = users.computeIfAbsent(words[1], u -> new ArrayList<>());
                case "topic" -> current.add(rule(words[1], in, line));
                case "pattern" -> patterns.add(rule(words[1], in, line));
                default -> throw in.error(line, "unknown word '" + words[0] + "'");
            }
        }
        return new AccessRules(List.copyOf(anonymous), Map.copyOf(users), List.copyOf(patterns));
    }

    private static Rule rule(String rest, AccessFileLines in, AccessFileLines.Line line) {
        String[] words = rest.split("\\s+", 2);
        String access = "readwrite";
        String filter = rest;
        if (words.length == 2 && (words[0].equals("read") || words[0].equals("write") || words[0].equals("readwrite"))) {
            access = words[0];
            filter = words[1];
        } else if (words.length == 2) {
            throw in.error(line, "access '" + words[0] + "' is not read, write or readwrite");
        }
        if (!Topics.isValidFilter(filter)) {
            throw in.error(line, "'" + filter + "' is not a valid topic filter");
        }
        return new Rule(filter, !access.equals("write"), !access.equals("read"));
    }

    /** Number of rule lines, for the log. */
    public int size() {
        return anonymous.size() + patterns.size() + users.values().stream().mapToInt(List::size).sum();
    }

    /** The rules for one client; {@code user} null for an anonymous one. */
    Grants grants(String user, String clientId) {
        List<TopicPattern> read = new ArrayList<>();
        List<TopicPattern> write = new ArrayList<>();
        for (Rule r : user == null ? anonymous : users.getOrDefault(user, List.of())) {
            add(r, r.filter(), read, write);
        }
        for (Rule r : patterns) {
            String filter = substitute(r.filter(), user, clientId);
            if (filter != null) {
                add(r, filter, read, write);
            }
        }
        return new Grants(this, read, write);
    }

    private static void add(Rule r, String filter, List<TopicPattern> read, List<TopicPattern> write) {
        TopicPattern p = new TopicPattern(filter);
        if (r.read()) {
            read.add(p);
        }
        if (r.write()) {
            write.add(p);
        }
    }

    /** The pattern with %c and %u filled in, or null when it grants nothing to this client. */
    private static String substitute(String pattern, String user, String clientId) {
        String out = pattern;
        if (out.contains("%c")) {
            if (!literalLevel(clientId)) {
                return null;
            }
            out = out.replace("%c", clientId);
        }
        if (out.contains("%u")) {
            if (!literalLevel(user)) {
                return null; // an anonymous client has no user name to fill in
            }
            out = out.replace("%u", user);
        }
        return out;
    }

    /** A value that cannot widen the filter: a client id "#" must not turn "devices/%c/#" into a grant of all devices. */
    private static boolean literalLevel(String value) {
        return value != null && !value.isEmpty() && value.indexOf('/') < 0 && value.indexOf('+') < 0 && value.indexOf('#') < 0;
    }
}
