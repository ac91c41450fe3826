package org.seqml.initializers;

import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Makes the starting values of a weight. Keras's {@code kernel_initializer=} and friends; find a
 * built-in one by Keras name with {@link #get}, or construct it to give a seed.
 *
 * <pre>{@code
 * new Dense(64).kernelInitializer(new GlorotUniform(7));
 * new Dense(64).kernelInitializer("he_normal");
 * }</pre>
 */
public interface Initializer {

    /** A new array of this shape and type. */
    INDArray initialize(long[] shape, DataType type);

    /** The Keras name, e.g. "glorot_uniform". */
    String kerasName();

    /** The built-in initializer with this Keras name, drawing its seed from the global stream. */
    static Initializer get(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "glorot_uniform" -> new GlorotUniform();
            case "glorot_normal" -> new GlorotNormal();
            case "he_uniform" -> new HeUniform();
            case "he_normal" -> new HeNormal();
            case "orthogonal" -> new Orthogonal();
            case "uniform", "random_uniform" -> new RandomUniform();
            case "normal", "random_normal" -> new RandomNormal();
            case "zeros" -> new Constant(0.0);
            case "ones" -> new Constant(1.0);
            default -> throw new IllegalArgumentException("Unknown initializer '" + name + "'. Known: glorot_uniform,"
                + " glorot_normal, he_uniform, he_normal, orthogonal, uniform, normal, zeros, ones (or new Constant(v)).");
        };
    }

    /**
     * Keras's fans: for a matrix (in, out) they are in and out; for higher ranks the leading
     * dimensions are the receptive field; a vector counts as both.
     */
    static long[] fans(long[] shape) {
        if (shape.length == 0) {
            return new long[] {1, 1};
        }
        if (shape.length == 1) {
            return new long[] {shape[0], shape[0]};
        }
        long receptive = 1;
        for (int i = 0; i < shape.length - 2; i++) {
            receptive *= shape[i];
        }
        return new long[] {shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive};
    }
}
