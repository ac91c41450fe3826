package org.seqml.layers.recurrent;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.Shape;
import org.seqml.backend.Blas;
import org.seqml.backend.CallScope;
import org.seqml.backend.FusedRnn;
import org.seqml.backend.Ops;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;

/**
 * The one time loop under every recurrent layer, Keras's {@code RNN}: masks, {@code goBackwards},
 * {@code returnSequences}, {@code returnState}, {@code stateful}, initial states, and input and
 * recurrent dropout live here once; {@link LSTM}, {@link GRU}, {@link SimpleRNN} and
 * {@code AttentionLSTM} supply the step (the cell). A cell may read constants at every step (an
 * attention cell's memory, Keras's {@code constants}), carry states of other sizes, output a
 * state other than h and add outputs of its own: see the hooks under "what a cell may add". The
 * loop itself is {@link TimeLoop}; a fused kernel ({@link FusedRnn}) runs whole sequences where
 * it can.
 *
 * <p>The loop is arranged for speed: the input projection of all time steps is one GEMM
 * ({@code (T*B, F) x (F, G*U)}), only the recurrent product stays inside the loop (straight to
 * BLAS, on contiguous feature-major step arrays), and the backward pass gathers the weight
 * gradients of all steps in one GEMM each.
 * <pre>
 * XZ        = X W + b                      (all steps at once, time-major)
 * state_t   = step(XZ_t, state_{t-1})      (the cell)
 * masked t  : state_t = state_{t-1};  out_t = out_{t-1}  (0 before the first kept step), or 0
 *             when zeroOutputForMask (as Bidirectional asks)
 * output    = out_{T-1}  or all out_t with returnSequences; plus the final states with returnState
 * </pre>
 * Dropout draws one mask per sequence and reuses it at every step, as Keras does: {@code dropout}
 * on the inputs, {@code recurrentDropout} on the state that enters the recurrent product.
 *
 * <p>Inputs: {@code (batch, time, features)}, then the cell's constants if any, then optionally
 * one initial state per state ({@code (batch, units)} each: h, or h and c for LSTM). Outputs: {@code (batch, units)} or
 * {@code (batch, time, units)}, then the final states with {@code returnState}.
 *
 * @param <L> the concrete layer, so fluent options keep its type
 */
public abstract class RNN<L extends RNN<L>> extends Layer implements org.seqml.layers.Stochastic {

    /** The loop's options, shared by every recurrent layer, with Keras's defaults (all off). */
    public record Options(boolean returnSequences, boolean returnState, boolean goBackwards, boolean stateful,
                          double dropout, double recurrentDropout, boolean zeroOutputForMask, long seed) {
        public Options {
            if (dropout < 0 || dropout >= 1 || recurrentDropout < 0 || recurrentDropout >= 1) {
                throw new IllegalArgumentException("dropout and recurrentDropout must be in [0, 1), got " + dropout
                    + " and " + recurrentDropout);
            }
        }

        public static Options defaults() {
            return new Options(false, false, false, false, 0, 0, false, RandomSeed.next());
        }
    }

    private final Options options;
    private final TimeLoop loop = new TimeLoop(this);
    private volatile FusedRnn.Quantized quantized;
    private volatile LoopInt8 loopInt8;
    private INDArray[] carried;   // stateful: the final states of the last batch
    private Random rng;
    private long calls;           // training calls that drew dropout masks

    protected RNN(Options options) {
        this.options = options;
    }

    public final Options options() {
        return options;
    }

    /** A new unbuilt layer of the same kind with these loop options. */
    protected abstract L withOptions(Options newOptions);

    public final L returnSequences(boolean value) {
        return sameName(withOptions(with(options, "returnSequences", value)));
    }

    public final L returnState(boolean value) {
        return sameName(withOptions(with(options, "returnState", value)));
    }

    public final L goBackwards(boolean value) {
        return sameName(withOptions(with(options, "goBackwards", value)));
    }

    /** Carries the final states of each batch into the next; {@link #resetStates()} clears them. */
    public final L stateful(boolean value) {
        return sameName(withOptions(with(options, "stateful", value)));
    }

    public final L dropout(double rate) {
        return sameName(withOptions(with(options, "dropout", rate)));
    }

    public final L recurrentDropout(double rate) {
        return sameName(withOptions(with(options, "recurrentDropout", rate)));
    }

    /** Outputs zeros at masked steps instead of repeating the last output (Bidirectional sets it). */
    public final L zeroOutputForMask(boolean value) {
        return sameName(withOptions(with(options, "zeroOutputForMask", value)));
    }

    public final L seed(long value) {
        return sameName(withOptions(with(options, "seed", value)));
    }

    // ---- cell options every recurrent layer has (its Config record holds them) ----------------

    /** A new unbuilt layer of the same kind with one cell option changed (validated by its Config). */
    protected abstract L withCellOption(String option, Object value);

    public final L activation(String name) {
        return withCellOption("activation", org.seqml.activations.Activation.get(name));
    }

    public final L activation(org.seqml.activations.Activation value) {
        return withCellOption("activation", value);
    }

    public final L useBias(boolean value) {
        return withCellOption("useBias", value);
    }

    public final L kernelInitializer(org.seqml.initializers.Initializer value) {
        return withCellOption("kernelInitializer", value);
    }

    public final L recurrentInitializer(org.seqml.initializers.Initializer value) {
        return withCellOption("recurrentInitializer", value);
    }

    public final L biasInitializer(org.seqml.initializers.Initializer value) {
        return withCellOption("biasInitializer", value);
    }

    /** Restarts the dropout stream from the seed, so the next call draws the first masks again. */
    final void restartDropout() {
        calls = 0;
    }

    @Override
    public final long randomCalls() {
        return calls;
    }

    @Override
    public final void setRandomCalls(long value) {
        this.calls = value;
    }

    /** Forgets the states carried by a stateful layer. */
    public final void resetStates() {
        carried = null;
    }

    // ---- what a cell supplies ------------------------------------------------------------
    //
    // Inside the loop every per-step array is feature-major, (features, batch): a gate is then a
    // contiguous run of rows, so the cell's element-wise ops run on contiguous memory and its
    // products go straight to BLAS (org.seqml.backend.Blas) on time-step views without copies.

    /** The size of each state (and of the output). */
    public abstract int units();

    /** How many states the cell carries: 1 (h), or 2 for LSTM (h, c). */
    protected abstract int stateCount();

    /** How many blocks of {@code units} the input projection has (LSTM 4, GRU 3, SimpleRNN 1). */
    protected abstract int gateCount();

    /** Creates the weights for inputs of {@code inputDim} features. */
    protected abstract void buildCell(long inputDim);

    /** The input kernel {@code (inputDim, gates * units)}. */
    protected abstract Parameter kernel();

    /** The bias added to the input projection {@code (gates * units)}, or null. */
    protected abstract INDArray inputBias();

    /**
     * Makes what the cell keeps per step for its backward, and its scratch buffers (see
     * {@link #array}); {@code inputs} and {@code masks} are the call's (a cell reads its constants there).
     */
    protected abstract Object newCache(long time, long batch, DataType type, INDArray[] inputs, INDArray[] masks);

    /** An array for this call whose contents are undefined: callers write before they read. */
    protected static INDArray array(DataType type, long... shape) {
        return CallScope.uninitialized(type, shape);
    }

    /**
     * One step. {@code z} (gates*units, batch) holds the input projection of step {@code s}; the
     * cell adds its recurrent part and keeps it (it is the step's pre-activation). {@code hRec}
     * (units, batch) is h_{s-1} as it enters the recurrent product (after recurrent dropout);
     * {@code prev} the states before the step. Writes the new states into {@code next}.
     */
    protected abstract void step(int s, INDArray z, INDArray hRec, INDArray[] prev, INDArray[] next, Object cache);

    /**
     * The step backward: from dLoss/d(new states) {@code dNext}, writes dLoss/d(pre-activation)
     * into {@code dz} and dLoss/d(states before) into {@code dPrev} (overwritten). {@code z} is the
     * step's pre-activation and {@code newStates} its outputs before masking.
     */
    protected abstract void stepBackward(int s, INDArray z, INDArray[] dNext, INDArray[] prev, INDArray[] newStates,
                                         INDArray dz, INDArray[] dPrev, INDArray recMask, Object cache);

    /**
     * After the loop, the bias and recurrent-kernel gradients of all steps in one product each.
     * {@code hRec} (T*B, U): h_{s-1} as it entered each recurrent product; {@code dZ} (T*B, G*U);
     * both batch-major, rows in step order.
     */
    protected abstract void weightGradients(INDArray hRec, INDArray dZ, Object cache);

    // ---- what a cell may add (an attention cell: Keras's RNN constants) ------------------------

    /** The size of state {@code k}: {@link #units} unless the cell says otherwise. */
    protected long stateSize(int k) {
        return units();
    }

    /** The state the layer outputs at each step: h, state 0, unless the cell says otherwise. */
    protected int outputState() {
        return 0;
    }

    /** How many inputs after the sequence every step reads whole (before any initial states); none by default. */
    protected int constantCount() {
        return 0;
    }

    /** Checks the constants' shapes (the inputs after the sequence). */
    protected void checkConstantShapes(List<Shape> constants) {
    }

    /** Whether {@code n} initial states may follow the inputs: none or all unless the cell says otherwise. */
    protected boolean takesInitialStates(int n) {
        return n == 0 || n == stateCount();
    }

    /** The rows of the kernel, or of its gradient, that multiply x_t: all unless the cell feeds more in. */
    protected INDArray inputKernel(INDArray kernel) {
        return kernel;
    }

    /** Outputs the cell adds after the layer's, each time-major (T, B, n) in processing order; none by default. */
    protected INDArray[] extraSequences(Object cache) {
        return new INDArray[0];
    }

    /** The shapes of {@link #extraSequences}. */
    protected List<Shape> extraOutputShapes(List<Shape> inputs) {
        return List.of();
    }

    /** Hands the cell the gradients of its extra outputs (time-major, null where none) before the backward loop. */
    protected void extraGradients(Object cache, INDArray[] gradients) {
    }

    /** After the backward loop: dLoss/d(constants), one per constant. */
    protected INDArray[] constantGradients(Object cache) {
        return new INDArray[0];
    }

    // ---- shapes and building -------------------------------------------------------------

    @Override
    protected final void checkInputShapes(List<Shape> shapes) {
        Shape x = shapes.get(0);
        requireRank(x, 3, "(batch, time, features)", "Add an Embedding for token ids, or reshape the input to"
            + " (batch, time, features).");
        requireKnownLast(x);
        int constants = constantCount();
        if (shapes.size() < 1 + constants) {
            throw new IllegalArgumentException(describe() + ": expected the sequence and " + constants
                + " more input(s), got " + shapes.size() + " input(s).");
        }
        checkConstantShapes(shapes.subList(1, 1 + constants));
        int extra = shapes.size() - 1 - constants;
        if (!takesInitialStates(extra)) {
            throw new IllegalArgumentException(describe() + ": expected " + stateCount() + " initial state(s) after the"
                + " input, got " + extra + ". Pass " + (stateCount() == 2 ? "[h, c]" : "[h]") + " of shape (batch, "
                + units() + ").");
        }
        for (int k = 0; k < extra; k++) {
            Shape st = shapes.get(1 + constants + k);
            if (st.rank() != 2 || (st.isKnown(1) && st.get(1) != stateSize(k))) {
                throw new IllegalArgumentException(describe() + ": initial state " + k + " must have shape (None, "
                    + stateSize(k) + "), got " + st + ".");
            }
        }
    }

    @Override
    protected final void buildWeights(List<Shape> shapes) {
        buildCell(shapes.get(0).last());
    }

    @Override
    public final List<Shape> outputShapes(List<Shape> in) {
        Shape x = in.get(0);
        List<Shape> out = new ArrayList<>();
        long size = stateSize(outputState());
        out.add(options.returnSequences() ? Shape.of(x.get(0), x.get(1), size) : Shape.of(x.get(0), size));
        if (options.returnState()) {
            for (int k = 0; k < stateCount(); k++) {
                out.add(Shape.of(x.get(0), stateSize(k)));
            }
        }
        out.addAll(extraOutputShapes(in));
        return out;
    }

    // ---- fused or loop ----------------------------------------------------------------

    /** A forward a fused kernel ran (the backend's); dropMask: the input dropout's keep mask (B, F), or null. */
    private record FusedCall(FusedRnn.Call call, FusedRnn.Weights weights, INDArray dropMask) {
    }

    /**
     * The cell as the backend's fused kernels compute it, or null where they cannot (other
     * activations, peepholes, SimpleRNN): then every call runs the loop.
     */
    protected FusedRnn.Cell fusedCell() {
        return null;
    }

    /** The recurrent kernel {@code (units, gates * units)}. */
    protected abstract Parameter recurrentKernel();

    /** The bias in Keras's layout, or null without one. */
    protected abstract Parameter biasParameter();

    /**
     * Fused or loop: the call goes to the backend's fused entry when the cell has a fused form and
     * the call no recurrent dropout (input dropout is applied here, before, as the loop does); the
     * backend runs it or declines, and the loop runs what it declines.
     */
    // ---- int8 ------------------------------------------------------------------------------

    /**
     * Quantizes this built layer to int8 in place, for inputs within {@code inputRange} (the
     * largest |x| it will meet; larger ones saturate), for inference only. As Keras 3's
     * {@code layer.quantize("int8")}. LSTM and GRU with {@code resetAfter(false)} (tanh and sigmoid,
     * no peepholes) run on oneDNN's int8 kernel; their weights become {@code kernel} and
     * {@code recurrent_kernel} (int8), {@code bias} (float32), {@code kernel_scale} (one per gate
     * column, shared by both kernels, as oneDNN wants) and {@code input_scale}:
     * <pre>
     * kernel_scale_c = 127 / max(|W_x[:, c]| * inputRange, |W_h[:, c]|)
     * kernel         = round(W_x * inputRange * kernel_scale),  recurrent_kernel = round(W_h * kernel_scale)
     * input_scale    = 1 / inputRange
     * </pre>
     * The forms oneDNN 2.5 has no int8 kernel for (the default GRU with reset_after, SimpleRNN,
     * LSTM with peepholes or other activations) run the loop with both products in int8
     * ({@link org.seqml.backend.Int8Matmul}) and the gate math in float32; their weights are {@code kernel},
     * {@code recurrent_kernel} (int8), {@code bias}, {@code kernel_scale},
     * {@code recurrent_kernel_scale} (one per gate column each: {@code 127 / max|W[:, c]|}),
     * {@code input_scale} and any peephole weights (float32). The state enters the recurrent
     * product with scale 127 (|h| <= 1 under tanh), or each sample's own when the output is not
     * bounded. On this project's 2-core CPU that loop is slower than the fused float32 kernel
     * (docs/performance.md): choose {@code resetAfter(false)} for a GRU meant to run int8 fast.
     */
    public final void quantize(double inputRange) {
        if (!isBuilt()) {
            throw new IllegalStateException(describe() + " is not built yet: call the model once (or build it) first.");
        }
        if (quantized()) {
            throw new IllegalStateException(describe() + " is quantized already.");
        }
        if (!int8Capable()) {
            throw new IllegalArgumentException(describe() + ": no int8 form for this layer. Quantizable: LSTM (also"
                + " with peepholes), GRU (resetAfter(false) only with tanh and sigmoid) and SimpleRNN.");
        }
        if (!(inputRange > 0) || Double.isInfinite(inputRange)) {
            throw new IllegalArgumentException(describe() + ": inputRange must be positive and finite, got "
                + inputRange + ".");
        }
        Parameter bias = biasParameter();
        FusedRnn.Cell cell = fusedCell();
        if (cell != null && FusedRnn.quantizable(cell)) {
            useQuantized(FusedRnn.quantize(new FusedRnn.Weights(cell, units(), kernel().value(),
                recurrentKernel().value(), bias == null ? null : bias.value()), inputRange));
            return;
        }
        LoopInt8 q = LoopInt8.quantize(inputKernel(kernel().value()), recurrentKernel().value(), inputRange,
            boundedOutput());
        replaceWeights(q.weights(weights(), bias));
        rebindWeights();
        loopInt8 = q;
    }

    /** Points the cell's weight fields at {@link #weights()} again, by name, after they were replaced. */
    protected void rebindWeights() {
    }

    /** The layer's weight of this name, or null. */
    protected final Parameter weight(String weightName) {
        return weights().stream().filter(p -> p.name().equals(weightName)).findFirst().orElse(null);
    }

    /** Whether the cell's step makes its recurrent product through {@link #recurrentProduct} alone (its int8 form). */
    protected boolean int8Loop() {
        return false;
    }

    /** The loop's arithmetic type: float32 for an int8 layer, else the kernel's. */
    final DataType computeType() {
        return quantized() ? DataType.FLOAT : kernel().value().dataType();
    }

    /** The loop's input projection {@code xz = x W} (bias apart), in int8 for an int8 layer. */
    final void inputProduct(INDArray x2, INDArray xz) {
        LoopInt8 q = loopInt8;
        if (q != null) {
            q.inputProduct(x2, xz);
        } else {
            Blas.gemm(x2, false, inputKernel(kernel().value()), false, 1.0, xz, 0.0);
        }
    }

    /**
     * A step's recurrent product, feature-major: {@code z = U^T h} ({@code z += U^T h} with
     * {@code accumulate}), in int8 for an int8 layer.
     */
    protected final void recurrentProduct(INDArray h, INDArray z, boolean accumulate) {
        LoopInt8 q = loopInt8;
        if (q != null) {
            q.recurrentProduct(h, z, accumulate);
        } else {
            Blas.gemm(recurrentKernel().value(), true, h, false, 1.0, z, accumulate ? 1.0 : 0.0);
        }
    }

    private void useQuantized(FusedRnn.Quantized q) {
        List<Parameter> weights = new ArrayList<>();
        weights.add(new Parameter("kernel", q.kernel()));
        weights.add(new Parameter("recurrent_kernel", q.recurrentKernel()));
        if (q.bias() != null) {
            weights.add(new Parameter("bias", q.bias()));
        }
        weights.add(new Parameter("kernel_scale", q.scales()));
        weights.add(new Parameter("input_scale", q.inputScale()));
        replaceWeights(weights);
        rebindWeights();
        quantized = q;
    }

    /** Whether {@link #quantize} has an int8 form for this layer. */
    public final boolean int8Capable() {
        FusedRnn.Cell cell = fusedCell();
        return cell != null && FusedRnn.quantizable(cell) || int8Loop();
    }

    /** Whether every output lies in [-1, 1]: h of a cell with the standard tanh output. */
    public final boolean boundedOutput() {
        return fusedCell() != null;
    }

    /** Whether the layer holds int8 weights ({@link #quantize}). */
    public final boolean quantized() {
        return quantized != null || loopInt8 != null;
    }

    /** A call of an int8 layer: oneDNN's int8 kernel, inference only. */
    private Forward quantizedForward(FusedRnn.Quantized q, INDArray[] inputs, INDArray[] masks, boolean training) {
        if (training) {
            throw new IllegalStateException(describe() + " is quantized to int8 and runs inference only: train the"
                + " float model, then quantize it.");
        }
        INDArray mask = masks.length > 0 ? masks[0] : null;
        if (!FusedRnn.takes(q, mask)) {
            throw new IllegalStateException(describe() + " is quantized to int8, which runs on oneDNN only, with masks"
                + " of 0s and 1s: oneDNN is off here (-Dseqml.onednn=false, -Dseqml.portable=true or a non-CPU"
                + " backend) or the mask weighs steps.");
        }
        INDArray x = inputs[0];
        long b = x.size(0);
        FusedRnn.Options loop = new FusedRnn.Options(options.goBackwards(), options.returnSequences(),
            options.zeroOutputForMask(), options.returnState() || options.stateful());
        FusedRnn.Call call = FusedRnn.forward(q, x, mask, initialState(inputs, 0, b),
            stateCount() == 2 ? initialState(inputs, 1, b) : null, loop);
        return fusedResult(inputs, masks, call, training, call);
    }

    /** The forward of the cell's int8 form on a backend kernel, or null: the loop runs it (GRU has one). */
    Forward int8Kernel(LoopInt8 q, INDArray[] inputs, INDArray[] masks) {
        return null;
    }

    /** A kernel's call as the layer's forward: its output, its final states with returnState (carried when stateful). */
    final Forward fusedResult(INDArray[] inputs, INDArray[] masks, FusedRnn.Call call, boolean training,
                                Object cache) {
        INDArray[] finals = call.states();
        INDArray[] outs = new INDArray[1 + (options.returnState() ? finals.length : 0)];
        outs[0] = call.output();
        System.arraycopy(finals, 0, outs, 1, outs.length - 1);
        if (options.stateful()) {
            carry(finals);
        }
        INDArray[] outMasks = new INDArray[outs.length];
        outMasks[0] = options.returnSequences() && masks.length > 0 ? masks[0] : null;   // as the loop's
        return new Forward(inputs, masks, outs, outMasks, new INDArray[0], training, cache);
    }

    @Override
    public final Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        FusedRnn.Quantized q = quantized;
        if (q != null) {
            return quantizedForward(q, inputs, masks, training);
        }
        LoopInt8 q8 = loopInt8;
        if (q8 != null) {
            if (training) {
                throw new IllegalStateException(describe() + " is quantized to int8 and runs inference only: train"
                    + " the float model, then quantize it.");
            }
            Forward fast = int8Kernel(q8, inputs, masks);
            return fast != null ? fast : loop(inputs, masks, false);
        }
        FusedRnn.Cell cell = fusedCell();
        if (cell != null && !(training && options.recurrentDropout() > 0)) {
            Forward fused = fused(cell, inputs, masks, training);
            if (fused != null) {
                return fused;
            }
        }
        return loop(inputs, masks, training);
    }

    private Forward fused(FusedRnn.Cell cell, INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray x = inputs[0];
        long b = x.size(0);
        Parameter bias = biasParameter();
        FusedRnn.Weights w = new FusedRnn.Weights(cell, units(), kernel().value(), recurrentKernel().value(),
            bias == null ? null : bias.value());
        INDArray mask = masks.length > 0 ? masks[0] : null;
        FusedRnn.Options loop = new FusedRnn.Options(options.goBackwards(), options.returnSequences(),
            options.zeroOutputForMask(), options.returnState() || options.stateful(), dtypePolicy().bfloat16());
        if (!FusedRnn.takes(w, x, mask, loop, training)) {
            return null;   // before any dropout draw: the loop draws this call's masks
        }
        INDArray dropMask = null;
        if (training && options.dropout() > 0) {
            // the loop's draw, from the same per-call seed: both paths drop the same inputs
            startRandomCall();
            dropMask = keepMask(b, x.size(2), options.dropout(), x.dataType());
            x = x.mul(dropMask.reshape(b, 1, x.size(2)).broadcast(x.shape()));
        }
        FusedRnn.Call call = FusedRnn.forward(w, x, mask, initialState(inputs, 0, b),
            stateCount() == 2 ? initialState(inputs, 1, b) : null, loop, training);
        return fusedResult(inputs, masks, call, training, new FusedCall(call, w, dropMask));
    }

    /** The backward of a fused forward, or null when its kernel has none (the caller runs the loop). */
    private INDArray[] fusedBackward(FusedCall fused, INDArray[] outputGradients) {
        INDArray dh = null;
        INDArray dc = null;
        if (options.returnState()) {
            dh = outputGradients.length > 1 ? outputGradients[1] : null;
            dc = outputGradients.length > 2 ? outputGradients[2] : null;
        }
        Parameter k = kernel();
        Parameter r = recurrentKernel();
        Parameter bias = biasParameter();
        FusedRnn.Gradients g = FusedRnn.backward(fused.call(), fused.weights(), outputGradients[0], dh, dc,
            k.trainable() ? k.grad() : null, r.trainable() ? r.grad() : null,
            bias != null && bias.trainable() ? bias.grad() : null);
        if (g == null) {
            return null;
        }
        int extra = inputShapes().size() - 1;   // initial states given as inputs get their gradients
        INDArray[] grads = new INDArray[1 + extra];
        INDArray keep = fused.dropMask();
        grads[0] = keep == null ? g.dx()
            : g.dx().muli(keep.reshape(keep.size(0), 1, keep.size(1)).broadcast(g.dx().shape()));
        for (int i = 0; i < extra; i++) {
            grads[1 + i] = i == 0 ? g.dh0() : g.dc0();
        }
        return grads;
    }

    /** Forward on the loop, whatever fused path exists (the reference, and what backward needs). */
    final Forward loop(INDArray[] inputs, INDArray[] masks, boolean training) {
        return loop.forward(inputs, masks, training);
    }

    // ---- which path ran (tests check the fast path really ran) ---------------------------------

    /** Whether oneDNN computed this forward. */
    static boolean ranOnOneDnn(Forward forward) {
        return forward.cache() instanceof FusedCall f && f.call().onOneDnn();
    }

    /** Whether a fused kernel (oneDNN's or ND4J's) computed this forward. */
    static boolean ranFused(Forward forward) {
        return forward.cache() instanceof FusedCall;
    }

    // ---- backward on the loop ---------------------------------------------------------------

    @Override
    public final INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        if (forward.cache() instanceof FusedRnn.Call call && call.int8() || loopInt8 != null) {
            throw new IllegalStateException(describe() + " is quantized to int8 and has no backward.");
        }
        if (forward.cache() instanceof FusedCall fused) {
            INDArray[] grads = fusedBackward(fused, outputGradients);
            if (grads != null) {
                return grads;
            }
            // a kernel without a backward (ND4J's lstmLayer, inference only): the loop's, from the inputs
            return backward(loop(forward.inputs(), forward.inputMasks(), forward.training()), outputGradients);
        }
        return loop.backward(forward, outputGradients);
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** A stateful layer keeps copies of this batch's final states for the next. */
    void carry(INDArray[] finals) {
        carried = new INDArray[finals.length];
        for (int k = 0; k < finals.length; k++) {
            carried[k] = finals[k].dup();
        }
    }

    /** The k-th initial state: given as an input, carried by a stateful layer, or null for zeros. */
    INDArray initialState(INDArray[] inputs, int k, long batch) {
        int first = 1 + constantCount();
        if (inputs.length > first) {
            return first + k < inputs.length ? inputs[first + k] : null;
        }
        if (options.stateful() && carried != null) {
            if (carried[k].size(0) != batch) {
                throw new IllegalArgumentException(describe() + ": a stateful layer needs the same batch size every"
                    + " call: it carries states for " + carried[k].size(0) + " samples, got " + batch + ". Call"
                    + " resetStates() to start over.");
            }
            return carried[k];
        }
        return null;
    }

    /** Seeds the random stream for this training call's masks: per call, so a resumed run repeats them. */
    void startRandomCall() {
        if (rng == null) {
            rng = Nd4j.getRandomFactory().getNewRandomInstance(options.seed());
        }
        rng.setSeed(org.seqml.layers.Stochastic.callSeed(options.seed(), calls++));
    }

    /** Dropout's keep mask (rows, cols), scaled by 1 / (1 - rate), from this call's stream. */
    INDArray keepMask(long rows, long cols, double rate, DataType type) {
        INDArray keep = Nd4j.create(type, rows, cols);
        Ops.bernoulli(keep, 1.0 - rate, rng);
        return keep.divi(1.0 - rate);
    }

    /** Step {@code s} of a (T, ...) array; reused across batches for the loop's own arrays. */
    protected final INDArray step(INDArray a, int s) {
        return CallScope.step(a, s);
    }

    /**
     * The weight gradients of a cell whose recurrent product sees every gate the same way (LSTM,
     * SimpleRNN): recurrentKernel += hRec^T dZ, bias += column sums of dZ.
     */
    protected static void sameForAllGates(Parameter recurrentKernel, Parameter bias, INDArray hRec, INDArray dZ) {
        if (recurrentKernel.trainable()) {
            Blas.gemm(hRec, true, dZ, false, 1.0, recurrentKernel.grad(), 1.0);
        }
        if (bias != null && bias.trainable()) {
            Blas.addColumnSums(dZ, bias.grad());
        }
    }

    /** Rows [k*units, (k+1)*units) of a (G*U, B) step array: gate k, contiguous. */
    protected final INDArray gate(INDArray a, int k) {
        return gates(a, k, k + 1);
    }

    /** Rows [from*units, to*units) of a (G*U, B) step array: gates from..to-1, contiguous. */
    protected final INDArray gates(INDArray a, int from, int to) {
        return CallScope.rows(a, (long) from * units(), (long) to * units());
    }

    /** Columns [from*units, to*units) of a (U, G*U) kernel: the weights of gates from..to-1. */
    protected final INDArray kernelGates(INDArray kernel, int from, int to) {
        return kernel.get(NDArrayIndex.all(), NDArrayIndex.interval((long) from * units(), (long) to * units()));
    }
}
