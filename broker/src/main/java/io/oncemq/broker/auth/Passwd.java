package io.oncemq.broker.auth;

import io.oncemq.broker.ConfigException;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code oncemq passwd}: adds, changes or deletes a user in a password file, like {@code mosquitto_passwd}.
 * {@code passwd [-I N] FILE USER} reads the password from the terminal (twice) or from the first line of stdin;
 * {@code passwd -b [-I N] FILE USER PASSWORD} takes it as an argument; {@code passwd -D FILE USER} deletes.
 */
public final class Passwd {

    static final String USAGE = "usage: java -jar oncemq.jar passwd [-I ITERATIONS] FILE USER   (password from the terminal or stdin)\n"
            + "       java -jar oncemq.jar passwd -b [-I ITERATIONS] FILE USER PASSWORD\n"
            + "       java -jar oncemq.jar passwd -D FILE USER";

    private Passwd() {
    }

    /** Runs the command; returns the process exit code (0 done, 1 failed, 2 bad arguments). */
    public static int run(List<String> args, InputStream stdin, PrintStream out, PrintStream err) {
        boolean batch = false;
        boolean delete = false;
        int iterations = PasswordHash.DEFAULT_ITERATIONS;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "-b" -> batch = true;
                case "-D" -> delete = true;
                case "-I" -> {
                    if (i + 1 >= args.size()) {
                        return usage(err, "-I needs a number");
                    }
                    try {
                        iterations = Integer.parseInt(args.get(++i));
                    } catch (NumberFormatException e) {
                        iterations = 0;
                    }
                    if (iterations < 1 || iterations > PasswordHash.MAX_ITERATIONS) {
                        return usage(err, "-I takes 1-" + PasswordHash.MAX_ITERATIONS);
                    }
                }
                default -> rest.add(a);
            }
        }
        int expected = batch ? 3 : 2;
        if ((batch && delete) || rest.size() != expected) {
            return usage(err, null);
        }
        Path file = Path.of(rest.get(0));
        String user = rest.get(1);
        if (user.isEmpty() || user.indexOf(':') >= 0) {
            return usage(err, "a user name must not be empty or contain ':'");
        }
        try {
            PasswordFile passwords = Files.exists(file) ? PasswordFile.read(file) : PasswordFile.empty();
            if (delete) {
                if (!passwords.contains(user)) {
                    err.println("oncemq passwd: user '" + user + "' is not in " + file);
                    return 1;
                }
                passwords.remove(user);
            } else {
                String password = batch ? rest.get(2) : readPassword(stdin, out);
                if (password == null || password.isEmpty()) {
                    err.println("oncemq passwd: empty password: nothing written");
                    return 1;
                }
                passwords.put(user, PasswordHash.create(password, iterations, new SecureRandom()));
            }
            passwords.write(file);
            return 0;
        } catch (ConfigException | IOException e) {
            err.println("oncemq passwd: " + e.getMessage());
            return 1;
        }
    }

    /** From a terminal: asked twice, not echoed; from a pipe: the first line. Null if they differ or none came. */
    private static String readPassword(InputStream stdin, PrintStream out) throws IOException {
        Console console = System.console();
        if (console != null && stdin == System.in) {
            char[] first = console.readPassword("Password: ");
            char[] second = console.readPassword("Reenter password: ");
            if (first == null || second == null || !java.util.Arrays.equals(first, second)) {
                out.println("Passwords do not match.");
                return null;
            }
            return new String(first);
        }
        return new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
    }

    private static int usage(PrintStream err, String problem) {
        if (problem != null) {
            err.println("oncemq passwd: " + problem);
        }
        err.println(USAGE);
        return 2;
    }
}
