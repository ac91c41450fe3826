package org.seqml.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.CallScope;
import org.seqml.backend.Ops;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;

/**
 * Zeroes a random fraction {@code rate} of its inputs during training and scales the rest so the
 * expected sum is unchanged; at inference it is the identity. Keras's {@code Dropout}:
 * <pre>
 * keep ~ Bernoulli(1 - rate);   y = x * keep / (1 - rate)      (training)
 * dL/dx = dL/dy * keep / (1 - rate)                              (the same keep, drawn again)
 * y = x                                                          (inference)
 * </pre>
 * A mask passes through.
 *
 * <pre>{@code
 * SymbolicTensor h = new Dropout(0.5).apply(x);
 * }</pre>
 */
public final class Dropout extends Layer implements Stochastic {

    /** The options: the drop rate in [0, 1) and the seed of this layer's own random stream. */
    public record Config(double rate, long seed) {
        public Config {
            if (rate < 0 || rate >= 1) {
                throw new IllegalArgumentException("Dropout: rate must be in [0, 1), got " + rate);
            }
        }
    }

    private final Config config;
    private Random rng;
    private long calls;

    public Dropout(double rate) {
        this(new Config(rate, RandomSeed.next()));
    }

    public Dropout(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    public Dropout seed(long seed) {
        return sameName(new Dropout(with(config, "seed", seed)));
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray x = inputs[0];
        if (!training || config.rate() == 0) {
            return single(inputs, masks, x, firstMask(masks), training, (INDArray) null);
        }
        // one pass (ND4J's inverted dropout: draw, zero and scale) instead of a Bernoulli draw, a
        // division and a product; the keep mask is never stored: the backward draws it again
        // from the same seed (the draw depends only on the seed and the element's position)
        long seed = Stochastic.callSeed(config.seed(), calls++);
        INDArray y = dropped(x, seed);
        return single(inputs, masks, y, firstMask(masks), training, Nd4j.scalar(seed), y);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        INDArray dy = outputGradient(forward, outputGradients);
        INDArray seed = forward.saved(0);
        return new INDArray[] {seed == null ? dy : dropped(dy, seed.getLong(0))};
    }

    /** {@code a * keep / (1 - rate)} with the keep mask that {@code seed} draws, c order. */
    private INDArray dropped(INDArray a, long seed) {
        INDArray in = a.ordering() == 'c' && !a.isView() ? a : a.dup('c');
        INDArray out = CallScope.uninitialized(in.dataType(), in.shape());
        Random r = random();
        r.setSeed(seed);
        Ops.dropoutInverted(in, out, 1.0 - config.rate(), r);
        return out;
    }

    @Override
    public long randomCalls() {
        return calls;
    }

    @Override
    public void setRandomCalls(long value) {
        this.calls = value;
    }

    /** The layer's random generator, reseeded for every call. */
    private Random random() {
        if (rng == null) {
            rng = Nd4j.getRandomFactory().getNewRandomInstance(config.seed());
        }
        return rng;
    }
}
