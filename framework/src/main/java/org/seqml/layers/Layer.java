package org.seqml.layers;

import org.seqml.mixedprecision.Policy;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.Shape;
import org.seqml.backend.Backend;
import org.seqml.constraints.Constraint;
import org.seqml.initializers.Initializer;
import org.seqml.models.Node;
import org.seqml.models.SymbolicTensor;
import org.seqml.regularizers.Regularizer;

/**
 * The base of every layer: a name, weights in Keras's order, one build from the input shape, and
 * the checks that turn a wrong input into an error naming the layer, the expected and the actual
 * shape.
 *
 * <p>A layer is used two ways. {@link #apply(SymbolicTensor...)} wires it into a Functional graph
 * (building it from the symbolic shapes); {@link #forward} and {@link #backward} compute on real
 * arrays. {@code forward} returns a {@link Forward} that holds everything {@code backward} needs,
 * so a layer keeps no per-call state and may be called several times in one graph (shared).
 *
 * <pre>{@code
 * SymbolicTensor x = Input.of(16);
 * SymbolicTensor y = new Dense(8).activation("relu").apply(x);
 * }</pre>
 *
 * <p>Subclasses override {@link #build(Shape)}, {@link #outputShape(Shape)}, {@code forward} and
 * {@code backward} (single input), or the list forms for several inputs.
 */
public abstract class Layer {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives
    }

    private static final Map<String, Integer> NAME_COUNTS = new HashMap<>();

    private String name;
    private final List<Parameter> weights = new ArrayList<>();
    private List<Shape> builtShapes;
    private boolean trainable = true;
    private final Map<String, Regularizer> regularizers = new HashMap<>();
    private final Map<String, Constraint> constraints = new HashMap<>();
    private Regularizer activityRegularizer;
    private volatile Policy dtypePolicy = Policy.globalPolicy();

    // ---- identity -------------------------------------------------------------------------

    /** The layer's name; unique per base name as in Keras ("dense", "dense_1", ...). */
    public final String name() {
        if (name == null) {
            name = uniqueName(snakeCase(getClass().getSimpleName()));
        }
        return name;
    }

    /** Gives the layer a name; only before it is built. Returns this layer. */
    @SuppressWarnings("unchecked")
    public final <T extends Layer> T named(String newName) {
        if (isBuilt()) {
            throw new IllegalStateException(describe() + ": cannot rename a layer that is already built");
        }
        this.name = newName;
        return (T) this;
    }

    /** Gives {@code copy} this layer's name if one was chosen, and its dtype policy; fluent options use it. */
    protected final <T extends Layer> T sameName(T copy) {
        ((Layer) copy).name = this.name;
        ((Layer) copy).dtypePolicy = this.dtypePolicy;
        return copy;
    }

    // ---- precision ---------------------------------------------------------------------------

    /**
     * The layer's dtype policy: the global one when the layer was made
     * ({@link Policy#setGlobalPolicy}), or the one given by {@link #dtype(Policy)}.
     */
    public final Policy dtypePolicy() {
        return dtypePolicy;
    }

    /**
     * Sets the layer's dtype policy (Keras's {@code dtype=} argument): {@code "mixed_bfloat16"}
     * computes in bfloat16 where {@link Policy} says, {@code "float32"} in float32. The weights stay
     * float32 either way, so it may change at any time, also on a trained model (a float32 output
     * layer under a mixed model, or bfloat16 inference of a model trained in float32). Returns
     * this layer.
     */
    @SuppressWarnings("unchecked")
    public final <T extends Layer> T dtype(Policy policy) {
        if (policy == null) {
            throw new IllegalArgumentException(describe() + ": dtype policy is null; use Policy.FLOAT32 or"
                + " Policy.MIXED_BFLOAT16");
        }
        this.dtypePolicy = policy;
        for (Layer inner : innerLayers()) {
            inner.dtype(policy);
        }
        return (T) this;
    }

    /** The layers a wrapper runs (Bidirectional's two directions, TimeDistributed's layer): they follow its policy. */
    protected List<Layer> innerLayers() {
        return List.of();
    }

    /**
     * Whether this layer runs layers of its own (a wrapper): setting its policy sets theirs, so a
     * file's reader leaves a wrapper's alone and sets each inner layer's from its own entry.
     */
    public final boolean wrapsLayers() {
        return !innerLayers().isEmpty();
    }

    /** As {@link #dtype(Policy)} by name: "float32" or "mixed_bfloat16". */
    public final <T extends Layer> T dtype(String policy) {
        return dtype(Policy.of(policy));
    }

    /** "Dense 'dense_1'": how errors name this layer. */
    public final String describe() {
        return getClass().getSimpleName() + " '" + name() + "'";
    }

    private static synchronized String uniqueName(String base) {
        int n = NAME_COUNTS.merge(base, 1, Integer::sum);
        return n == 1 ? base : base + "_" + (n - 1);
    }

    /** Keras's to_snake_case: "GlobalAveragePooling1D" becomes "global_average_pooling1d". */
    static String snakeCase(String camel) {
        String s = camel.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase();
    }

    // ---- regularization ----------------------------------------------------------------------

    /** Penalizes the weight "kernel" (Keras's kernel_regularizer); before the layer is built. */
    public final <T extends Layer> T kernelRegularizer(Regularizer r) {
        return regularize("kernel", r);
    }

    /** Penalizes "recurrent_kernel" (recurrent layers). */
    public final <T extends Layer> T recurrentRegularizer(Regularizer r) {
        return regularize("recurrent_kernel", r);
    }

    /** Penalizes "bias". */
    public final <T extends Layer> T biasRegularizer(Regularizer r) {
        return regularize("bias", r);
    }

    /** Penalizes "embeddings" (Embedding). */
    public final <T extends Layer> T embeddingsRegularizer(Regularizer r) {
        return regularize("embeddings", r);
    }

    /**
     * Penalizes the layer's (first) output, divided by the batch size as Keras does
     * (activity_regularizer).
     */
    @SuppressWarnings("unchecked")
    public final <T extends Layer> T activityRegularizer(Regularizer r) {
        requireUnbuiltFor("activityRegularizer");
        this.activityRegularizer = r;
        return (T) this;
    }

    public final Regularizer activityRegularizer() {
        return activityRegularizer;
    }

    /** The regularizers by weight name ("kernel", "bias", ...). */
    public final Map<String, Regularizer> regularizers() {
        return Collections.unmodifiableMap(regularizers);
    }

    /** The constraints by weight name. */
    public final Map<String, Constraint> constraints() {
        return Collections.unmodifiableMap(constraints);
    }

    /** Projects "kernel" after each step (Keras's kernel_constraint). */
    public final <T extends Layer> T kernelConstraint(Constraint c) {
        return constrain("kernel", c);
    }

    public final <T extends Layer> T recurrentConstraint(Constraint c) {
        return constrain("recurrent_kernel", c);
    }

    public final <T extends Layer> T biasConstraint(Constraint c) {
        return constrain("bias", c);
    }

    public final <T extends Layer> T embeddingsConstraint(Constraint c) {
        return constrain("embeddings", c);
    }

    @SuppressWarnings("unchecked")
    private <T extends Layer> T regularize(String weight, Regularizer r) {
        requireUnbuiltFor(weight + " regularizer");
        regularizers.put(weight, r);
        return (T) this;
    }

    @SuppressWarnings("unchecked")
    private <T extends Layer> T constrain(String weight, Constraint c) {
        requireUnbuiltFor(weight + " constraint");
        constraints.put(weight, c);
        return (T) this;
    }

    private void requireUnbuiltFor(String what) {
        if (isBuilt()) {
            throw new IllegalStateException(describe() + ": set the " + what + " before the layer is built.");
        }
    }

    /** After building: every regularizer and constraint must name a weight the layer has. */
    private void checkRegularizedWeights() {
        java.util.Set<String> names = new java.util.HashSet<>();
        weights.forEach(p -> names.add(p.name()));
        for (String w : regularizers.keySet()) {
            if (!names.contains(w)) {
                throw new IllegalArgumentException(describe() + " has no weight '" + w + "' to regularize; its weights"
                    + " are " + names + ".");
            }
        }
        for (String w : constraints.keySet()) {
            if (!names.contains(w)) {
                throw new IllegalArgumentException(describe() + " has no weight '" + w + "' to constrain; its weights"
                    + " are " + names + ".");
            }
        }
    }

    // ---- building -------------------------------------------------------------------------

    public final boolean isBuilt() {
        return builtShapes != null;
    }

    /** The input shapes the layer was built for. */
    public final List<Shape> inputShapes() {
        requireBuilt();
        return builtShapes;
    }

    /**
     * Builds the layer once for these input shapes: checks them, then creates the weights. A
     * built layer only checks that later shapes agree with the first.
     */
    public final void build(List<Shape> shapes) {
        if (isBuilt()) {
            checkCompatible(shapes);
            return;
        }
        checkInputShapes(shapes);
        buildWeights(shapes);
        checkRegularizedWeights();
        builtShapes = List.copyOf(shapes);
    }

    /** Checks shapes before building: rank and anything the layer can check up front. */
    protected void checkInputShapes(List<Shape> shapes) {
        if (shapes.size() != 1) {
            throw new IllegalArgumentException(describe() + ": expected 1 input, got " + shapes.size()
                + ". Pass a single tensor, or merge the inputs first (Concatenate, Add).");
        }
        checkInputShape(shapes.get(0));
    }

    /** Single-input form of {@link #checkInputShapes}; by default accepts any shape. */
    protected void checkInputShape(Shape shape) {
    }

    /** Creates the weights for these shapes; single-input layers override {@link #build(Shape)}. */
    protected void buildWeights(List<Shape> shapes) {
        build(shapes.get(0));
    }

    /** Creates the weights for this input shape; nothing else. */
    protected void build(Shape inputShape) {
    }

    /** Throws unless {@code shape} has {@code rank}; says how to fix it. */
    protected final void requireRank(Shape shape, int rank, String meaning, String fix) {
        if (shape.rank() != rank) {
            throw new IllegalArgumentException(describe() + ": expected input of rank " + rank + " " + meaning
                + ", got shape " + shape + "." + (fix.isEmpty() ? "" : " " + fix));
        }
    }

    /** Throws unless the last dimension of {@code shape} is known. */
    protected final void requireKnownLast(Shape shape) {
        if (!shape.isKnown(-1)) {
            throw new IllegalArgumentException(describe() + ": the last dimension of the input must be known to build"
                + " the weights, got shape " + shape + ". Give the Input a concrete feature size.");
        }
    }

    private void checkCompatible(List<Shape> shapes) {
        if (shapes.size() != builtShapes.size()) {
            throw new IllegalArgumentException(describe() + ": was built for " + builtShapes.size()
                + " input(s), called with " + shapes.size() + ".");
        }
        for (int i = 0; i < shapes.size(); i++) {
            Shape built = builtShapes.get(i);
            Shape now = shapes.get(i);
            if (built.rank() != now.rank() || !compatible(built, now)) {
                throw new IllegalArgumentException(describe() + ": was built for input shape " + built
                    + " and cannot be called on " + now + ". A shared layer needs inputs of the same shape.");
            }
        }
    }

    private static boolean compatible(Shape a, Shape b) {
        for (int i = 0; i < a.rank(); i++) {
            if (a.isKnown(i) && b.isKnown(i) && a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }

    // ---- shapes ---------------------------------------------------------------------------

    /** The output shapes for these input shapes. */
    public List<Shape> outputShapes(List<Shape> inputShapes) {
        return List.of(outputShape(inputShapes.get(0)));
    }

    /** Single-input, single-output form; by default the shape is unchanged. */
    public Shape outputShape(Shape inputShape) {
        return inputShape;
    }

    // ---- weights --------------------------------------------------------------------------

    /** Creates a weight (in floatX) and registers it; call only from build. Keras's add_weight. */
    protected final Parameter addWeight(String weightName, long[] shape, Initializer initializer) {
        INDArray value = initializer.initialize(shape, Backend.floatX());
        Parameter p = new Parameter(weightName, value);
        p.setTrainable(trainable);
        p.setRegularization(regularizers.get(weightName), constraints.get(weightName));
        weights.add(p);
        return p;
    }

    /**
     * Lists a built inner layer's weights as this layer's own, after those already listed: how a
     * wrapper (Bidirectional, TimeDistributed) keeps Keras's weight order.
     */
    protected final void adoptWeights(Layer inner) {
        for (Parameter p : inner.weights()) {
            if (!trainable) {
                p.setTrainable(false);   // a wrapper frozen before it was built freezes what it wraps
            }
            weights.add(p);
        }
    }

    /**
     * Replaces the layer's weights, none of them trainable: a layer quantized in place lists its
     * int8 weights and their scales instead of its float ones.
     */
    protected final void replaceWeights(List<Parameter> replacement) {
        replacement.forEach(p -> p.setTrainable(false));
        weights.clear();
        weights.addAll(replacement);
    }

    /** The weights in Keras's {@code get_weights()} order. */
    public final List<Parameter> weights() {
        return Collections.unmodifiableList(weights);
    }

    /** Copies of the weight values, in Keras's order. */
    public final List<INDArray> getWeights() {
        List<INDArray> out = new ArrayList<>();
        for (Parameter p : weights) {
            out.add(p.value().dup());
        }
        return out;
    }

    /** Sets the weights from arrays in Keras's order and layout (as Keras's set_weights). */
    public final void setWeights(List<INDArray> values) {
        requireBuilt();
        if (values.size() != weights.size()) {
            throw new IllegalArgumentException(describe() + ": expected " + weights.size() + " weight arrays "
                + weights + ", got " + values.size() + ".");
        }
        for (int i = 0; i < values.size(); i++) {
            Parameter p = weights.get(i);
            if (!Arrays.equals(p.value().shape(), values.get(i).shape())) {
                throw new IllegalArgumentException(describe() + ": weight '" + p.name() + "' has shape "
                    + Arrays.toString(p.value().shape()) + ", got " + Arrays.toString(values.get(i).shape()) + ".");
            }
            p.value().assign(values.get(i));
            p.applyMask();   // a pruned weight stays pruned
        }
    }

    /** The number of scalars in the weights. */
    public final long countParams() {
        long n = 0;
        for (Parameter p : weights) {
            n += p.size();
        }
        return n;
    }

    public final boolean trainable() {
        return trainable;
    }

    /** Freezes or unfreezes every weight of the layer (Keras's {@code layer.trainable = False}). */
    public final void setTrainable(boolean value) {
        this.trainable = value;
        for (Parameter p : weights) {
            p.setTrainable(value);
        }
    }

    // ---- calling --------------------------------------------------------------------------

    /** Wires this layer into a Functional graph; returns its only output. */
    public final SymbolicTensor apply(SymbolicTensor... inputs) {
        List<SymbolicTensor> outs = applyAll(inputs);
        if (outs.size() != 1) {
            throw new IllegalStateException(describe() + " has " + outs.size() + " outputs; use applyAll.");
        }
        return outs.get(0);
    }

    /** Wires this layer into a Functional graph; returns all its outputs (e.g. an LSTM's states). */
    public final List<SymbolicTensor> applyAll(SymbolicTensor... inputs) {
        List<Shape> shapes = new ArrayList<>();
        for (SymbolicTensor t : inputs) {
            shapes.add(t.shape());
        }
        build(shapes);
        return new Node(this, List.of(inputs), outputShapes(shapes)).outputs();
    }

    /**
     * Runs the layer on arrays: checks them against the built shapes (building on first use),
     * then calls {@link #forward}.
     */
    public final Forward call(INDArray[] inputs, INDArray[] masks, boolean training) {
        List<Shape> shapes = new ArrayList<>();
        for (INDArray x : inputs) {
            shapes.add(Shape.of(x.shape()).with(0, Shape.UNKNOWN));
        }
        if (!isBuilt()) {
            build(shapes);
        }
        checkArrays(inputs);
        return forward(inputs, masks, training);
    }

    /** Inference on one input: {@code layer.call(x)} returns the output. */
    public final INDArray call(INDArray x) {
        return call(new INDArray[] {x}, new INDArray[] {null}, false).output();
    }

    private void checkArrays(INDArray[] inputs) {
        if (inputs.length != builtShapes.size()) {
            throw new IllegalArgumentException(describe() + ": expected " + builtShapes.size() + " input(s), got "
                + inputs.length + ".");
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].dataType() == org.nd4j.linalg.api.buffer.DataType.UTF8) {
                throw new IllegalArgumentException(describe() + ": input " + i + " holds strings (UTF8), not numbers."
                    + " Turn texts into ids with a TextVectorization first.");
            }
            Shape expected = builtShapes.get(i);
            long[] actual = inputs[i].shape();
            if (!expected.matches(actual)) {
                throw new IllegalArgumentException(describe() + ": expected input of shape " + expected + ", got "
                    + Arrays.toString(actual) + ". " + shapeFix(expected, actual));
            }
        }
    }

    private static String shapeFix(Shape expected, long[] actual) {
        if (expected.rank() != actual.length) {
            return "The rank differs: reshape the data to rank " + expected.rank() + ".";
        }
        return "Feed data whose dimensions match the known ones (None is free), or build a new model for this shape.";
    }

    /**
     * Computes the outputs. Masks arrive per input ({@code null} where none); the returned
     * {@link Forward} carries the output masks and whatever {@link #backward} needs.
     */
    public abstract Forward forward(INDArray[] inputs, INDArray[] masks, boolean training);

    /**
     * Given dLoss/dOutput for each output ({@code null} for an output the loss does not reach),
     * adds the weight gradients into the weights and returns dLoss/dInput per input ({@code null}
     * for inputs that have none, such as token ids).
     */
    public abstract INDArray[] backward(Forward forward, INDArray[] outputGradients);

    /** A Forward for a single-input, single-output call. */
    protected static Forward single(INDArray[] inputs, INDArray[] masks, INDArray output, INDArray outputMask,
                                    boolean training, INDArray... saved) {
        return new Forward(inputs, masks, new INDArray[] {output}, new INDArray[] {outputMask}, saved, training);
    }

    /** The input's mask, or null: what most layers pass on unchanged. */
    protected static INDArray firstMask(INDArray[] masks) {
        return masks == null || masks.length == 0 ? null : masks[0];
    }

    /** The gradient of the only output, or zeros when the loss does not reach it. */
    protected static INDArray outputGradient(Forward forward, INDArray[] outputGradients) {
        INDArray g = outputGradients[0];
        return g != null ? g : Nd4j.zerosLike(forward.output());
    }

    /** Accumulates {@code g} into weight {@code p} when the weight is trainable. */
    protected static void accumulate(Parameter p, INDArray g) {
        if (p.trainable()) {
            p.accumulate(g);
        }
    }

    protected final void requireBuilt() {
        if (!isBuilt()) {
            throw new IllegalStateException(describe() + " is not built yet: call it on an input, or add it to a model"
                + " that knows its input shape.");
        }
    }

    /**
     * A copy of a config record with one component replaced; the record's constructor validates
     * it. Layers use it so that every fluent option returns a new, unbuilt layer.
     */
    protected static <C extends Record> C with(C config, String component, Object value) {
        RecordComponent[] parts = config.getClass().getRecordComponents();
        Object[] args = new Object[parts.length];
        Class<?>[] types = new Class<?>[parts.length];
        boolean found = false;
        try {
            for (int i = 0; i < parts.length; i++) {
                types[i] = parts[i].getType();
                boolean hit = parts[i].getName().equals(component);
                found |= hit;
                args[i] = hit ? value : parts[i].getAccessor().invoke(config);
            }
            if (!found) {
                throw new IllegalArgumentException("no option '" + component + "' in " + config.getClass().getSimpleName());
            }
            Constructor<?> ctor = config.getClass().getDeclaredConstructor(types);
            ctor.setAccessible(true);
            @SuppressWarnings("unchecked")
            C copy = (C) ctor.newInstance(args);
            return copy;
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
