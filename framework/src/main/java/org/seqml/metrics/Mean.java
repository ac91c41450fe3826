package org.seqml.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A weighted running mean, the base of metrics that average a per-sample value (Keras's
 * {@code Mean} and {@code MeanMetricWrapper}):
 * <pre>
 * result = sum(value * w) / sum(w),     w = sampleWeight * mask (each 1 when absent)
 * </pre>
 */
public class Mean extends Metric {
    private double total;
    private double count;

    public Mean(String name) {
        super(name);
    }

    /** Adds {@code value} with weight {@code weight} (a batch mean with the batch size, say). */
    public final void add(double value, double weight) {
        total += value * weight;
        count += weight;
    }

    /**
     * Adds per-sample (or per-step) values, weighted; {@code values} has shape (batch) or
     * (batch, time), {@code mask} the same, {@code sampleWeight} (batch).
     */
    protected final void addValues(INDArray values, INDArray sampleWeight, INDArray mask) {
        INDArray w = null;
        if (mask != null) {
            w = mask.castTo(values.dataType()).reshape(values.shape());
        }
        if (sampleWeight != null) {
            INDArray sw = sampleWeight.castTo(values.dataType());
            INDArray full = values.rank() == 1 ? sw.reshape(values.shape())
                : sw.reshape(sw.length(), 1).broadcast(values.shape());
            w = w == null ? full.dup() : w.mul(full);
        }
        if (w == null) {
            add(values.sumNumber().doubleValue() / values.length(), values.length());
        } else {
            double weight = w.sumNumber().doubleValue();
            total += values.mul(w).sumNumber().doubleValue();
            count += weight;
        }
    }

    /** For subclasses: the default update takes yPred as the values (a plain mean). */
    @Override
    public void update(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask) {
        addValues(yPred, sampleWeight, mask);
    }

    @Override
    public final double result() {
        return count == 0 ? 0.0 : total / count;
    }

    @Override
    public final void reset() {
        total = 0;
        count = 0;
    }
}
