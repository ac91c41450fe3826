package org.seqml;

import java.util.SplittableRandom;

/**
 * The global seed behind every random choice seqml makes on its own: weight initialization,
 * dropout masks, shuffling, validation splits. Keras's {@code keras.utils.set_random_seed}.
 *
 * <p>After {@code RandomSeed.set(42)}, building and training the same model on the same data gives
 * identical weights on CPU. Each consumer draws its own seed from the stream with {@link #next()},
 * so the order in which layers are built decides which seed each gets, as in Keras.
 *
 * <pre>{@code
 * RandomSeed.set(42);
 * Model model = ...;      // same weights every run
 * }</pre>
 */
public final class RandomSeed {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives
    }

    private static SplittableRandom stream = new SplittableRandom();

    private RandomSeed() {
    }

    /** Restarts the seed stream from {@code seed}. */
    public static synchronized void set(long seed) {
        stream = new SplittableRandom(seed);
    }

    /** The next seed of the stream. */
    public static synchronized long next() {
        return stream.nextLong();
    }
}
