package org.seqml.models;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.callbacks.History;
import org.seqml.layers.Layer;
import org.seqml.losses.Loss;
import org.seqml.optimizers.Optimizer;
import org.seqml.training.FitOptions;
import org.seqml.training.Trainer;

/**
 * A graph of layers from inputs to outputs that can be trained and run, Keras's {@code Model}
 * (the Functional API): several inputs and outputs, shared layers, shape inference.
 *
 * <pre>{@code
 * SymbolicTensor a = Input.of(8), b = Input.of(8);
 * Dense shared = new Dense(16).activation("relu");
 * SymbolicTensor ha = shared.apply(a), hb = shared.apply(b);
 * SymbolicTensor same = new Dense(1).activation("sigmoid").apply(new Concatenate().apply(ha, hb));
 * Model model = new Model(List.of(a, b), List.of(same));
 * model.compile(new Adam(), new BinaryCrossentropy(), "accuracy");
 * History h = model.fit(new INDArray[] {xa, xb}, new INDArray[] {y}, new FitOptions().epochs(5));
 * }</pre>
 *
 * {@link #fit}, {@link #evaluate} and {@link #predict} all run in the one {@link Trainer} loop.
 *
 * <p>Threads: {@link #predict} and {@link #evaluate} may be called from any thread and from many
 * threads at once, each call giving exactly what it gives alone (a model trained on one thread is
 * served from others). {@link #fit} and {@link #trainOnBatch} are exclusive: a second training
 * call while one runs, or a {@code compile}, fails with an {@link IllegalStateException} naming
 * the training thread. A
 * model with a {@code stateful} recurrent layer carries states between calls and belongs to one
 * thread; {@link #setWeights} must not race with other calls.
 */
public class Model {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives
    }

    private static int count;

    private final String name;
    private volatile Graph graph;
    private Trainer trainer;
    private volatile boolean stopTraining;
    private long shuffleSeed = org.seqml.RandomSeed.next();
    private long epochsTrained;
    private long stepsInEpoch;

    /** A model from one input to one output. */
    public Model(SymbolicTensor input, SymbolicTensor output) {
        this(List.of(input), List.of(output));
    }

    public Model(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
        this(inputs, outputs, null);
    }

    public Model(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs, String name) {
        this.name = name != null ? name : defaultName("model");
        this.graph = new Graph(inputs, outputs);
    }

    /** For subclasses that build their graph later ({@link Sequential}). */
    protected Model(String name, String base) {
        this.name = name != null ? name : defaultName(base);
    }

    private static synchronized String defaultName(String base) {
        count++;
        return count == 1 ? base : base + "_" + (count - 1);
    }

    public String name() {
        return name;
    }

    // ---- the graph ------------------------------------------------------------------------

    /** The graph; throws when a Sequential without an Input has not seen data yet. */
    public Graph graph() {
        if (graph == null) {
            throw new IllegalStateException("Model '" + name + "' is not built yet: start it with an Input, or call"
                + " fit/predict once so it can take the input shape from the data.");
        }
        return graph;
    }

    /** The graph for this data; a deferred model builds itself from the data's shape. */
    public Graph graphFor(INDArray[] x) {
        return graph();
    }

    protected final void setGraph(Graph g) {
        this.graph = g;
    }

    protected final boolean hasGraph() {
        return graph != null;
    }

    /** Every layer once, inputs first, in execution order. */
    public List<Layer> layers() {
        return graph().layers();
    }

    /** The layer with this name. */
    public Layer getLayer(String layerName) {
        for (Layer l : layers()) {
            if (l.name().equals(layerName)) {
                return l;
            }
        }
        throw new IllegalArgumentException("Model '" + name + "' has no layer '" + layerName + "'; its layers are "
            + layers().stream().map(Layer::name).toList() + ".");
    }

    /** Copies of all weights, layer by layer in Keras's order. */
    public List<INDArray> getWeights() {
        List<INDArray> all = new ArrayList<>();
        for (Layer l : layers()) {
            all.addAll(l.getWeights());
        }
        return all;
    }

    /** Sets all weights from arrays in the order of {@link #getWeights()}. */
    public void setWeights(List<INDArray> weights) {
        int i = 0;
        for (Layer l : layers()) {
            int k = l.weights().size();
            if (i + k > weights.size()) {
                throw new IllegalArgumentException("Model '" + name + "': not enough weight arrays (" + weights.size()
                    + ") for its layers.");
            }
            l.setWeights(weights.subList(i, i + k));
            i += k;
        }
        if (i != weights.size()) {
            throw new IllegalArgumentException("Model '" + name + "': expected " + i + " weight arrays, got "
                + weights.size() + ".");
        }
    }

    /**
     * All weights in one float32 (n,) array, in the order of {@code graph().parameters()} (each
     * flattened row-major): one copy, to ship or average. {@link #setFlatWeights} reads it back.
     */
    public INDArray getFlatWeights() {
        return org.seqml.layers.FlatParameters.gather(graph().parameters(), org.seqml.layers.Parameter::value);
    }

    /** Sets every weight from a flat array in the order of {@link #getFlatWeights} (int8 weights take integer values). */
    public void setFlatWeights(INDArray flat) {
        List<org.seqml.layers.Parameter> parameters = graph().parameters();
        long n = org.seqml.layers.FlatParameters.size(parameters);
        if (flat == null || flat.rank() != 1 || flat.length() != n) {
            throw new IllegalArgumentException("Model '" + name + "': setFlatWeights expects a flat (" + n + ",) array"
                + " (getFlatWeights' order), got " + (flat == null ? "null" : java.util.Arrays.toString(flat.shape()))
                + ".");
        }
        org.seqml.layers.FlatParameters.scatter(flat, parameters, org.seqml.layers.Parameter::value);
    }

    public long countParams() {
        long n = 0;
        for (Layer l : layers()) {
            n += l.countParams();
        }
        return n;
    }

    // ---- compile --------------------------------------------------------------------------

    /** Configures training: one loss for every output, metrics by Keras name (e.g. "accuracy"). */
    public void compile(Optimizer optimizer, Loss loss, String... metrics) {
        int outputs = hasGraph() ? graph.outputs().size() : 1;
        compile(optimizer, Collections.nCopies(outputs, loss), Collections.nCopies(outputs, 1.0), metrics);
    }

    /** Configures training with a configured optimizer and a loss by Keras name. */
    public void compile(Optimizer optimizer, String loss, String... metrics) {
        compile(optimizer, Loss.get(loss), metrics);
    }

    /** Configures training with Keras names: {@code compile("adam", "binary_crossentropy", "accuracy")}. */
    public void compile(String optimizer, String loss, String... metrics) {
        compile(Optimizer.get(optimizer), Loss.get(loss), metrics);
    }

    /**
     * Configures training of a model with several outputs: one loss per output and their weights
     * in the total loss; the metrics are tracked for every output.
     */
    public void compile(Optimizer optimizer, List<Loss> losses, List<Double> lossWeights, String... metrics) {
        Thread training = trainer == null ? null : trainer.trainingThread();
        if (training != null) {
            throw new IllegalStateException("Model '" + name + "': compile() called while the model is training on"
                + " thread '" + training.getName() + "'. Compile before fit, or after it returns.");
        }
        if (hasGraph() && losses.size() != graph.outputs().size()) {
            throw new IllegalArgumentException("Model '" + name + "' has " + graph.outputs().size() + " outputs but "
                + losses.size() + " losses were given. Give one loss per output.");
        }
        if (lossWeights.size() != losses.size()) {
            throw new IllegalArgumentException("compile: " + losses.size() + " losses but " + lossWeights.size()
                + " loss weights.");
        }
        for (String m : metrics) {
            org.seqml.metrics.Metric.get(m, losses.get(0));   // fails now on an unknown name, not mid-fit
        }
        this.trainer = new Trainer(this, optimizer, losses, lossWeights, List.of(metrics));
    }

    /** The compiled trainer; throws with a hint when compile was not called. */
    public Trainer trainer(String call) {
        if (trainer == null) {
            throw new IllegalStateException("Model '" + name + "' must be compiled before " + call + "(): call"
                + " model.compile(optimizer, loss, metrics...) first, e.g. model.compile(new Adam(),"
                + " new BinaryCrossentropy(), \"accuracy\").");
        }
        return trainer;
    }

    /** The compiled optimizer (for callbacks that read or change the learning rate). */
    public Optimizer optimizer() {
        return trainer("optimizer").optimizer();
    }

    // ---- fit / evaluate / predict ----------------------------------------------------------

    public History fit(INDArray x, INDArray y, int batchSize, int epochs) {
        return fit(x, y, new FitOptions().batchSize(batchSize).epochs(epochs));
    }

    public History fit(INDArray x, INDArray y, FitOptions options) {
        return fit(new INDArray[] {x}, new INDArray[] {y}, options);
    }

    /** Trains on the inputs by name (those of {@code Input.of(name, ...)}). */
    public History fit(Map<String, INDArray> x, INDArray[] y, FitOptions options) {
        return fit(byName(x), y, options);
    }

    /** Trains on one array per input and one label array per output. */
    public History fit(INDArray[] x, INDArray[] y, FitOptions options) {
        return trainer("fit").fit(x, y, options);
    }

    /** Trains on the batches of a Dataset (arrays or a stream); batch size and shuffling are the Dataset's. */
    public History fit(org.seqml.data.Dataset data, FitOptions options) {
        return trainer("fit").fit(data, options);
    }

    /** The loss and metrics over every batch of a Dataset. */
    public Map<String, Double> evaluate(org.seqml.data.Dataset data) {
        return trainer("evaluate").evaluate(data);
    }

    public Map<String, Double> evaluate(INDArray x, INDArray y) {
        return evaluate(new INDArray[] {x}, new INDArray[] {y}, 32);
    }

    /** As {@link #evaluate(INDArray[], INDArray[], int)}, in batches of 32 as Keras. */
    public Map<String, Double> evaluate(INDArray[] x, INDArray[] y) {
        return evaluate(x, y, 32);
    }

    /** The inputs by name (those of {@code Input.of(name, ...)}), in batches of 32. */
    public Map<String, Double> evaluate(Map<String, INDArray> x, INDArray[] y) {
        return evaluate(byName(x), y, 32);
    }

    /** The loss and metrics over all samples, by name ("loss", "accuracy", ...). */
    public Map<String, Double> evaluate(INDArray[] x, INDArray[] y, int batchSize) {
        return trainer("evaluate").evaluate(x, y, batchSize, null);
    }

    /** One optimizer step on exactly this batch; returns its loss and metrics. */
    public Map<String, Double> trainOnBatch(INDArray x, INDArray y) {
        return trainOnBatch(new INDArray[] {x}, new INDArray[] {y});
    }

    public Map<String, Double> trainOnBatch(INDArray[] x, INDArray[] y) {
        return trainer("trainOnBatch").trainOnBatch(x, y, null);
    }

    // ---- gradients apart from their step (data-parallel training) ---------------------------

    /**
     * The gradient of the compiled loss on this batch, the weights unchanged: {@code trainOnBatch}
     * stopped before its optimizer step. See {@link #computeGradients(INDArray[], INDArray[], INDArray,
     * org.seqml.training.LossDenominators, long)}.
     */
    public org.seqml.training.Gradients computeGradients(INDArray x, INDArray y) {
        return computeGradients(new INDArray[] {x}, new INDArray[] {y}, null, null, -1);
    }

    /**
     * The gradient of the compiled loss on this batch (a shard of a larger batch when
     * {@code denominators} are the larger batch's: the shards' gradients then sum to its gradient),
     * the weights and optimizer unchanged. {@code randomCall >= 0} makes dropout draw the masks of
     * that training call (a retried shard draws the same). Then {@link #applyGradients}.
     * <pre>{@code
     * Gradients g = model.computeGradients(x, y);
     * model.applyGradients(g.gradient());        // the same step as model.trainOnBatch(x, y)
     * }</pre>
     */
    public org.seqml.training.Gradients computeGradients(INDArray[] x, INDArray[] y, INDArray sampleWeight,
                                                        org.seqml.training.LossDenominators denominators,
                                                        long randomCall) {
        return trainer("computeGradients").computeGradients(x, y, sampleWeight, denominators, randomCall);
    }

    /** What this batch's loss is divided by (see {@link org.seqml.training.LossDenominators}). */
    public org.seqml.training.LossDenominators lossDenominators(INDArray[] x, INDArray[] y, INDArray sampleWeight) {
        return trainer("lossDenominators").lossDenominators(x, y, sampleWeight);
    }

    /**
     * One optimizer step with a flat gradient ({@link #computeGradients}, or shards' summed):
     * regularization, pruning masks, the optimizer, constraints. Returns the weight penalties
     * before the step, the loss term the gradient's loss leaves out.
     */
    public double applyGradients(INDArray gradient) {
        return trainer("applyGradients").applyGradients(gradient);
    }

    /** The output for one input, in batches of 32. Needs no compile. */
    public INDArray predict(INDArray x) {
        return predict(x, 32);
    }

    public INDArray predict(INDArray x, int batchSize) {
        INDArray[] out = predict(new INDArray[] {x}, batchSize);
        if (out.length != 1) {
            throw new IllegalStateException("Model '" + name + "' has " + out.length + " outputs; use predict(INDArray[],"
                + " int) to get all of them.");
        }
        return out[0];
    }

    /** Every output, for one array per input, computed in batches. */
    public INDArray[] predict(INDArray[] x, int batchSize) {
        return Trainer.predict(this, x, batchSize);
    }

    /** Every output, for one array per input, in batches of 32 as Keras. */
    public INDArray[] predict(INDArray[] x) {
        return predict(x, 32);
    }

    /** Every output, for the inputs by name (those of {@code Input.of(name, ...)}), in batches. */
    public INDArray[] predict(Map<String, INDArray> x, int batchSize) {
        return predict(byName(x), batchSize);
    }

    // ---- raw text, through the TextVectorization at the model's entrance ---------------------

    /**
     * Trains on raw texts, one label row per text: the model's first layer, a TextVectorization,
     * makes the ids. Validation texts go in as ids: {@code options.validationData(model.vectorize(texts), y)}.
     */
    public History fit(List<String> texts, INDArray y, FitOptions options) {
        return fit(vectorize(texts, "fit"), y, options);
    }

    /** The loss and metrics on raw texts (see {@link #fit(List, INDArray, FitOptions)}). */
    public Map<String, Double> evaluate(List<String> texts, INDArray y) {
        return evaluate(vectorize(texts, "evaluate"), y);
    }

    /** The output for raw texts, in batches of 32: {@code model.predict(List.of("free entry now!"))}. */
    public INDArray predict(List<String> texts) {
        return predict(texts, 32);
    }

    public INDArray predict(List<String> texts, int batchSize) {
        return predict(vectorize(texts, "predict"), batchSize);
    }

    /** The arrays that the model's text entrance (TextVectorization, BytePairTokenizer) makes of these texts. */
    public INDArray vectorize(List<String> texts) {
        return vectorize(texts, "vectorize");
    }

    private INDArray vectorize(List<String> texts, String call) {
        Layer entrance = entranceLayer();
        if (!(entrance instanceof org.seqml.text.TextEntrance text)) {
            throw new IllegalArgumentException("Model '" + name + "': " + call + "(texts) needs a TextVectorization or"
                + " a BytePairTokenizer as the layer that reads the model's only input, but " + (entrance == null
                ? "the model has " + (hasGraph() ? graph().inputs().size() : 0) + " inputs or several layers read it"
                : "its input goes to " + entrance.describe()) + ". Put one first (new Sequential(vectorize,"
                + " new Embedding(...), ...)), or pass ids: " + call + "(vectorize.apply(texts), ...).");
        }
        return text.apply(texts);
    }

    /** The one layer that reads the model's only input, or null: where raw text enters. */
    protected Layer entranceLayer() {
        Graph g = graph();
        if (g.inputs().size() != 1) {
            return null;
        }
        SymbolicTensor input = g.inputs().get(0);
        Layer found = null;
        for (Node n : g.nodes()) {
            if (n.inputs().contains(input)) {
                if (found != null && found != n.layer()) {
                    return null;
                }
                found = n.layer();
            }
        }
        return found;
    }

    /** The arrays of a map by input name, in the model's input order; every input once, no other name. */
    private INDArray[] byName(Map<String, INDArray> x) {
        Graph g = graph();
        List<String> names = g.inputs().stream().map(t -> t.node().layer().name()).toList();
        java.util.Set<String> unknown = new java.util.TreeSet<>(x.keySet());
        names.forEach(unknown::remove);
        java.util.List<String> missing = names.stream().filter(n -> !x.containsKey(n)).toList();
        if (!unknown.isEmpty() || !missing.isEmpty()) {
            throw new IllegalArgumentException("Model '" + name + "': inputs by name must name each input " + names
                + " once" + (missing.isEmpty() ? "" : "; missing " + missing) + (unknown.isEmpty() ? ""
                : "; no input is called " + unknown) + ".");
        }
        return names.stream().map(x::get).toArray(INDArray[]::new);
    }

    // ---- training state that a saved model carries ------------------------------------------

    /** The seed of the epochs' shuffle orders: epoch n shuffles with a stream from (seed, n). */
    public long shuffleSeed() {
        return shuffleSeed;
    }

    /** Epochs trained so far, over every fit call: the next epoch's shuffle order depends on it. */
    public long epochsTrained() {
        return epochsTrained;
    }

    /**
     * Steps trained in the epoch under way (0 between epochs): a model saved mid-epoch (by
     * {@code ModelCheckpoint.saveFreq}) resumes its epoch after them.
     */
    public long stepsInEpoch() {
        return stepsInEpoch;
    }

    /** Restores the training state of a saved model. */
    public void restoreTrainingState(long seed, long epochs) {
        restoreTrainingState(seed, epochs, 0);
    }

    /** Restores the training state of a model saved mid-epoch, {@code steps} into it. */
    public void restoreTrainingState(long seed, long epochs, long steps) {
        this.shuffleSeed = seed;
        this.epochsTrained = epochs;
        this.stepsInEpoch = steps;
    }

    /** Called by the trainer after each training step. */
    public void countStep() {
        stepsInEpoch++;
    }

    /** Called by the trainer after each epoch. */
    public void countEpoch() {
        epochsTrained++;
        stepsInEpoch = 0;
    }

    // ---- saving ---------------------------------------------------------------------------

    /**
     * Saves the architecture, weights, compile settings, optimizer state and training state to one
     * file, atomically (a crash mid-save leaves the previous file whole).
     */
    public void save(java.nio.file.Path path) throws java.io.IOException {
        org.seqml.io.ModelFile.save(this, path);
    }

    /**
     * As {@link #save(java.nio.file.Path)}; {@code includeOptimizer} false leaves out the compile
     * settings and optimizer state (Keras's include_optimizer): the file to deploy.
     */
    public void save(java.nio.file.Path path, boolean includeOptimizer) throws java.io.IOException {
        org.seqml.io.ModelFile.save(this, path, includeOptimizer);
    }

    /**
     * Writes the architecture and weights as a Keras 3 {@code .keras} file, which Keras and
     * {@code KerasArchive.load} read back; options Keras cannot express fail by layer name.
     */
    public void saveKeras(java.nio.file.Path path) throws java.io.IOException {
        org.seqml.io.keras.KerasExport.save(this, path);
    }

    /** Saves the weights only (Keras's save_weights), atomically. */
    public void saveWeights(java.nio.file.Path path) throws java.io.IOException {
        org.seqml.io.WeightsFile.save(this, path);
    }

    /**
     * Loads weights saved by {@link #saveWeights} into this model's layers, matched by name, or in
     * order when the names were numbered otherwise (the same architecture built again).
     */
    public void loadWeights(java.nio.file.Path path) throws java.io.IOException {
        org.seqml.io.WeightsFile.load(this, path);
    }

    /**
     * The model file's bytes (architecture, weights, and with {@code includeOptimizer} the compile
     * settings and optimizer state), for a stream or a cluster's broadcast; {@link #fromBytes}.
     */
    public byte[] toBytes(boolean includeOptimizer) {
        return org.seqml.io.ModelFile.toBytes(this, includeOptimizer);
    }

    /** The architecture alone as JSON, no weights (Keras's {@code to_json}); {@link #fromJson}. */
    public String toJson() {
        return org.seqml.io.ModelFile.architecture(this);
    }

    /** A model with fresh weights from {@link #toJson}'s JSON (Keras's {@code model_from_json}). */
    public static Model fromJson(String json) throws java.io.IOException {
        return org.seqml.io.ModelFile.fromArchitecture(json);
    }

    /** A model from {@link #toBytes} (or a model file's bytes). */
    public static Model fromBytes(byte[] bytes) throws java.io.IOException {
        return org.seqml.io.ModelFile.fromBytes(bytes);
    }

    /** Loads a model saved by {@link #save}: compiled again if it was, ready to predict or to resume fit. */
    public static Model load(java.nio.file.Path path) throws java.io.IOException {
        return org.seqml.io.ModelFile.load(path);
    }

    // ---- stopping -------------------------------------------------------------------------

    /** Asks the running fit to stop after the current batch (Keras's {@code model.stop_training = True}). */
    public void stopTraining() {
        stopTraining = true;
    }

    public boolean stopTrainingRequested() {
        return stopTraining;
    }

    /** Called by the trainer when a fit starts. */
    public void resetStopTraining() {
        stopTraining = false;
    }

    // ---- summary --------------------------------------------------------------------------

    /** Prints the layers, output shapes, parameter counts (and connections) to System.out. */
    public void summary() {
        summary(System.out);
    }

    public void summary(PrintStream out) {
        out.print(new Summary(this).toString());
        out.flush();
    }
}
