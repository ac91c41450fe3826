package org.seqml.examples;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The examples' {@code name=value} command-line options (integers), checked against the names known. */
public final class Args {
    private final Map<String, Integer> values = new HashMap<>();

    private Args() {
    }

    /** Parses {@code args}; an unknown name or a value that is not an integer fails, naming the known ones. */
    public static Args parse(String[] args, Set<String> known) {
        Args a = new Args();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            if (kv.length != 2 || !known.contains(kv[0])) {
                throw new IllegalArgumentException("unknown option '" + arg + "'; known: name=value for " + known);
            }
            try {
                a.values.put(kv[0], Integer.parseInt(kv[1]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + kv[0] + " wants an integer, got '" + kv[1] + "'", e);
            }
        }
        return a;
    }

    /** The value given for {@code name}, else {@code fallback}. */
    public int get(String name, int fallback) {
        return values.getOrDefault(name, fallback);
    }
}
