package org.seqml.models;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;
import org.seqml.layers.Layer;

/**
 * A plain stack of single-input, single-output layers, Keras's {@code Sequential}: each layer
 * reads the previous one's output. It is a chain on the same graph engine as {@link Model}; the
 * shapes flow from the Input, so no layer is told its input size.
 *
 * <pre>{@code
 * Sequential model = new Sequential(Input.of(Shape.UNKNOWN),
 *     new Embedding(10000, 64).maskZero(true),
 *     new GlobalAveragePooling1D(),
 *     new Dense(1).activation("sigmoid"));
 * model.compile("adam", "binary_crossentropy", "accuracy");
 * }</pre>
 * Without an Input the model builds itself from the first data it sees, as Keras does.
 */
public final class Sequential extends Model {
    private final List<Layer> stack = new ArrayList<>();
    private SymbolicTensor input;
    private SymbolicTensor last;

    public Sequential() {
        super(null, "sequential");
    }

    /** A stack that starts at {@code input}. */
    public Sequential(SymbolicTensor input, Layer... layers) {
        this(null, input, layers);
    }

    /** A named stack that starts at {@code input}. */
    public Sequential(String name, SymbolicTensor input, Layer... layers) {
        super(name, "sequential");
        add(input);
        for (Layer l : layers) {
            add(l);
        }
    }

    /** A stack that takes its input shape from the first data it sees. */
    public Sequential(Layer... layers) {
        this();
        for (Layer l : layers) {
            add(l);
        }
    }

    /** Sets the input; only as the first thing added. */
    public Sequential add(SymbolicTensor inputTensor) {
        if (input != null || !stack.isEmpty()) {
            throw new IllegalStateException("Sequential '" + name() + "': the Input must be added first, and only once.");
        }
        this.input = inputTensor;
        this.last = inputTensor;
        return this;
    }

    /** Appends a layer; with a known input it is built at once, so a shape error shows here. */
    public Sequential add(Layer layer) {
        stack.add(layer);
        if (last != null) {
            chain(layer);
            setGraph(new Graph(List.of(input), List.of(last)));
        }
        return this;
    }

    private void chain(Layer layer) {
        List<SymbolicTensor> outs = layer.applyAll(last);
        if (outs.size() != 1) {
            throw new IllegalArgumentException(layer.describe() + " has " + outs.size() + " outputs; a Sequential"
                + " model needs single-output layers. Use the Functional API (Model) for this layer.");
        }
        last = outs.get(0);
    }

    /** The layers added, in order (without the input). */
    public List<Layer> stack() {
        return Collections.unmodifiableList(stack);
    }

    /** Builds from the first data's shape, once, even when threads predict at once. */
    @Override
    public Graph graphFor(INDArray[] x) {
        if (hasGraph()) {
            return graph();
        }
        return build(x);
    }

    private synchronized Graph build(INDArray[] x) {
        if (!hasGraph()) {
            if (stack.isEmpty()) {
                throw new IllegalStateException("Sequential '" + name() + "' has no layers: add some before using it.");
            }
            if (x.length != 1) {
                throw new IllegalArgumentException("Sequential '" + name() + "' takes one input array, got " + x.length + ".");
            }
            long[] sample = Shape.of(x[0].shape()).sample().dims();
            input = Input.of(sample);
            last = input;
            for (Layer l : stack) {
                chain(l);
            }
            setGraph(new Graph(List.of(input), List.of(last)));   // whole, never a part of it
        }
        return graph();
    }

    /** The first layer; before the model is built too, so that raw texts can build it. */
    @Override
    protected Layer entranceLayer() {
        return hasGraph() ? super.entranceLayer() : stack.isEmpty() ? null : stack.get(0);
    }

    /** The layers in order, without the input layer, as Keras's {@code Sequential.layers}. */
    @Override
    public List<Layer> layers() {
        return super.layers().stream().filter(l -> !(l instanceof org.seqml.layers.InputLayer)).toList();
    }
}
