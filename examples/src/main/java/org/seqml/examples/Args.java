package org.seqml.examples;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The examples' {@code name=value} command-line options (numbers and text), checked against the names known. */
public final class Args {
    private final Map<String, String> values = new HashMap<>();

    private Args() {
    }

    /** Parses {@code args}; an unknown name fails, naming the known ones. */
    public static Args parse(String[] args, Set<String> known) {
        Args a = new Args();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            if (kv.length != 2 || !known.contains(kv[0])) {
                throw new IllegalArgumentException("unknown option '" + arg + "'; known: name=value for " + known);
            }
            a.values.put(kv[0], kv[1]);
        }
        return a;
    }

    /** The integer given for {@code name}, else {@code fallback}; a value that is not an integer fails. */
    public int get(String name, int fallback) {
        return get(name, fallback, Integer::parseInt, "an integer");
    }

    /** The number given for {@code name}, else {@code fallback}; a value that is not a number fails. */
    public double get(String name, double fallback) {
        return get(name, fallback, Double::parseDouble, "a number");
    }

    /** The text given for {@code name}, else {@code fallback}. */
    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    private <T> T get(String name, T fallback, Function<String, T> parse, String kind) {
        String v = values.get(name);
        try {
            return v == null ? fallback : parse.apply(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + name + " wants " + kind + ", got '" + v + "'", e);
        }
    }
}
