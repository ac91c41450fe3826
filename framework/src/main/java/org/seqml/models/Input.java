package org.seqml.models;

import java.util.List;
import org.seqml.Shape;
import org.seqml.layers.InputLayer;

/**
 * The entry of a Functional model, Keras's {@code keras.Input(shape=...)}: the shape of one
 * sample, without the batch dimension; {@link Shape#UNKNOWN} leaves a dimension free.
 *
 * <pre>{@code
 * SymbolicTensor tokens = Input.of(Shape.UNKNOWN);          // (None, None): token ids of any length
 * SymbolicTensor series = Input.of("series", 100, 3);       // (None, 100, 3), named
 * }</pre>
 */
public final class Input {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives
    }

    private Input() {
    }

    /** An input whose samples have the given shape (batch dimension added, unknown). */
    public static SymbolicTensor of(long... sampleShape) {
        return create(new InputLayer(Shape.batchOf(sampleShape)));
    }

    /** A named input whose samples have the given shape. */
    public static SymbolicTensor of(String name, long... sampleShape) {
        return create(new InputLayer(Shape.batchOf(sampleShape)).named(name));
    }

    private static SymbolicTensor create(InputLayer layer) {
        layer.build(List.of(layer.shape()));
        return new Node(layer, List.of(), List.of(layer.shape())).outputs().get(0);
    }
}
