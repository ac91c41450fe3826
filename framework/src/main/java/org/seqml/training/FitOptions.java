package org.seqml.training;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.callbacks.Callback;

/**
 * The arguments of {@code fit}, with Keras's defaults: batch size 32, 1 epoch, shuffling on, no
 * validation, verbose chosen from the console (1: a progress bar on a terminal, 2: one line per
 * epoch otherwise, 0: silent).
 *
 * <pre>{@code
 * model.fit(x, y, new FitOptions().batchSize(64).epochs(10).validationSplit(0.1));
 * model.fit(x, y, new FitOptions().epochs(5).validationData(xVal, yVal).callbacks(myCallback));
 * }</pre>
 */
public final class FitOptions {
    int batchSize = 32;
    int epochs = 1;
    int initialEpoch;
    int verbose = -1;
    boolean shuffle = true;
    double validationSplit;
    INDArray[] validationX;
    org.seqml.data.Dataset validationDataset;
    INDArray[] validationY;
    INDArray sampleWeight;
    java.util.Map<Integer, Double> classWeight;
    final List<Callback> callbacks = new ArrayList<>();
    java.io.PrintStream out = System.out;

    /** The batch size set (32 unless changed). */
    public int batchSize() {
        return batchSize;
    }

    /** Whether each epoch shuffles (true unless changed). */
    public boolean shuffle() {
        return shuffle;
    }

    /**
     * Refuses the options that only arrays have (validationSplit, sampleWeight, classWeight,
     * validation arrays), for a trainer that reads examples from elsewhere ({@code call}).
     */
    public void requireOnlyDatasetOptions(String call) {
        if (validationSplit > 0 || sampleWeight != null || classWeight != null || validationX != null) {
            throw new IllegalArgumentException(call + ": validationSplit, sampleWeight, classWeight and validation"
                + " arrays are fit's options for arrays; give validation data as a Dataset"
                + " (validationData(Dataset)) and sample weights inside the examples' batches.");
        }
    }

    public FitOptions batchSize(int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("fit: batchSize must be positive, got " + value);
        }
        this.batchSize = value;
        return this;
    }

    public FitOptions epochs(int value) {
        if (value < 0) {
            throw new IllegalArgumentException("fit: epochs must be >= 0, got " + value);
        }
        this.epochs = value;
        return this;
    }

    /** The epoch to start from (0-based), for resuming: epochs counts from 0 as in Keras. */
    public FitOptions initialEpoch(int value) {
        this.initialEpoch = value;
        return this;
    }

    /** 0 silent, 1 progress bar, 2 one line per epoch. */
    public FitOptions verbose(int value) {
        if (value < 0 || value > 2) {
            throw new IllegalArgumentException("fit: verbose is 0, 1 or 2, got " + value);
        }
        this.verbose = value;
        return this;
    }

    public FitOptions shuffle(boolean value) {
        this.shuffle = value;
        return this;
    }

    /** Holds out the last fraction of the samples (before shuffling) for validation, as Keras does. */
    public FitOptions validationSplit(double value) {
        if (!(value >= 0 && value < 1)) {   // NaN too
            throw new IllegalArgumentException("fit: validationSplit must be in [0, 1), got " + value);
        }
        this.validationSplit = value;
        return this;
    }

    public FitOptions validationData(INDArray x, INDArray y) {
        return validationData(new INDArray[] {x}, new INDArray[] {y});
    }

    public FitOptions validationData(INDArray[] x, INDArray[] y) {
        this.validationX = x;
        this.validationY = y;
        return this;
    }

    /** Validation batches from a Dataset (evaluated in order after every epoch). */
    public FitOptions validationData(org.seqml.data.Dataset data) {
        this.validationDataset = data;
        return this;
    }

    /** One weight per training sample, multiplying its loss. */
    public FitOptions sampleWeight(INDArray weights) {
        this.sampleWeight = weights;
        return this;
    }

    /**
     * A weight per class, multiplying each sample's loss by its class's weight (Keras's
     * class_weight); classes not listed weigh 1. For one output with labels (batch,), (batch, 1)
     * (binary or class ids) or one-hot (batch, classes).
     */
    public FitOptions classWeight(java.util.Map<Integer, Double> weights) {
        this.classWeight = java.util.Map.copyOf(weights);
        return this;
    }

    public FitOptions callbacks(Callback... values) {
        this.callbacks.addAll(List.of(values));
        return this;
    }

    /** Where the progress bar writes (System.out by default). */
    public FitOptions output(java.io.PrintStream stream) {
        this.out = stream;
        return this;
    }

    /** A copy, for a caller that changes what the loop sees (the Distiller's labels). */
    FitOptions copy() {
        FitOptions c = new FitOptions();
        c.batchSize = batchSize;
        c.epochs = epochs;
        c.initialEpoch = initialEpoch;
        c.verbose = verbose;
        c.shuffle = shuffle;
        c.validationSplit = validationSplit;
        c.validationX = validationX;
        c.validationDataset = validationDataset;
        c.validationY = validationY;
        c.sampleWeight = sampleWeight;
        c.classWeight = classWeight;
        c.callbacks.addAll(callbacks);
        c.out = out;
        return c;
    }
}
