package io.oncemq.broker.auth;

import io.oncemq.broker.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The lines that count in a password or ACL file: stripped, without blanks and {@code #} comments, with their numbers for errors. */
record AccessFileLines(Path file, String key, String form, List<Line> lines) {

    /** One line that counts, and where it is. */
    record Line(int number, String text) {
    }

    /** A missing or unreadable file is a {@link ConfigException} naming the key and the expected form. */
    static AccessFileLines read(Path file, String key, String form) {
        List<String> text;
        try {
            text = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("key '" + key + "': cannot read " + file + " (" + e + "): expected " + form);
        }
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            String line = text.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                lines.add(new Line(i + 1, line));
            }
        }
        return new AccessFileLines(file, key, form, lines);
    }

    /** The error for a malformed line: key, file, line number, what is wrong and what is expected. */
    ConfigException error(Line line, String problem) {
        return new ConfigException("key '" + key + "': " + file + " line " + line.number() + ": " + problem + ": expected " + form);
    }
}
