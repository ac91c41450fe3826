package org.seqml.initializers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;

/**
 * Base of the random initializers: one seed, given or drawn from {@link RandomSeed} when the
 * initializer is made, so an initializer (and a layer built with it) gives the same values
 * every time.
 */
abstract class Seeded implements Initializer {
    private final long seed;

    Seeded() {
        this(RandomSeed.next());
    }

    Seeded(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    /** Fills a new array of {@code shape} by {@code draw} (an {@code Ops} draw) on ND4J's RNG seeded with {@link #seed()}. */
    protected final INDArray sample(long[] shape, DataType type, java.util.function.BiConsumer<INDArray, Random> draw) {
        INDArray out = Nd4j.create(type, shape);
        try (Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed)) {
            draw.accept(out, rng);
        } catch (Exception e) {
            throw new IllegalStateException("random initialization failed", e);
        }
        return out;
    }
}
