package org.seqml.callbacks;

import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quantity a callback watches and which direction is better, as Keras resolves
 * {@code mode="auto"}: higher is better for accuracies, AUC, precision, recall and F-scores,
 * lower for everything else (losses, errors).
 */
final class Monitor {
    private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);

    /** Which direction improves. */
    enum Mode { MIN, MAX, AUTO }

    private final String name;
    private final boolean higherIsBetter;

    Monitor(String name, Mode mode) {
        this.name = name;
        this.higherIsBetter = switch (mode) {
            case MAX -> true;
            case MIN -> false;
            case AUTO -> {
                String n = name.toLowerCase(Locale.ROOT);
                yield n.endsWith("acc") || n.endsWith("accuracy") || n.endsWith("auc") || n.endsWith("precision")
                    || n.endsWith("recall") || n.contains("f1") || n.contains("fbeta");
            }
        };
    }

    String name() {
        return name;
    }

    boolean higherIsBetter() {
        return higherIsBetter;
    }

    /** The worst possible value, to start comparing from. */
    double worst() {
        return higherIsBetter ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    /** Whether {@code current} beats {@code reference} by more than {@code minDelta}. */
    boolean improves(double current, double reference, double minDelta) {
        return higherIsBetter ? current - Math.abs(minDelta) > reference : current + Math.abs(minDelta) < reference;
    }

    /** The watched value in these logs, or null (with a warning naming what is there). */
    Double read(Map<String, Double> logs, String who) {
        Double v = logs.get(name);
        if (v == null) {
            LOG.warn("{}: '{}' is not in the logs (available: {}); nothing done this epoch.", who, name, logs.keySet());
        }
        return v;
    }
}
