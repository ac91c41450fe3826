package org.seqml.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.CallScope;
import org.seqml.layers.Forward;
import org.seqml.layers.InputLayer;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;
import org.seqml.layers.SoftmaxOutput;
import org.seqml.regularizers.Regularizer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine under every model: the layer calls between the inputs and the outputs in an order
 * where each call comes after the calls it reads, with the forward pass (arrays in, arrays and
 * masks out) and the backward pass (output gradients in, weight gradients accumulated).
 * {@link Sequential} is a chain built on the same engine.
 */
public final class Graph {
    private final List<SymbolicTensor> inputs;
    private final List<SymbolicTensor> outputs;
    private final List<Node> nodes;
    private final List<Layer> layers;

    /** What one forward pass computed: the value and mask of every tensor, and each call's Forward. */
    public static final class Run {
        private final Map<SymbolicTensor, INDArray> values = new HashMap<>();
        private final Map<SymbolicTensor, INDArray> masks = new HashMap<>();
        private final Map<Node, Forward> forwards = new HashMap<>();
        private final List<SymbolicTensor> outputTensors;
        /** The call that owns this run's arrays (null outside one): backward needs it still open. */
        private final CallScope scope = CallScope.current();
        private double activityPenalty;
        /** What backward divides activity penalties' gradients by: the batch's rows unless a larger batch's. */
        private long activityRows;

        private Run(List<SymbolicTensor> outputTensors) {
            this.outputTensors = outputTensors;
        }

        public INDArray[] outputs() {
            return outputTensors.stream().map(values::get).toArray(INDArray[]::new);
        }

        /** The sum of the layers' activity-regularization penalties in this run. */
        public double activityPenalty() {
            return activityPenalty;
        }

        /**
         * Makes backward divide the activity penalties' gradients by {@code rows}, a larger
         * batch's rows of which this run's batch is a shard (by default its own rows).
         */
        public void divideActivityBy(long rows) {
            if (rows <= 0) {
                throw new IllegalArgumentException("rows must be positive, got " + rows);
            }
            activityRows = rows;
        }

        /** The outputs' masks (null entries where an output has none). */
        public INDArray[] outputMasks() {
            return outputTensors.stream().map(masks::get).toArray(INDArray[]::new);
        }
    }

    public Graph(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
        if (inputs.isEmpty() || outputs.isEmpty()) {
            throw new IllegalArgumentException("A model needs at least one input and one output.");
        }
        for (SymbolicTensor t : inputs) {
            if (!(t.node().layer() instanceof InputLayer)) {
                throw new IllegalArgumentException("Model inputs must come from Input.of(...), got " + t + ".");
            }
        }
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.nodes = order();
        Set<Layer> seen = new LinkedHashSet<>();
        for (SymbolicTensor t : inputs) {
            seen.add(t.node().layer());
        }
        for (Node n : nodes) {
            seen.add(n.layer());
        }
        this.layers = List.copyOf(seen);
    }

    /** Depth-first from the outputs; post-order puts each call after its inputs' calls. */
    private List<Node> order() {
        Set<Node> sources = new HashSet<>();
        for (SymbolicTensor t : inputs) {
            sources.add(t.node());
        }
        List<Node> ordered = new ArrayList<>();
        Set<Node> done = new HashSet<>();
        for (SymbolicTensor t : outputs) {
            visit(t.node(), sources, done, new HashSet<>(), ordered);
        }
        return List.copyOf(ordered);
    }

    private void visit(Node node, Set<Node> sources, Set<Node> done, Set<Node> onPath, List<Node> ordered) {
        if (done.contains(node) || sources.contains(node)) {
            return;
        }
        if (node.layer() instanceof InputLayer) {
            throw new IllegalArgumentException("Graph disconnected: the outputs depend on input '"
                + node.layer().name() + "', which is not among the model's inputs " + inputNames() + ". Pass it to"
                + " the Model constructor.");
        }
        onPath.add(node);
        for (SymbolicTensor in : node.inputs()) {
            visit(in.node(), sources, done, onPath, ordered);
        }
        onPath.remove(node);
        done.add(node);
        ordered.add(node);
    }

    private List<String> inputNames() {
        return inputs.stream().map(t -> t.node().layer().name()).toList();
    }

    public List<SymbolicTensor> inputs() {
        return inputs;
    }

    public List<SymbolicTensor> outputs() {
        return outputs;
    }

    /** The layer calls in execution order (inputs excluded). */
    public List<Node> nodes() {
        return nodes;
    }

    /** Each layer once, inputs first, in execution order. */
    public List<Layer> layers() {
        return layers;
    }

    /** Every weight of every layer, each once even when its layer is shared. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (Layer l : layers) {
            all.addAll(l.weights());
        }
        return all;
    }

    /** Runs the graph on one array per input. */
    public Run forward(INDArray[] x, boolean training) {
        if (x.length != inputs.size()) {
            throw new IllegalArgumentException("The model has " + inputs.size() + " inputs " + inputNames()
                + " but was given " + x.length + " arrays.");
        }
        Run run = new Run(outputs);
        for (int i = 0; i < x.length; i++) {
            run.values.put(inputs.get(i), x[i]);
        }
        for (Node node : nodes) {
            List<SymbolicTensor> ins = node.inputs();
            INDArray[] values = new INDArray[ins.size()];
            INDArray[] masks = new INDArray[ins.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = run.values.get(ins.get(i));
                masks[i] = run.masks.get(ins.get(i));
            }
            Forward f = node.layer().call(values, masks, training);
            run.forwards.put(node, f);
            Regularizer activity = node.layer().activityRegularizer();
            if (activity != null) {
                run.activityPenalty += activity.penalty(f.output()) / f.output().size(0);
            }
            for (int k = 0; k < node.outputs().size(); k++) {
                run.values.put(node.outputs().get(k), f.outputs()[k]);
                if (k < f.outputMasks().length && f.outputMasks()[k] != null) {
                    run.masks.put(node.outputs().get(k), f.outputMasks()[k]);
                }
            }
        }
        return run;
    }

    /**
     * Backpropagates dLoss/dOutput (null for an output without a loss) through the run, adding
     * every weight's gradient into it; returns dLoss/dInput per model input (null where none).
     */
    public INDArray[] backward(Run run, INDArray[] outputGradients) {
        return backward(run, outputGradients, new boolean[outputs.size()]);
    }

    /**
     * As {@link #backward(Run, INDArray[])}, where {@code preActivation[k]} says that output k's
     * gradient is with respect to its layer's pre-activation (a fused softmax and cross-entropy).
     */
    public INDArray[] backward(Run run, INDArray[] outputGradients, boolean[] preActivation) {
        if (run.scope != null && !run.scope.isOpen()) {
            throw new IllegalStateException("backward of a run whose call has ended (its arrays went back); run"
                + " forward again inside the call.");
        }
        Map<SymbolicTensor, INDArray> grads = new HashMap<>();
        Map<Node, INDArray> fused = new HashMap<>();
        owned(outputGradients);
        for (int i = 0; i < outputs.size(); i++) {
            if (preActivation[i]) {
                fused.put(outputs.get(i).node(), outputGradients[i]);
            } else {
                add(grads, outputs.get(i), outputGradients[i]);
            }
        }
        for (int n = nodes.size() - 1; n >= 0; n--) {
            Node node = nodes.get(n);
            if (fused.containsKey(node)) {
                Forward f = run.forwards.get(node);
                INDArray[] inGrads = ((SoftmaxOutput) node.layer()).backwardFromPreActivation(f, fused.get(node));
                owned(inGrads);
                for (int i = 0; i < node.inputs().size(); i++) {
                    add(grads, node.inputs().get(i), inGrads[i]);
                }
                continue;
            }
            INDArray[] outGrads = new INDArray[node.outputs().size()];
            boolean any = false;
            for (int k = 0; k < outGrads.length; k++) {
                outGrads[k] = grads.get(node.outputs().get(k));
                any |= outGrads[k] != null;
            }
            if (!any) {
                continue;   // nothing downstream of this call reaches a loss
            }
            Forward f = run.forwards.get(node);
            Regularizer activity = node.layer().activityRegularizer();
            if (activity != null) {
                INDArray g = outGrads[0] != null ? outGrads[0].dup() : Nd4j.zerosLike(f.output());
                activity.addGradient(f.output(), g, 1.0 / (run.activityRows > 0 ? run.activityRows : f.output().size(0)));
                outGrads[0] = g;
            }
            INDArray[] inGrads = node.layer().backward(f, outGrads);
            owned(outGrads);   // sums and activity terms made here
            owned(inGrads);
            for (int i = 0; i < node.inputs().size(); i++) {
                add(grads, node.inputs().get(i), inGrads[i]);
            }
        }
        return inputs.stream().map(grads::get).toArray(INDArray[]::new);
    }

    /** Whether any layer call reads {@code t} (then its gradient is not the loss's alone). */
    public boolean isRead(SymbolicTensor t) {
        for (Node n : nodes) {
            if (n.inputs().contains(t)) {
                return true;
            }
        }
        return false;
    }

    /** The Forward of the call that produced {@code t} in this run. */
    public Forward forwardOf(Run run, SymbolicTensor t) {
        return run.forwards.get(t.node());
    }

    /**
     * Gradients passed between layers are read by nothing once the step ends: they go back with
     * the step's arrays (the loss's gradient of W4's logits is 25.6 MB).
     */
    private static void owned(INDArray[] gradients) {
        for (INDArray g : gradients) {
            CallScope.own(g);
        }
    }

    /** Sums gradients of a tensor read by several calls; never writes into an array a layer returned. */
    private static void add(Map<SymbolicTensor, INDArray> grads, SymbolicTensor t, INDArray g) {
        if (g == null) {
            return;
        }
        INDArray existing = grads.get(t);
        grads.put(t, existing == null ? g : existing.add(g));
    }

    @Override
    public String toString() {
        return "Graph(inputs=" + inputNames() + ", nodes=" + nodes.size() + ", outputs="
            + Arrays.toString(outputs.toArray()) + ")";
    }
}
