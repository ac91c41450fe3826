package org.seqml.models;

import org.seqml.Shape;

/**
 * A placeholder for a tensor in a Functional graph: its shape and the layer call that produces
 * it. Keras's {@code KerasTensor}. Made by {@link Input#of} and by {@code layer.apply(...)}.
 *
 * <pre>{@code
 * SymbolicTensor x = Input.of(Shape.UNKNOWN, 8);   // (None, None, 8)
 * SymbolicTensor h = new Dense(4).apply(x);          // (None, None, 4)
 * }</pre>
 */
public final class SymbolicTensor {
    private final Shape shape;
    private final Node node;
    private final int index;

    SymbolicTensor(Shape shape, Node node, int index) {
        this.shape = shape;
        this.node = node;
        this.index = index;
    }

    /** The shape, batch dimension first (unknown). */
    public Shape shape() {
        return shape;
    }

    /** The layer call that produces this tensor. */
    public Node node() {
        return node;
    }

    /** Which output of its node this is. */
    public int index() {
        return index;
    }

    @Override
    public String toString() {
        return "SymbolicTensor(" + node.layer().name() + (node.outputs().size() > 1 ? "[" + index + "]" : "")
            + ", shape=" + shape + ")";
    }
}
