package org.seqml.training;

import java.util.Arrays;

/**
 * What a batch's loss is divided by, as Keras's {@code sum_over_batch_size} reduction does: for
 * each output, its unmasked loss elements (samples, or steps of a sequence output; sample weights
 * scale the elements but do not change the count), and the batch's rows (activity
 * regularization penalties are means over rows). When one batch is split into shards that compute
 * their gradients apart (on a cluster), each shard divides by the whole batch's denominators, the
 * sum of the shards' {@code Model.lossDenominators}, and the shards' gradients then add up to the
 * whole batch's gradient.
 *
 * <pre>{@code
 * LossDenominators all = model.lossDenominators(x1, y1, null).plus(model.lossDenominators(x2, y2, null));
 * Gradients g = model.computeGradients(x1, y1, null, all, step).plus(model.computeGradients(x2, y2, null, all, step));
 * model.applyGradients(g.gradient());   // as one fit step on x1 and x2 together
 * }</pre>
 *
 * @param outputs per output of the model, the count its loss is divided by
 * @param rows the batch's samples
 */
public record LossDenominators(double[] outputs, long rows) implements java.io.Serializable {
    public LossDenominators {
        if (outputs == null || outputs.length == 0) {
            throw new IllegalArgumentException("LossDenominators: give one denominator per model output, got none.");
        }
        outputs = outputs.clone();
        for (double d : outputs) {
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("LossDenominators: each must be positive and finite, got "
                    + Arrays.toString(outputs) + ".");
            }
        }
        if (rows <= 0) {
            throw new IllegalArgumentException("LossDenominators: rows must be positive, got " + rows + ".");
        }
    }

    /** The denominators of two shards together. */
    public LossDenominators plus(LossDenominators other) {
        if (other.outputs.length != outputs.length) {
            throw new IllegalArgumentException("LossDenominators: " + outputs.length + " outputs against "
                + other.outputs.length + ": shards of different models?");
        }
        double[] sum = outputs.clone();
        for (int k = 0; k < sum.length; k++) {
            sum[k] += other.outputs[k];
        }
        return new LossDenominators(sum, rows + other.rows);
    }

    @Override
    public double[] outputs() {
        return outputs.clone();
    }

    double output(int k) {
        return outputs[k];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LossDenominators d && d.rows == rows && Arrays.equals(d.outputs, outputs);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(outputs) + Long.hashCode(rows);
    }

    @Override
    public String toString() {
        return "LossDenominators" + Arrays.toString(outputs) + ", rows " + rows;
    }
}
