package org.seqml.callbacks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The record of a {@code fit}: each logged quantity per epoch. Keras's {@code History}, returned
 * by {@code fit}.
 *
 * <pre>{@code
 * History h = model.fit(x, y, 32, 10);
 * List<Double> losses = h.get("loss");
 * double last = h.last("val_accuracy");
 * }</pre>
 */
public final class History extends Callback {
    private final Map<String, List<Double>> history = new LinkedHashMap<>();
    private final List<Integer> epochs = new ArrayList<>();

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        epochs.add(epoch);
        for (Map.Entry<String, Double> e : logs.entrySet()) {
            history.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
    }

    /** The values of one quantity, one per epoch. */
    public List<Double> get(String name) {
        List<Double> values = history.get(name);
        if (values == null) {
            throw new IllegalArgumentException("History has no '" + name + "'; it has " + history.keySet() + ".");
        }
        return Collections.unmodifiableList(values);
    }

    /** The last epoch's value of one quantity. */
    public double last(String name) {
        List<Double> values = get(name);
        return values.get(values.size() - 1);
    }

    /** Every logged quantity, in the order first logged. */
    public Map<String, List<Double>> history() {
        return Collections.unmodifiableMap(history);
    }

    /** The epochs (0-based) that were recorded. */
    public List<Integer> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    @Override
    public String toString() {
        return "History" + history;
    }
}
