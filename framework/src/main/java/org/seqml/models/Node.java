package org.seqml.models;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.seqml.Shape;
import org.seqml.layers.Layer;

/**
 * One call of a layer in a Functional graph: the layer, the tensors it was called on and the
 * tensors it produced. A layer called twice (shared) has two nodes and one set of weights.
 */
public final class Node {
    private final Layer layer;
    private final List<SymbolicTensor> inputs;
    private final List<SymbolicTensor> outputs;

    /** Made by {@link Layer#applyAll}; creates the output tensors from their shapes. */
    public Node(Layer layer, List<SymbolicTensor> inputs, List<Shape> outputShapes) {
        this.layer = layer;
        this.inputs = List.copyOf(inputs);
        List<SymbolicTensor> outs = new ArrayList<>();
        for (int i = 0; i < outputShapes.size(); i++) {
            outs.add(new SymbolicTensor(outputShapes.get(i), this, i));
        }
        this.outputs = Collections.unmodifiableList(outs);
    }

    public Layer layer() {
        return layer;
    }

    public List<SymbolicTensor> inputs() {
        return inputs;
    }

    public List<SymbolicTensor> outputs() {
        return outputs;
    }
}
