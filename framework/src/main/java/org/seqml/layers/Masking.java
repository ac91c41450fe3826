package org.seqml.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;

/**
 * Marks time steps whose features all equal {@code maskValue} as padding, Keras's
 * {@code Masking}: later layers skip them, and their values are zeroed.
 * <pre>
 * mask[b, t] = any_f (x[b, t, f] != maskValue);    y = x * mask
 * </pre>
 *
 * <pre>{@code
 * SymbolicTensor kept = new Masking(0.0).apply(paddedSeries);   // (None, None, 42)
 * }</pre>
 */
public final class Masking extends Layer {

    /** The option: the value that marks a padded step. */
    public record Config(double maskValue) {
    }

    private final Config config;

    public Masking() {
        this(0.0);
    }

    public Masking(double maskValue) {
        this.config = new Config(maskValue);
    }

    public Config config() {
        return config;
    }

    @Override
    protected void checkInputShape(Shape shape) {
        requireRank(shape, 3, "(batch, time, features)", "Masking marks time steps of sequences.");
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray x = inputs[0];
        INDArray mask = x.neq(config.maskValue()).castTo(x.dataType()).max(2);   // (batch, time): any feature differs
        INDArray m3 = mask.reshape(mask.size(0), mask.size(1), 1).broadcast(x.shape());
        return single(inputs, masks, x.mul(m3), mask, training, m3);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        return new INDArray[] {outputGradient(forward, outputGradients).mul(forward.saved(0))};
    }
}
