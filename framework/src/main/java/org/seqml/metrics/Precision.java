package org.seqml.metrics;

/**
 * The fraction of positive predictions that are right, Keras's {@code Precision}:
 * {@code tp / (tp + fp)} over every element, a prediction counting as positive above
 * {@code threshold} (0.5). Mask and sample weights weigh each element.
 *
 * <pre>{@code
 * model.compile(new Adam(), "binary_crossentropy", "precision", "recall");
 * }</pre>
 */
public final class Precision extends ThresholdMetric {

    public Precision() {
        this(0.5);
    }

    public Precision(double threshold) {
        super("precision", threshold);
    }

    @Override
    double ratio(double tp, double fp, double fn) {
        return tp + fp == 0 ? 0.0 : tp / (tp + fp);
    }
}
