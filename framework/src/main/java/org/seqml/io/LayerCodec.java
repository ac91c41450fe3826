package org.seqml.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import org.seqml.Shape;
import org.seqml.activations.Activation;
import org.seqml.activations.Activations;
import org.seqml.constraints.Constraint;
import org.seqml.initializers.Constant;
import org.seqml.initializers.Initializer;
import org.seqml.layers.InputLayer;
import org.seqml.layers.Layer;
import org.seqml.layers.recurrent.RNN;
import org.seqml.regularizers.Regularizer;

/**
 * A layer as JSON and back: its class, name, its config record (generically, component by
 * component, as DESIGN.md asks: no layer writes its own), the recurrent loop options, and its
 * regularizers and constraints. Weights are stored apart.
 */
final class LayerCodec {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private LayerCodec() {
    }

    static ObjectNode encode(Layer layer) {
        String cls = LayerRegistry.name(layer);
        if (cls == null) {
            throw new IllegalArgumentException("cannot save " + layer.describe() + ": " + layer.getClass().getName()
                + " is not one of seqml's layers");
        }
        ObjectNode node = JSON.objectNode();
        node.put("class", cls);
        node.put("name", layer.name());
        node.put("trainable", layer.trainable());
        if (layer.dtypePolicy().bfloat16()) {
            node.put("dtype", layer.dtypePolicy().name());
        }
        if (layer instanceof InputLayer input) {
            ArrayNode shape = node.putArray("shape");
            for (long d : input.shape().dims()) {
                shape.add(d);
            }
            return node;
        }
        Record config = configOf(layer);
        if (config != null) {
            node.set("config", record(config));
        }
        if (layer instanceof RNN<?> rnn) {
            node.set("options", record(rnn.options()));
        }
        if (layer instanceof RNN<?> rnn && rnn.quantized()
            || layer instanceof org.seqml.layers.recurrent.Bidirectional bi && bi.quantized()
            || layer instanceof org.seqml.layers.Embedding e && e.quantized()
            || layer instanceof org.seqml.layers.Dense d && d.quantized()) {
            node.put("quantized", "int8");   // its weights are int8 kernels and their scales
        }
        ObjectNode regs = node.putObject("regularizers");
        layer.regularizers().forEach((w, r) -> regs.set(w, Beans.encode(r)));
        ObjectNode cons = node.putObject("constraints");
        layer.constraints().forEach((w, c) -> cons.set(w, Beans.encode(c)));
        if (layer.activityRegularizer() != null) {
            node.set("activity_regularizer", Beans.encode(layer.activityRegularizer()));
        }
        return node;
    }

    private static Record configOf(Layer layer) {
        try {
            return (Record) layer.getClass().getMethod("config").invoke(layer);
        } catch (NoSuchMethodException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode record(Record r) {
        ObjectNode node = JSON.objectNode();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                node.set(c.getName(), value(c.getAccessor().invoke(r)));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return node;
    }

    private static JsonNode value(Object v) {
        JsonNode simple = Beans.plain(v);
        if (simple != null) {
            return simple;
        }
        if (v instanceof Activations a) {
            return JSON.textNode(a.kerasName());
        }
        if (v instanceof Activation a) {
            throw new IllegalArgumentException("cannot save the custom activation " + a.getClass().getName()
                + "; only the built-in ones (Activations) are saved");
        }
        if (v instanceof Constant c) {
            return JSON.objectNode().put("initializer", "constant").put("value", c.value());
        }
        if (v instanceof Initializer i) {
            return JSON.objectNode().put("initializer", i.kerasName());
        }
        if (v instanceof Layer l) {
            return encode(l);
        }
        if (v instanceof Record r) {
            return record(r);
        }
        if (v instanceof double[] numbers) {   // a TextVectorization's idf weights
            ArrayNode array = JSON.arrayNode();
            for (double d : numbers) {
                array.add(d);
            }
            return array;
        }
        if (v instanceof java.util.List<?> list) {   // of strings: a vocabulary, a tokenizer's merges
            // one string, a line per item, where no item holds a line break: deflated, a
            // 20,000-word vocabulary takes 87 KB so against 95 KB as an array of strings
            boolean lines = !list.isEmpty() && list.stream().noneMatch(item -> ((String) item).indexOf('\n') >= 0);
            if (lines) {
                return JSON.textNode(String.join("\n", list.stream().map(item -> (String) item).toList()));
            }
            ArrayNode array = JSON.arrayNode();
            for (Object item : list) {
                array.add((String) item);
            }
            return array;
        }
        throw new IllegalArgumentException("cannot save a config value of type " + v.getClass().getName());
    }

    static Layer decode(JsonNode node) throws ModelFileException {
        String cls = node.path("class").asText();
        Class<?> type = LayerRegistry.type(cls);
        if (type == null) {
            throw new ModelFileException("unknown layer class '" + cls + "'");
        }
        try {
            Layer layer;
            if (type == InputLayer.class) {
                JsonNode shape = node.get("shape");
                long[] dims = new long[shape.size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = shape.get(i).asLong();
                }
                layer = new InputLayer(Shape.of(dims));
            } else {
                layer = construct(type, node);
            }
            layer = layer.named(node.get("name").asText());
            // a file without "dtype" (float32, and every file saved before policies) computes in float32,
            // whatever the global policy: a model loads as it was saved. A wrapper's layers were read
            // with their own, which setting the wrapper's would overwrite.
            if (!layer.wrapsLayers()) {
                layer = layer.dtype(node.hasNonNull("dtype")
                    ? org.seqml.mixedprecision.Policy.of(node.get("dtype").asText())
                    : org.seqml.mixedprecision.Policy.FLOAT32);
            }
            if (!node.path("trainable").asBoolean(true)) {
                layer.setTrainable(false);   // frozen when saved: fit after loading leaves it as it was
            }
            for (var e : iterable(node.path("regularizers").fields())) {
                regularize(layer, e.getKey(), (Regularizer) Beans.decode(e.getValue()));
            }
            for (var e : iterable(node.path("constraints").fields())) {
                constrain(layer, e.getKey(), (Constraint) Beans.decode(e.getValue()));
            }
            if (node.hasNonNull("activity_regularizer")) {
                layer.activityRegularizer((Regularizer) Beans.decode(node.get("activity_regularizer")));
            }
            return layer;
        } catch (ModelFileException e) {
            throw e;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ModelFileException("cannot rebuild layer '" + node.path("name").asText() + "' (" + cls + "): "
                + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
        return () -> it;
    }

    private static void regularize(Layer layer, String weight, Regularizer r) {
        switch (weight) {
            case "kernel" -> layer.kernelRegularizer(r);
            case "recurrent_kernel" -> layer.recurrentRegularizer(r);
            case "bias" -> layer.biasRegularizer(r);
            case "embeddings" -> layer.embeddingsRegularizer(r);
            default -> throw new IllegalArgumentException("no regularizer role '" + weight + "'");
        }
    }

    private static void constrain(Layer layer, String weight, Constraint c) {
        switch (weight) {
            case "kernel" -> layer.kernelConstraint(c);
            case "recurrent_kernel" -> layer.recurrentConstraint(c);
            case "bias" -> layer.biasConstraint(c);
            case "embeddings" -> layer.embeddingsConstraint(c);
            default -> throw new IllegalArgumentException("no constraint role '" + weight + "'");
        }
    }

    /** The layer from its config: (Config), (Config, Options) for recurrent layers, the config's values, or nothing. */
    private static Layer construct(Class<?> type, JsonNode node) throws ReflectiveOperationException, ModelFileException {
        if (!node.has("config")) {
            return (Layer) type.getDeclaredConstructor().newInstance();
        }
        Class<?> configType = type.getMethod("config").getReturnType();
        Record config = (Record) readRecord(configType, node.get("config"));
        if (RNN.class.isAssignableFrom(type)) {
            JsonNode saved = node.has("options") ? node.get("options") : legacyOptions(type, node.get("config"));
            Record options = (Record) readRecord(RNN.Options.class, saved);
            return (Layer) type.getConstructor(configType, RNN.Options.class).newInstance(config, options);
        }
        try {
            return (Layer) type.getConstructor(configType).newInstance(config);
        } catch (NoSuchMethodException e) {
            RecordComponent[] parts = configType.getRecordComponents();
            Class<?>[] types = new Class<?>[parts.length];
            Object[] args = new Object[parts.length];
            for (int i = 0; i < parts.length; i++) {
                types[i] = parts[i].getType();
                args[i] = parts[i].getAccessor().invoke(config);
            }
            Constructor<?> ctor = type.getConstructor(types);
            return (Layer) ctor.newInstance(args);
        }
    }

    /**
     * The loop options of a recurrent layer saved before it was one: an AttentionLSTM of files
     * before it became a cell on RNN's loop returned sequences always and kept returnState in its
     * config.
     */
    private static JsonNode legacyOptions(Class<?> type, JsonNode config) {
        ObjectNode options = record(RNN.Options.defaults());
        options.put("returnSequences", type == org.seqml.layers.attention.AttentionLSTM.class);
        if (config != null && config.has("returnState")) {
            options.put("returnState", config.get("returnState").asBoolean());
        }
        return options;
    }

    private static Object readRecord(Class<?> type, JsonNode node) throws ReflectiveOperationException, ModelFileException {
        RecordComponent[] parts = type.getRecordComponents();
        Class<?>[] types = new Class<?>[parts.length];
        Object[] args = new Object[parts.length];
        for (int i = 0; i < parts.length; i++) {
            types[i] = parts[i].getType();
            args[i] = read(node.get(parts[i].getName()), types[i]);
        }
        Constructor<?> ctor = type.getDeclaredConstructor(types);
        ctor.setAccessible(true);
        return ctor.newInstance(args);
    }

    private static Object read(JsonNode v, Class<?> type) throws ReflectiveOperationException, ModelFileException {
        if (v == null || v.isNull()) {
            return null;
        }
        if (type == int.class) {
            return v.asInt();
        }
        if (type == long.class) {
            return v.asLong();
        }
        if (type == double.class) {
            return v.asDouble();
        }
        if (type == boolean.class) {
            return v.asBoolean();
        }
        if (type == String.class) {
            return v.asText();
        }
        if (type == Activation.class) {
            return Activation.get(v.asText());
        }
        if (type == Initializer.class) {
            String name = v.path("initializer").asText();
            return name.equals("constant") ? new Constant(v.path("value").asDouble())
                : name.equals("variance_scaling") ? Initializer.get("glorot_uniform") : Initializer.get(name);
        }
        if (type.isEnum()) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object e = Enum.valueOf((Class<Enum>) type, v.asText());
            return e;
        }
        if (Layer.class.isAssignableFrom(type)) {
            return decode(v);
        }
        if (type.isRecord()) {
            return readRecord(type, v);
        }
        if (type == double[].class && v.isArray()) {
            double[] numbers = new double[v.size()];
            for (int i = 0; i < numbers.length; i++) {
                numbers[i] = v.get(i).asDouble();
            }
            return numbers;
        }
        if (type == java.util.List.class && v.isTextual()) {   // a line per item
            return java.util.List.of(v.asText().split("\n", -1));
        }
        if (type == java.util.List.class && v.isArray()) {
            java.util.List<String> list = new java.util.ArrayList<>(v.size());
            v.forEach(item -> list.add(item.asText()));
            return list;
        }
        throw new ModelFileException("cannot read a config value of type " + type.getName());
    }
}
