package org.seqml.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;

/**
 * Zeroes a random fraction {@code rate} of its inputs during training and scales the rest so the
 * expected sum is unchanged; at inference it is the identity. Keras's {@code Dropout}:
 * <pre>
 * keep ~ Bernoulli(1 - rate);   y = x * keep / (1 - rate)      (training)
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
        INDArray keep = x.ulike();
        Random r = random();
        r.setSeed(Stochastic.callSeed(config.seed(), calls++));
        Nd4j.getExecutioner().exec(new BernoulliDistribution(keep, 1.0 - config.rate()), r);
        keep.divi(1.0 - config.rate());
        INDArray y = x.mul(keep);
        return single(inputs, masks, y, firstMask(masks), training, keep, y);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        INDArray dy = outputGradient(forward, outputGradients);
        INDArray keep = forward.saved(0);
        return new INDArray[] {keep == null ? dy : dy.mul(keep)};
    }

    /** The keep mask and the output; none when nothing was dropped (the output is the input). */
    @Override
    public INDArray[] stepArrays(Forward forward) {
        return forward.saved(0) == null ? new INDArray[0] : new INDArray[] {forward.saved(0), forward.saved(1)};
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
