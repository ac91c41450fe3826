package org.seqml.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Ops;

/**
 * How often the true class is among the {@code k} highest predictions, Keras's
 * {@code TopKCategoricalAccuracy} (one-hot labels) and {@code SparseTopKCategoricalAccuracy}
 * (class ids): a hit when fewer than k classes score above the true one.
 *
 * <pre>{@code
 * new TopKCategoricalAccuracy(5, true)   // sparse labels
 * }</pre>
 */
public final class TopKCategoricalAccuracy extends Mean {
    private final int k;
    private final boolean sparse;

    public TopKCategoricalAccuracy(int k, boolean sparse) {
        super(sparse ? "sparse_top_k_categorical_accuracy" : "top_k_categorical_accuracy");
        this.k = k;
        this.sparse = sparse;
    }

    @Override
    public void update(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask) {
        long classes = yPred.size(-1);
        INDArray p = rows(yPred, classes);
        INDArray oneHot = sparse
            ? Ops.oneHot(yTrue.reshape(p.size(0)), (int) classes, p.dataType())
            : Ops.oneHot(rows(yTrue, classes).argMax(1), (int) classes, p.dataType());
        INDArray truth = p.mul(oneHot).sum(true, 1);                       // the true class's score
        INDArray higher = p.gt(truth.broadcast(p.shape())).castTo(p.dataType()).sum(1);
        INDArray hits = higher.lt(k).castTo(p.dataType());
        long[] shape = java.util.Arrays.copyOf(yPred.shape(), yPred.rank() - 1);
        addValues(hits.reshape(shape), sampleWeight, mask);
    }
}
