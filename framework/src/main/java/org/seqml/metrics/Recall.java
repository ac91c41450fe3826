package org.seqml.metrics;

/**
 * The fraction of positives that are found, Keras's {@code Recall}: {@code tp / (tp + fn)} over
 * every element, a prediction counting as positive above {@code threshold} (0.5). Mask and sample
 * weights weigh each element.
 *
 * <pre>{@code
 * model.compile(new Adam(), "binary_crossentropy", "recall");
 * }</pre>
 */
public final class Recall extends ThresholdMetric {

    public Recall() {
        this(0.5);
    }

    public Recall(double threshold) {
        super("recall", threshold);
    }

    @Override
    double ratio(double tp, double fp, double fn) {
        return tp + fn == 0 ? 0.0 : tp / (tp + fn);
    }
}
