package org.seqml.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Applies an activation function as a layer of its own, Keras's {@code Activation}. A mask passes
 * through.
 *
 * <pre>{@code
 * SymbolicTensor p = new Activation("softmax").apply(logits);
 * }</pre>
 */
public final class Activation extends Layer {

    /** The option: the function. */
    public record Config(org.seqml.activations.Activation activation) {
        public Config {
            java.util.Objects.requireNonNull(activation, "Activation: activation");
        }
    }

    private final Config config;

    public Activation(String name) {
        this(org.seqml.activations.Activation.get(name));
    }

    public Activation(org.seqml.activations.Activation activation) {
        this.config = new Config(activation);
    }

    public Config config() {
        return config;
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray y = config.activation().apply(inputs[0]);
        return single(inputs, masks, y, firstMask(masks), training, y);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        INDArray dy = outputGradient(forward, outputGradients);
        return new INDArray[] {config.activation().backward(forward.input(), forward.saved(0), dy)};
    }
}
