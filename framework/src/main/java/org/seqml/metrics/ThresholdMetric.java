package org.seqml.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of the metrics read off a confusion count over every element, a prediction counting as
 * positive above {@code threshold}: {@link Precision} and {@link Recall}.
 */
abstract class ThresholdMetric extends Metric {
    private final double threshold;
    private final Confusion counts = new Confusion();

    ThresholdMetric(String name, double threshold) {
        super(name);
        this.threshold = threshold;
    }

    @Override
    public final void update(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask) {
        INDArray p = rows(yPred.gt(threshold).castTo(yPred.dataType()), 1);
        INDArray y = rows(yTrue.castTo(yPred.dataType()), 1);
        INDArray w = rowWeights(yPred, sampleWeight, mask);
        counts.add(p, y, w == null ? null : w.repeat(1, yPred.size(-1)).reshape(p.length(), 1));
    }

    @Override
    public final double result() {
        if (counts.empty()) {
            return 0.0;
        }
        return ratio(counts.tp().sumNumber().doubleValue(), counts.fp().sumNumber().doubleValue(),
            counts.fn().sumNumber().doubleValue());
    }

    /** The metric from the weighted true positives, false positives and false negatives. */
    abstract double ratio(double tp, double fp, double fn);

    @Override
    public final void reset() {
        counts.reset();
    }
}
