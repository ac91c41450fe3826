package org.seqml.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One batch for the training loop: one array per model input, one label array per output, and
 * optional per-sample weights.
 *
 * @param x            the inputs, batch dimension first
 * @param y            the labels (empty for prediction)
 * @param sampleWeight one weight per sample, or null
 */
public record Batch(INDArray[] x, INDArray[] y, INDArray sampleWeight) {

    public long size() {
        return x[0].size(0);
    }
}
