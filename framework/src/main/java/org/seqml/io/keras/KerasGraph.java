package org.seqml.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.seqml.layers.Layer;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;

/**
 * A Keras functional config ({@code Model} / {@code Functional}) rebuilt with seqml's Functional
 * API: layers in their config order, each called once per inbound node (a shared layer is one
 * seqml layer called several times). Both node formats are read: Keras 2's lists
 * {@code [[layer, node, tensor, kwargs], ...]} and Keras 3's {@code {"args": [...], "kwargs": ...}}
 * with {@code __keras_tensor__} entries ({@code keras_history = [layer, node, tensor]}); a
 * recurrent layer's {@code initial_state} keyword follows its input, as seqml's layers take it.
 */
final class KerasGraph {
    private final Path file;
    private final KerasLayers mapping;
    /** Per layer name, per node: the node's output tensors. */
    private final Map<String, List<List<SymbolicTensor>>> nodes = new HashMap<>();

    KerasGraph(Path file, KerasLayers mapping) {
        this.file = file;
        this.mapping = mapping;
    }

    Model build(JsonNode config) {
        Map<String, JsonNode> pending = new LinkedHashMap<>();
        for (JsonNode layer : config.get("layers")) {
            pending.put(layer.path("config").path("name").asText(layer.path("name").asText()), layer);
        }
        // config order is topological in files Keras writes; loop in case one is not
        while (!pending.isEmpty()) {
            int before = pending.size();
            pending.entrySet().removeIf(e -> tryBuild(e.getKey(), e.getValue()));
            if (pending.size() == before) {
                throw new KerasImportException(file + ": layers " + pending.keySet() + " have inputs that no layer"
                    + " produces");
            }
        }
        return new Model(tensors(config.get("input_layers")), tensors(config.get("output_layers")));
    }

    /** Builds a layer's nodes once all their inputs exist; false to try again later. */
    private boolean tryBuild(String name, JsonNode spec) {
        String cls = spec.get("class_name").asText();
        JsonNode c = spec.get("config");
        if (cls.equals("InputLayer")) {
            SymbolicTensor in = KerasH5.input(c, file);
            nodes.put(name, List.of(List.of(in)));
            return true;
        }
        List<List<SymbolicTensor>> calls = new ArrayList<>();
        for (JsonNode node : spec.get("inbound_nodes")) {
            List<SymbolicTensor> args = new ArrayList<>();
            if (!collect(node, args)) {
                return false;
            }
            calls.add(args);
        }
        Layer layer = mapping.layer(cls, withCallOptions(c, spec.get("inbound_nodes")));
        List<List<SymbolicTensor>> outs = new ArrayList<>();
        for (List<SymbolicTensor> args : calls) {
            outs.add(layer.applyAll(args.toArray(SymbolicTensor[]::new)));
        }
        nodes.put(name, outs);
        return true;
    }

    /**
     * Call arguments seqml keeps as layer options, from the first call's keyword arguments:
     * attention's {@code use_causal_mask} and {@code return_attention_scores} (Keras 3 node
     * kwargs, or the fourth entry of a Keras 2 node).
     */
    private static JsonNode withCallOptions(JsonNode config, JsonNode nodes) {
        if (nodes == null || nodes.isEmpty()) {
            return config;
        }
        JsonNode first = nodes.get(0);
        JsonNode kwargs = first.isObject() ? first.path("kwargs")
            : first.isArray() && first.size() > 0 && first.get(0).isArray() && first.get(0).size() > 3
            ? first.get(0).get(3) : null;
        if (kwargs == null || !kwargs.isObject()) {
            return config;
        }
        com.fasterxml.jackson.databind.node.ObjectNode copy = config.deepCopy();
        if (kwargs.path("use_causal_mask").asBoolean(false)) {
            copy.put("causal", true);
        }
        if (kwargs.path("return_attention_scores").asBoolean(false)) {
            copy.put("return_attention_scores", true);
        }
        return copy;
    }

    /** The tensors one inbound node passes, in order; false when one is not built yet. */
    private boolean collect(JsonNode node, List<SymbolicTensor> into) {
        if (node.isObject() && node.has("args")) {                      // Keras 3
            if (!collect(node.get("args"), into)) {
                return false;
            }
            JsonNode state = node.path("kwargs").path("initial_state");
            return state.isMissingNode() || state.isNull() || collect(state, into);
        }
        if (node.isObject() && "__keras_tensor__".equals(node.path("class_name").asText())) {
            return add(node.path("config").get("keras_history"), into);
        }
        if (node.isArray() && node.size() >= 3 && node.get(0).isTextual() && node.get(1).isNumber()) {
            return add(node, into);                                      // Keras 2 [layer, node, tensor, kwargs]
        }
        if (node.isArray()) {
            for (JsonNode item : node) {
                if (!collect(item, into)) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean add(JsonNode history, List<SymbolicTensor> into) {
        List<List<SymbolicTensor>> built = nodes.get(history.get(0).asText());
        if (built == null) {
            return false;
        }
        into.add(built.get(history.get(1).asInt()).get(history.get(2).asInt()));
        return true;
    }

    private List<SymbolicTensor> tensors(JsonNode refs) {
        List<SymbolicTensor> out = new ArrayList<>();
        if (refs.size() >= 3 && refs.get(0).isTextual()) {       // a single [layer, node, tensor]
            add(refs, out);
            return out;
        }
        for (JsonNode ref : refs) {
            if (!add(ref, out)) {
                throw new KerasImportException(file + ": the model's input or output " + ref + " names no layer");
            }
        }
        return out;
    }
}
