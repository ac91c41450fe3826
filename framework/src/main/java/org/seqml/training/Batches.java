package org.seqml.training;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * How the samples of an epoch are cut into batches: an order (shuffled with a seeded generator,
 * or as given) and, per batch, the rows of every array in that order.
 */
final class Batches {
    private final int[] order;
    private final int batchSize;

    private Batches(int[] order, int batchSize) {
        this.order = order;
        this.batchSize = batchSize;
    }

    /** Samples 0..n-1, shuffled (Fisher-Yates on a seeded generator) or in order. */
    static Batches of(int n, int batchSize, boolean shuffle, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return new Batches(order, batchSize);
    }

    int count() {
        return (order.length + batchSize - 1) / batchSize;
    }

    int size(int batch) {
        return Math.min(batchSize, order.length - batch * batchSize);
    }

    /** The rows of {@code a} in batch {@code batch}: a view when they are consecutive, else a gather. */
    INDArray take(INDArray a, int batch) {
        if (a == null) {
            return null;
        }
        int from = batch * batchSize;
        int to = from + size(batch);
        if (order[to - 1] - order[from] == to - 1 - from && isRun(from, to)) {
            return rows(a, order[from], order[to - 1] + 1);
        }
        int[] picked = java.util.Arrays.copyOfRange(order, from, to);
        long[] shape = a.shape().clone();
        INDArray matrix = a.rank() == 1 ? a.reshape(a.length(), 1) : a.reshape('c', a.size(0), a.length() / a.size(0));
        shape[0] = picked.length;
        return Nd4j.pullRows(matrix, 1, picked).reshape('c', shape);
    }

    private boolean isRun(int from, int to) {
        for (int i = from + 1; i < to; i++) {
            if (order[i] != order[i - 1] + 1) {
                return false;
            }
        }
        return true;
    }

    /** Rows [from, to) of {@code a} as a view. */
    static INDArray rows(INDArray a, long from, long to) {
        INDArrayIndex[] index = new INDArrayIndex[a.rank()];
        index[0] = NDArrayIndex.interval(from, to);
        for (int i = 1; i < index.length; i++) {
            index[i] = NDArrayIndex.all();
        }
        return a.get(index);
    }
}
