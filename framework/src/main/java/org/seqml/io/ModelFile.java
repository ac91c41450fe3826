package org.seqml.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;
import org.seqml.layers.Stochastic;
import org.seqml.layers.TimeDistributed;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.losses.Loss;
import org.seqml.models.Graph;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Node;
import org.seqml.models.Sequential;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Optimizer;
import org.seqml.training.Trainer;

/**
 * seqml's own model file: one zip holding {@code model.json} (format and version, the architecture,
 * the compile settings, the training state) and the arrays (weights, pruning masks, optimizer
 * slots) as little-endian entries, mostly-zero ones stored sparse ({@link ArrayCodec}). Saving is
 * atomic: the file is written beside the target, forced to disk, then moved over it, so a crash mid-save leaves the previous file whole. Loading builds a new
 * model and returns it only when everything has been read; a truncated, corrupt or foreign file
 * gets a {@link ModelFileException}, never a half-loaded model.
 *
 * <pre>{@code
 * model.save(Path.of("classifier.seqml"));
 * Model again = Model.load(Path.of("classifier.seqml"));   // same weights, optimizer state, seeds
 * }</pre>
 * A resumed fit ({@code initialEpoch} = epochs done) continues exactly as an unbroken one: the
 * shuffle order, dropout masks and optimizer state all come from the file.
 */
public final class ModelFile {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives, whichever class comes first
    }

    static final String FORMAT = "seqml-model";
    static final int VERSION = 1;
    static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_ENTRY = 1L << 31;

    private ModelFile() {
    }

    /** Writes {@code model} to {@code path} atomically. */
    public static void save(Model model, Path path) throws IOException {
        save(model, path, Long.MAX_VALUE);
    }

    /**
     * As {@link #save(Model, Path)}; without the optimizer (Keras's {@code include_optimizer=False})
     * the file holds no compile settings and no optimizer slots, and loads as an uncompiled model:
     * the deployable file, a third of a compiled Adam model's size.
     */
    public static void save(Model model, Path path, boolean includeOptimizer) throws IOException {
        AtomicFile.write(path, Long.MAX_VALUE, zip -> write(model, zip, includeOptimizer));
    }

    /**
     * Gives the layers saved int8 their int8 form (quantized from their fresh weights, with
     * placeholder ranges), so that the file's int8 kernels and scales are then assigned to them.
     */
    private static void requantize(Model model, JsonNode architecture) throws ModelFileException {
        for (JsonNode l : architecture.get("layers")) {
            if (!l.path("quantized").asText().equals("int8")) {
                continue;
            }
            String name = l.path("name").asText();
            Layer layer = model.graph().layers().stream().filter(x -> x.name().equals(name)).findFirst()
                .orElseThrow(() -> new ModelFileException("layer '" + name + "' is missing"));
            if (layer instanceof Bidirectional bi) {
                bi.quantize(1);
            } else if (layer instanceof org.seqml.layers.recurrent.RNN<?> rnn) {
                rnn.quantize(1);
            } else if (layer instanceof org.seqml.layers.Embedding e) {
                e.quantize();
            } else if (layer instanceof org.seqml.layers.Dense d) {
                d.quantize(1);
            } else {
                throw new ModelFileException("layer '" + name + "' is saved int8 but has no int8 form");
            }
        }
    }

    /** As {@link #save(Model, Path)}; the write fails after {@code failAfter} bytes (tests of a crash mid-save). */
    static void save(Model model, Path path, long failAfter) throws IOException {
        AtomicFile.write(path, failAfter, zip -> write(model, zip, true));
    }

    private static void write(Model model, ZipOutputStream zip, boolean includeOptimizer) throws IOException {
        Graph graph = model.graph();
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        List<byte[]> arrays = new ArrayList<>();
        root.set("model", architecture(model, graph));
        ArrayNode weights = root.putArray("weights");
        List<Parameter> params = graph.parameters();
        ArrayNode masks = root.putArray("masks");   // pruning masks, null for weights without one
        for (Parameter p : params) {
            weights.add(ArrayCodec.write(p.value(), arrays));
            if (p.mask() == null) {
                masks.addNull();
            } else {
                masks.add(ArrayCodec.write(p.mask(), arrays));
            }
        }
        Trainer trainer = includeOptimizer ? compiledOrNull(model) : null;
        if (trainer != null) {
            root.set("compile", compile(trainer));
            ArrayNode slots = root.putArray("optimizer_slots");
            for (int i = 0; i < params.size(); i++) {
                INDArray[] s = trainer.optimizer().slots(params.get(i));
                ArrayNode list = slots.addArray();
                if (s != null) {
                    for (INDArray a : s) {
                        list.add(ArrayCodec.write(a, arrays));
                    }
                }
            }
        }
        ObjectNode training = root.putObject("training");
        training.put("shuffle_seed", model.shuffleSeed());
        training.put("epochs_trained", model.epochsTrained());
        training.put("steps_in_epoch", model.stepsInEpoch());
        training.put("optimizer_iterations", trainer == null ? 0 : trainer.optimizer().iterations());
        ObjectNode calls = training.putObject("random_calls");
        stochastic(graph).forEach((name, layer) -> calls.put(name, layer.randomCalls()));

        writeEntries(zip, root, arrays);
    }

    static void writeEntries(ZipOutputStream zip, ObjectNode root, List<byte[]> arrays) throws IOException {
        zip.putNextEntry(new ZipEntry("model.json"));
        zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        zip.closeEntry();
        for (int i = 0; i < arrays.size(); i++) {
            zip.putNextEntry(new ZipEntry("arrays/" + i));
            zip.write(arrays.get(i));
            zip.closeEntry();
        }
    }

    private static Trainer compiledOrNull(Model model) {
        try {
            return model.trainer("save");
        } catch (IllegalStateException e) {
            return null;
        }
    }

    private static ObjectNode architecture(Model model, Graph graph) {
        ObjectNode m = JSON.createObjectNode();
        m.put("class", model instanceof Sequential ? "Sequential" : "Model");
        m.put("name", model.name());
        ArrayNode layers = m.putArray("layers");
        for (Layer l : graph.layers()) {
            layers.add(LayerCodec.encode(l));
        }
        Map<Node, Integer> index = nodeIndices(graph);
        ArrayNode nodes = m.putArray("nodes");
        for (Node n : graph.nodes()) {
            ObjectNode node = nodes.addObject();
            node.put("layer", n.layer().name());
            ArrayNode in = node.putArray("inbound");
            for (SymbolicTensor t : n.inputs()) {
                in.add(ref(t, index));
            }
        }
        ArrayNode outputs = m.putArray("outputs");
        graph.outputs().forEach(t -> outputs.add(ref(t, index)));
        ArrayNode inputs = m.putArray("inputs");
        graph.inputs().forEach(t -> inputs.add(t.node().layer().name()));
        return m;
    }

    /** Which call of its layer each node is (0 for the first), in execution order. */
    private static Map<Node, Integer> nodeIndices(Graph graph) {
        Map<Node, Integer> index = new IdentityHashMap<>();
        Map<Layer, Integer> seen = new IdentityHashMap<>();
        for (SymbolicTensor t : graph.inputs()) {
            index.put(t.node(), 0);
        }
        for (Node n : graph.nodes()) {
            int k = seen.merge(n.layer(), 1, Integer::sum) - 1;
            index.put(n, k);
        }
        return index;
    }

    private static ArrayNode ref(SymbolicTensor t, Map<Node, Integer> index) {
        ArrayNode a = JSON.createArrayNode();
        a.add(t.node().layer().name()).add(index.get(t.node())).add(t.index());
        return a;
    }

    private static ObjectNode compile(Trainer trainer) {
        ObjectNode c = JSON.createObjectNode();
        c.set("optimizer", Beans.encode(trainer.optimizer()));
        ArrayNode losses = c.putArray("losses");
        trainer.losses().forEach(l -> losses.add(Beans.encode(l)));
        ArrayNode weights = c.putArray("loss_weights");
        trainer.lossWeights().forEach(weights::add);
        ArrayNode metrics = c.putArray("metrics");
        trainer.metricNames().forEach(metrics::add);
        return c;
    }

    /** Every layer that draws random masks, by name, inner layers of wrappers included. */
    private static Map<String, Stochastic> stochastic(Graph graph) {
        Map<String, Stochastic> out = new java.util.TreeMap<>();
        for (Layer l : graph.layers()) {
            collect(l, out);
        }
        return out;
    }

    private static void collect(Layer l, Map<String, Stochastic> out) {
        if (l instanceof Stochastic s) {
            out.put(l.name(), s);
        }
        if (l instanceof Bidirectional b) {
            collect(b.config().forwardLayer(), out);
            collect(b.config().backwardLayer(), out);
        }
        if (l instanceof TimeDistributed t) {
            collect(t.config().layer(), out);
        }
    }

    // ---- loading ----------------------------------------------------------------------------

    /** Reads a model written by {@link #save}. */
    public static Model load(Path path) throws IOException {
        Map<String, byte[]> entries = entries(path);
        JsonNode root = parse(path, entries, FORMAT);
        try {
            return restore(root, entries);
        } catch (ModelFileException e) {
            throw new ModelFileException(path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ModelFileException(path + ": cannot rebuild the model: " + e.getMessage(), e);
        }
    }

    /** model.json of a file of the expected format and version. */
    static JsonNode parse(Object path, Map<String, byte[]> entries, String format) throws ModelFileException {
        byte[] json = entries.get("model.json");
        if (json == null && entries.containsKey("config.json") && entries.containsKey("model.weights.h5")) {
            throw new ModelFileException(path + " is a Keras 3 .keras file, not a seqml model: load it with"
                + " KerasArchive.load(path)");
        }
        if (json == null) {
            throw new ModelFileException(path + " is not a seqml model: it has no model.json");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new ModelFileException(path + ": model.json is not valid JSON (corrupt file?)", e);
        }
        if (!format.equals(root.path("format").asText())) {
            throw new ModelFileException(path + " is not a seqml " + (format.equals(FORMAT) ? "model" : "weights")
                + " file (format '" + root.path("format").asText() + "')");
        }
        if (root.path("version").asInt() != VERSION) {
            throw new ModelFileException(path + " has format version " + root.path("version").asInt()
                + "; this seqml reads version " + VERSION + ".");
        }
        return root;
    }

    static Map<String, byte[]> entries(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new ModelFileException(path + " is a directory: give the path of the file model.save wrote");
        }
        if (!Files.isRegularFile(path)) {
            throw new java.io.FileNotFoundException(path + " does not exist");
        }
        if (isHdf5(path)) {
            throw new ModelFileException(path + " is an HDF5 file (a Keras .h5 model?), not a seqml model: load it"
                + " with KerasH5.load(path)");
        }
        try (InputStream in = Files.newInputStream(path)) {
            return entries(in, path);
        }
    }

    /** The zip entries of a model file's bytes; {@code source} names them in errors. */
    private static Map<String, byte[]> entries(InputStream in, Object source) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                zip.transferTo(out);
                if (out.size() > MAX_ENTRY) {
                    throw new ModelFileException(source + ": entry " + e.getName() + " is too large");
                }
                entries.put(e.getName(), out.toByteArray());
            }
        } catch (ZipException | java.io.EOFException e) {
            throw new ModelFileException(source + " is truncated or corrupt (" + e.getMessage() + ")", e);
        }
        if (entries.isEmpty()) {
            throw new ModelFileException(source + " is not a seqml model file (no zip entries: empty, truncated or foreign)");
        }
        return entries;
    }

    /**
     * The model as the bytes of its file (architecture, weights and, with {@code includeOptimizer},
     * compile settings and optimizer state): what a cluster ships to its workers.
     */
    public static byte[] toBytes(Model model, boolean includeOptimizer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            write(model, zip, includeOptimizer);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);   // a byte array does not fail
        }
        return out.toByteArray();
    }

    /** A model from the bytes {@link #toBytes} made (or a model file's). */
    public static Model fromBytes(byte[] bytes) throws IOException {
        if (bytes == null || bytes.length == 0) {
            throw new ModelFileException("fromBytes: no bytes (null or empty): give what Model.toBytes returned");
        }
        String source = "model bytes (" + bytes.length + ")";
        Map<String, byte[]> entries = entries(new java.io.ByteArrayInputStream(bytes), source);
        JsonNode root = parse(source, entries, FORMAT);
        try {
            return restore(root, entries);
        } catch (ModelFileException e) {
            throw new ModelFileException(source + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ModelFileException(source + ": cannot rebuild the model: " + e.getMessage(), e);
        }
    }

    /** Whether the file starts with HDF5's signature. */
    private static boolean isHdf5(Path path) throws IOException {
        byte[] signature = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
        try (InputStream in = Files.newInputStream(path)) {
            return java.util.Arrays.equals(in.readNBytes(signature.length), signature);
        }
    }

    private static Model restore(JsonNode root, Map<String, byte[]> entries) throws ModelFileException {
        JsonNode m = root.get("model");
        Model model = rebuild(m);
        List<Parameter> params = model.graph().parameters();
        JsonNode weights = root.get("weights");
        if (weights.size() != params.size()) {
            throw new ModelFileException("holds " + weights.size() + " weights for a model that has " + params.size());
        }
        for (int i = 0; i < params.size(); i++) {
            INDArray value = ArrayCodec.read(weights.get(i), entries);
            if (!java.util.Arrays.equals(value.shape(), params.get(i).value().shape())) {
                throw new ModelFileException("weight " + i + " has shape " + java.util.Arrays.toString(value.shape())
                    + " but the layer expects " + java.util.Arrays.toString(params.get(i).value().shape()));
            }
            params.get(i).value().assign(value);
            JsonNode mask = root.path("masks").path(i);
            if (mask.isObject()) {
                params.get(i).setMask(ArrayCodec.read(mask, entries));
            }
        }
        if (root.hasNonNull("compile")) {
            compileAndRestore(model, root, entries, params);
        }
        JsonNode training = root.path("training");
        model.restoreTrainingState(training.path("shuffle_seed").asLong(), training.path("epochs_trained").asLong(),
            training.path("steps_in_epoch").asLong());
        Map<String, Stochastic> random = stochastic(model.graph());
        training.path("random_calls").fields().forEachRemaining(e -> {
            Stochastic s = random.get(e.getKey());
            if (s != null) {
                s.setRandomCalls(e.getValue().asLong());
            }
        });
        return model;
    }

    /** The model an architecture describes, its layers built with fresh weights (int8 layers in their int8 form). */
    private static Model rebuild(JsonNode m) throws ModelFileException {
        Map<String, Layer> layers = new HashMap<>();
        Map<String, JsonNode> inputSpecs = new HashMap<>();
        for (JsonNode l : m.get("layers")) {
            if (l.path("class").asText().equals("InputLayer")) {
                inputSpecs.put(l.get("name").asText(), l);
            } else {
                Layer layer = LayerCodec.decode(l);
                layers.put(layer.name(), layer);
            }
        }
        Map<String, List<List<SymbolicTensor>>> produced = new HashMap<>();
        List<SymbolicTensor> inputs = new ArrayList<>();
        for (JsonNode name : m.get("inputs")) {
            JsonNode spec = inputSpecs.get(name.asText());
            if (spec == null) {
                throw new ModelFileException("input '" + name.asText() + "' has no layer entry");
            }
            long[] dims = new long[spec.get("shape").size() - 1];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = spec.get("shape").get(i + 1).asLong();
            }
            SymbolicTensor t = Input.of(name.asText(), dims);
            inputs.add(t);
            produced.computeIfAbsent(name.asText(), k -> new ArrayList<>()).add(List.of(t));
        }
        for (JsonNode n : m.get("nodes")) {
            Layer layer = layers.get(n.get("layer").asText());
            if (layer == null) {
                throw new ModelFileException("node of unknown layer '" + n.get("layer").asText() + "'");
            }
            List<SymbolicTensor> in = new ArrayList<>();
            for (JsonNode r : n.get("inbound")) {
                in.add(resolve(r, produced));
            }
            produced.computeIfAbsent(layer.name(), k -> new ArrayList<>())
                .add(layer.applyAll(in.toArray(SymbolicTensor[]::new)));
        }
        List<SymbolicTensor> outputs = new ArrayList<>();
        for (JsonNode r : m.get("outputs")) {
            outputs.add(resolve(r, produced));
        }
        Model model = m.path("class").asText().equals("Sequential") ? sequential(m, inputs.get(0), layers)
            : new Model(inputs, outputs, m.path("name").asText());
        requantize(model, m);
        return model;
    }

    /**
     * The architecture alone as JSON (Keras's {@code model.to_json()}): layers, their options and
     * connections, no weights; {@link #fromArchitecture} builds it again with fresh weights.
     */
    public static String architecture(Model model) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT + "-architecture");
        root.put("version", VERSION);
        root.set("model", architecture(model, model.graph()));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A model with fresh weights from {@link #architecture}'s JSON (Keras's {@code model_from_json}). */
    public static Model fromArchitecture(String json) throws ModelFileException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new ModelFileException("fromArchitecture: not valid JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !(FORMAT + "-architecture").equals(root.path("format").asText())) {
            throw new ModelFileException("fromArchitecture: not a seqml architecture (format '"
                + (root == null ? "" : root.path("format").asText()) + "'): give what Model.toJson() returned");
        }
        try {
            return rebuild(root.get("model"));
        } catch (RuntimeException e) {
            throw new ModelFileException("fromArchitecture: cannot rebuild the model: " + e.getMessage(), e);
        }
    }

    private static Sequential sequential(JsonNode m, SymbolicTensor input, Map<String, Layer> layers)
        throws ModelFileException {
        List<Layer> stack = new ArrayList<>();
        for (JsonNode n : m.get("nodes")) {
            stack.add(layers.get(n.get("layer").asText()));
        }
        // the layers were built above on a scratch graph; a Sequential chains them again on its own
        return new Sequential(m.path("name").asText(), input, stack.toArray(Layer[]::new));
    }

    private static SymbolicTensor resolve(JsonNode r, Map<String, List<List<SymbolicTensor>>> produced)
        throws ModelFileException {
        List<List<SymbolicTensor>> calls = produced.get(r.get(0).asText());
        int node = r.get(1).asInt();
        int tensor = r.get(2).asInt();
        if (calls == null || node >= calls.size() || tensor >= calls.get(node).size()) {
            throw new ModelFileException("refers to a tensor that does not exist: " + r);
        }
        return calls.get(node).get(tensor);
    }

    private static void compileAndRestore(Model model, JsonNode root, Map<String, byte[]> entries, List<Parameter> params)
        throws ModelFileException {
        JsonNode c = root.get("compile");
        Optimizer optimizer = (Optimizer) Beans.decode(c.get("optimizer"));
        List<Loss> losses = new ArrayList<>();
        for (JsonNode l : c.get("losses")) {
            losses.add((Loss) Beans.decode(l));
        }
        List<Double> lossWeights = new ArrayList<>();
        c.get("loss_weights").forEach(w -> lossWeights.add(w.asDouble()));
        List<String> metrics = new ArrayList<>();
        c.get("metrics").forEach(n -> metrics.add(n.asText()));
        model.compile(optimizer, losses, lossWeights, metrics.toArray(String[]::new));
        Map<Parameter, INDArray[]> slots = new IdentityHashMap<>();
        JsonNode saved = root.get("optimizer_slots");
        for (int i = 0; i < params.size() && saved != null; i++) {
            JsonNode list = saved.get(i);
            if (list.size() > 0) {
                INDArray[] s = new INDArray[list.size()];
                for (int k = 0; k < s.length; k++) {
                    s[k] = ArrayCodec.read(list.get(k), entries);
                }
                slots.put(params.get(i), s);
            }
        }
        optimizer.restoreState(root.path("training").path("optimizer_iterations").asLong(), slots);
    }
}
