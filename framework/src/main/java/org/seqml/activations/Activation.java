package org.seqml.activations;

import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An element-wise (or, for softmax, last-axis) function applied by a layer, with its derivative.
 * Keras's {@code activation=} argument. Implement this interface to plug in your own; the
 * built-in ones are the {@link Activations} constants, found by Keras name with {@link #get}.
 *
 * <pre>{@code
 * new Dense(64).activation("relu");
 * new Dense(64).activation(Activations.GELU);
 * }</pre>
 */
public interface Activation {

    /** The Keras name, e.g. "relu". */
    String kerasName();

    /** y = f(x), as a new array. */
    INDArray apply(INDArray x);

    /**
     * y = f(x) written into {@code out} (same shape; may be a view). The built-in element-wise
     * activations write directly, so recurrent steps allocate nothing here.
     */
    default void applyTo(INDArray x, INDArray out) {
        out.assign(apply(x));
    }

    /**
     * dL/dx from the input {@code x}, the output {@code y = f(x)} and dL/dy. Implementations read
     * whichever of x and y makes the derivative cheapest; neither is modified.
     */
    INDArray backward(INDArray x, INDArray y, INDArray dy);

    /**
     * dL/dx written into {@code out} (same shape; may be a view); the built-in sigmoid and tanh do
     * it in one native op from x, so recurrent steps allocate nothing here.
     */
    default void backwardTo(INDArray x, INDArray y, INDArray dy, INDArray out) {
        out.assign(backward(x, y, dy));
    }

    /**
     * The built-in activation with this Keras name. {@code "hard_sigmoid"} is Keras 3's
     * definition; {@code "hard_sigmoid_keras2"} is Keras 2's (used for importing old files).
     */
    static Activation get(String name) {
        if (name == null) {
            return Activations.LINEAR;
        }
        String key = name.toUpperCase(Locale.ROOT);
        for (Activations a : Activations.values()) {
            if (a.name().equals(key)) {
                return a;
            }
        }
        if (key.equals("NONE")) {
            return Activations.LINEAR;
        }
        throw new IllegalArgumentException("Unknown activation '" + name + "'. Known: linear, relu, sigmoid, tanh,"
            + " softmax, hard_sigmoid, hard_sigmoid_keras2, gelu, swish (or silu).");
    }
}
