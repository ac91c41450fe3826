package org.seqml.data;

import java.util.Iterator;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where {@code fit}, {@code evaluate} and {@code predict} get their batches, tf.data-style: from
 * arrays in memory, or from a stream of examples too large for memory, read anew each epoch.
 * <pre>
 * arrays:   Dataset.fromArrays(x, y).batch(32).shuffle(true)
 * stream:   Dataset.fromExamples(() -> readExamples()).shuffle(1000).paddedBatch(32).prefetch(2)
 *           Dataset.fromExamples(...).bucketByLength(new int[] {10, 20, 40}, new int[] {64, 32, 16, 8})
 * </pre>
 * Shuffling is seeded per epoch by the trainer (from the model's seed and the epoch number), so
 * {@code fit} on a Dataset and on the same arrays gives the same result, and a resumed run
 * shuffles as an unbroken one.
 */
public abstract class Dataset {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives, whichever class comes first
    }


    /** The batches of one epoch; {@code epochSeed} seeds any shuffling. */
    public abstract Iterator<Batch> batches(long epochSeed);

    /** Batches per epoch when known (arrays), else -1 (streams). */
    public int steps() {
        return -1;
    }

    /** A background thread keeps {@code buffer} batches ready while the model trains. */
    public Dataset prefetch(int buffer) {
        return new Prefetch(this, buffer);
    }

    /** Arrays in memory, one input and one output. */
    public static ArrayDataset fromArrays(INDArray x, INDArray y) {
        return new ArrayDataset(new INDArray[] {x}, new INDArray[] {y}, null);
    }

    /** Arrays in memory: one per input, one per output, optional per-sample weights. */
    public static ArrayDataset fromArrays(INDArray[] x, INDArray[] y, INDArray sampleWeight) {
        return new ArrayDataset(x, y, sampleWeight);
    }

    /**
     * A stream of examples of any length, read anew each epoch from {@code source} (a file reader,
     * a generator): nothing is held in memory beyond the shuffle buffer and the batches ahead.
     */
    public static StreamDataset fromExamples(Supplier<Iterator<Example>> source) {
        return new StreamDataset(source, 0, null);
    }

    /**
     * Examples {@code 0 .. count - 1}, made by {@code example} only as they are drawn, so a large
     * set can stay in compact Java arrays (109k pairs held as ND4J arrays kept ~5M objects live, and
     * every collection marked them). A shuffle over the whole set permutes the indices with the
     * epoch seed instead of filling a buffer with examples.
     */
    public static StreamDataset fromIndexed(int count, IntFunction<Example> example) {
        return new StreamDataset(() -> IntStream.range(0, count).mapToObj(example).iterator(), count, example);
    }
}
