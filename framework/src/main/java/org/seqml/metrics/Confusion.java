package org.seqml.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Weighted true positives, false positives and false negatives per class (column), accumulated
 * over batches: what precision, recall and F-scores are made of.
 */
final class Confusion {
    private INDArray tp;
    private INDArray fp;
    private INDArray fn;

    /** Adds a batch of 0/1 predictions and labels, (rows, classes), with optional row weights. */
    void add(INDArray predicted, INDArray labels, INDArray rowWeights) {
        INDArray p = rowWeights == null ? predicted : predicted.mulColumnVector(rowWeights);
        INDArray notPredicted = predicted.rsub(1.0);
        if (rowWeights != null) {
            notPredicted.muliColumnVector(rowWeights);
        }
        INDArray batchTp = p.mul(labels).sum(0);
        INDArray batchFp = p.mul(labels.rsub(1.0)).sum(0);
        INDArray batchFn = notPredicted.mul(labels).sum(0);
        tp = tp == null ? batchTp : tp.addi(batchTp);
        fp = fp == null ? batchFp : fp.addi(batchFp);
        fn = fn == null ? batchFn : fn.addi(batchFn);
    }

    boolean empty() {
        return tp == null;
    }

    INDArray tp() {
        return tp;
    }

    INDArray fp() {
        return fp;
    }

    INDArray fn() {
        return fn;
    }

    void reset() {
        tp = null;
        fp = null;
        fn = null;
    }

    /** a / b element-wise, 0 where b is 0. */
    static INDArray safeDivide(INDArray a, INDArray b) {
        INDArray zero = b.eq(0).castTo(b.dataType());
        return a.div(b.add(zero)).muli(zero.rsub(1.0));
    }
}
