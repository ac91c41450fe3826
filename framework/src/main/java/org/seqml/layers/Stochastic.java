package org.seqml.layers;

/**
 * A layer that draws random masks in training (Dropout, recurrent dropout). Each training call
 * draws from a stream seeded by the layer's seed and the number of calls so far, so saving that
 * count (with the model) lets a resumed run draw exactly the masks an unbroken run would have.
 */
public interface Stochastic {

    /** Training calls made so far. */
    long randomCalls();

    /** Continues the random stream as if {@code calls} training calls had been made. */
    void setRandomCalls(long calls);

    /** The seed of call {@code n} of a stream seeded with {@code seed}. */
    static long callSeed(long seed, long n) {
        long z = seed + n * 0x9E3779B97F4A7C15L;   // splitmix64: distinct, well-mixed seeds per call
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
