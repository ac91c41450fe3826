package org.seqml.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.seqml.layers.InputLayer;
import org.seqml.layers.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.seqml.layers.Parameter;

/**
 * The table {@code model.summary()} prints, in Keras's layout: each layer with its type, output
 * shape and parameter count, and for Functional models the tensors it reads
 * ({@code layer[node][output]}), then the totals.
 */
final class Summary {
    private final Model model;

    Summary(Model model) {
        this.model = model;
    }

    @Override
    public String toString() {
        Graph graph = model.graph();
        boolean functional = !(model instanceof Sequential);
        int[] widths = functional ? new int[] {42, 24, 12, 30} : new int[] {42, 24, 12};
        int total = 0;
        for (int w : widths) {
            total += w;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Model: \"").append(model.name()).append("\"\n");
        sb.append("_".repeat(total)).append('\n');
        sb.append(row(widths, functional ? new String[] {"Layer (type)", "Output Shape", "Param #", "Connected to"}
            : new String[] {"Layer (type)", "Output Shape", "Param #"}));
        sb.append("=".repeat(total)).append('\n');
        List<Node> nodes = new ArrayList<>();
        for (SymbolicTensor t : graph.inputs()) {
            nodes.add(t.node());
        }
        nodes.addAll(graph.nodes());
        List<Layer> listed = new ArrayList<>();
        for (Node node : nodes) {
            Layer layer = node.layer();
            if (listed.contains(layer) || (!functional && layer instanceof InputLayer)) {
                continue;
            }
            listed.add(layer);
            boolean int8 = layer.weights().stream().anyMatch(w -> w.value().dataType() == DataType.INT8);
            // a quantized layer says so: its kernels are int8, its scales and bias float32
            String type = layer.name() + " (" + layer.getClass().getSimpleName() + (int8 ? ", int8" : "") + ")";
            String shape = shapes(node);
            String params = String.format(Locale.ROOT, "%,d", layer.countParams());
            sb.append(functional ? row(widths, type, shape, params, connections(graph, layer, nodes))
                : row(widths, type, shape, params));
        }
        sb.append("=".repeat(total)).append('\n');
        long all = 0;
        long trainable = 0;
        for (Parameter p : graph.parameters()) {
            all += p.size();
            trainable += p.trainable() ? p.size() : 0;
        }
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", all));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainable));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", all - trainable));
        long int8 = graph.parameters().stream().filter(p -> p.value().dataType() == DataType.INT8)
            .mapToLong(Parameter::size).sum();
        if (int8 > 0) {
            sb.append(String.format(Locale.ROOT, "int8 params: %,d (the others float32)%n", int8));
        }
        sb.append("_".repeat(total)).append('\n');
        return sb.toString();
    }

    private static String shapes(Node node) {
        List<SymbolicTensor> outs = node.outputs();
        if (outs.size() == 1) {
            return outs.get(0).shape().toString();
        }
        List<String> parts = new ArrayList<>();
        for (SymbolicTensor t : outs) {
            parts.add(t.shape().toString());
        }
        return "[" + String.join(", ", parts) + "]";
    }

    /** "dense[0][0], input_2[0][0]" over every call of the layer. */
    private static String connections(Graph graph, Layer layer, List<Node> nodes) {
        List<String> parts = new ArrayList<>();
        for (Node node : nodes) {
            if (node.layer() != layer) {
                continue;
            }
            for (SymbolicTensor in : node.inputs()) {
                parts.add(in.node().layer().name() + "[" + nodeIndex(in.node(), nodes) + "][" + in.index() + "]");
            }
        }
        return String.join(", ", parts);
    }

    /** Which call of its layer {@code node} is, counting in execution order. */
    private static int nodeIndex(Node node, List<Node> nodes) {
        int index = 0;
        for (Node n : nodes) {
            if (n == node) {
                return index;
            }
            if (n.layer() == node.layer()) {
                index++;
            }
        }
        return 0;
    }

    private static String row(int[] widths, String... cells) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String cell = " " + cells[i];
            sb.append(i == cells.length - 1 ? cell : pad(cell, widths[i]));
        }
        return sb.append('\n').toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s.substring(0, width - 1) + " " : s + " ".repeat(width - s.length());
    }
}
