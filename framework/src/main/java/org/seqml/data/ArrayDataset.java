package org.seqml.data;

import java.util.ArrayList;
import java.util.List;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Batches cut from arrays in memory: an order per epoch (shuffled with a seeded generator, or
 * as given) and, per batch, those rows of every array (a view when they are consecutive, else one
 * gather).
 *
 * <pre>{@code
 * model.fit(Dataset.fromArrays(x, y).batch(64).shuffle(true), new FitOptions().epochs(5));
 * }</pre>
 */
public final class ArrayDataset extends Dataset {
    private final INDArray[] x;
    private final INDArray[] y;
    private final INDArray sampleWeight;
    private int batchSize = 32;
    private boolean shuffle = true;

    ArrayDataset(INDArray[] x, INDArray[] y, INDArray sampleWeight) {
        if (x.length == 0 || x[0] == null) {
            throw new IllegalArgumentException("Dataset.fromArrays: give one input array at least");
        }
        long n = x[0].size(0);
        List<INDArray> all = new ArrayList<>(java.util.Arrays.asList(x));
        all.addAll(java.util.Arrays.asList(y));
        all.add(sampleWeight);
        for (INDArray a : all) {
            if (a != null && a.dataType() == org.nd4j.linalg.api.buffer.DataType.UTF8) {
                throw new IllegalArgumentException("Dataset.fromArrays: an array holds strings (UTF8), which cannot be"
                    + " batched or cast to numbers. Vectorize texts first: TextVectorization.apply(texts) gives ids.");
            }
            if (a != null && a.rank() > 0 && a.size(0) != n) {
                throw new IllegalArgumentException("Dataset.fromArrays: an array has " + a.size(0) + " samples but the"
                    + " first input has " + n + ". Every array needs one row per sample.");
            }
        }
        this.x = x;
        this.y = y;
        this.sampleWeight = sampleWeight;
    }

    public ArrayDataset batch(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("Dataset.batch: the batch size must be positive, got " + size);
        }
        this.batchSize = size;
        return this;
    }

    public ArrayDataset shuffle(boolean value) {
        this.shuffle = value;
        return this;
    }

    public INDArray[] x() {
        return x;
    }

    public INDArray[] y() {
        return y;
    }

    public long samples() {
        return x[0].size(0);
    }

    @Override
    public int steps() {
        return (int) ((samples() + batchSize - 1) / batchSize);
    }

    @Override
    public Iterator<Batch> batches(long epochSeed) {
        int n = (int) samples();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(epochSeed);
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return new Iterator<>() {
            private int from;

            @Override
            public boolean hasNext() {
                return from < n;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int to = Math.min(from + batchSize, n);
                Batch b = new Batch(take(x, order, from, to), y == null ? new INDArray[0] : take(y, order, from, to),
                    sampleWeight == null ? null : take(sampleWeight, order, from, to));
                from = to;
                return b;
            }
        };
    }

    private static INDArray[] take(INDArray[] arrays, int[] order, int from, int to) {
        INDArray[] out = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            out[i] = take(arrays[i], order, from, to);
        }
        return out;
    }

    private static INDArray take(INDArray a, int[] order, int from, int to) {
        boolean run = true;
        for (int i = from + 1; i < to && run; i++) {
            run = order[i] == order[i - 1] + 1;
        }
        if (run) {
            return rows(a, order[from], order[to - 1] + 1);
        }
        int[] picked = java.util.Arrays.copyOfRange(order, from, to);
        long[] shape = a.shape().clone();
        INDArray matrix = a.rank() == 1 ? a.reshape(a.length(), 1) : a.reshape('c', a.size(0), a.length() / a.size(0));
        shape[0] = picked.length;
        return Nd4j.pullRows(matrix, 1, picked).reshape('c', shape);
    }

    /** Rows [from, to) of {@code a} as a view. */
    public static INDArray rows(INDArray a, long from, long to) {
        INDArrayIndex[] index = new INDArrayIndex[a.rank()];
        index[0] = NDArrayIndex.interval(from, to);
        for (int i = 1; i < index.length; i++) {
            index[i] = NDArrayIndex.all();
        }
        return a.get(index);
    }
}
