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
import org.seqml.backend.ArrayOps;
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
 * recurrent dropout live here once; {@link LSTM}, {@link GRU} and {@link SimpleRNN} supply the
 * step (the cell).
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
 * <p>Inputs: {@code (batch, time, features)}, then optionally one initial state per state
 * ({@code (batch, units)} each: h, or h and c for LSTM). Outputs: {@code (batch, units)} or
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

    /** Makes what the cell keeps per step for its backward, and its scratch buffers (see {@link #array}). */
    protected abstract Object newCache(long time, long batch, DataType type);

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

    // ---- shapes and building -------------------------------------------------------------

    @Override
    protected final void checkInputShapes(List<Shape> shapes) {
        Shape x = shapes.get(0);
        requireRank(x, 3, "(batch, time, features)", "Add an Embedding for token ids, or reshape the input to"
            + " (batch, time, features).");
        requireKnownLast(x);
        int extra = shapes.size() - 1;
        if (extra != 0 && extra != stateCount()) {
            throw new IllegalArgumentException(describe() + ": expected " + stateCount() + " initial state(s) after the"
                + " input, got " + extra + ". Pass " + (stateCount() == 2 ? "[h, c]" : "[h]") + " of shape (batch, "
                + units() + ").");
        }
        for (int k = 1; k < shapes.size(); k++) {
            Shape st = shapes.get(k);
            if (st.rank() != 2 || (st.isKnown(1) && st.get(1) != units())) {
                throw new IllegalArgumentException(describe() + ": initial state " + (k - 1) + " must have shape (None, "
                    + units() + "), got " + st + ".");
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
        out.add(options.returnSequences() ? Shape.of(x.get(0), x.get(1), units()) : Shape.of(x.get(0), units()));
        if (options.returnState()) {
            for (int k = 0; k < stateCount(); k++) {
                out.add(Shape.of(x.get(0), units()));
            }
        }
        return out;
    }

    // ---- the loop ------------------------------------------------------------------------

    /** What the loop keeps for backward; per-step arrays are (T, features, B). */
    private record Run(INDArray x2, INDArray dropMask, INDArray recMask, INDArray mask, INDArray z, INDArray[] states,
                       INDArray[] fresh, INDArray hRec, INDArray out, long time, long batch, Object cache) {
    }

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
    @Override
    public final Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
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
        if (!FusedRnn.takes(w, x, mask, options.goBackwards(), training)) {
            return null;   // before any dropout draw: the loop draws this call's masks
        }
        INDArray dropMask = null;
        if (training && options.dropout() > 0) {
            // the loop's draw, from the same per-call seed: both paths drop the same inputs
            startRandomCall();
            dropMask = keepMask(b, x.size(2), options.dropout(), x.dataType());
            x = x.mul(dropMask.reshape(b, 1, x.size(2)).broadcast(x.shape()));
        }
        FusedRnn.Call call = FusedRnn.forward(w, x, initialState(inputs, 0, b),
            stateCount() == 2 ? initialState(inputs, 1, b) : null, options.goBackwards(), options.returnSequences(),
            training);
        INDArray[] finals = call.states();
        INDArray[] outs = new INDArray[1 + (options.returnState() ? finals.length : 0)];
        outs[0] = call.output();
        System.arraycopy(finals, 0, outs, 1, outs.length - 1);
        if (options.stateful()) {
            carry(finals);
        }
        INDArray[] outMasks = new INDArray[outs.length];
        outMasks[0] = options.returnSequences() ? mask : null;   // as the loop's
        return new Forward(inputs, masks, outs, outMasks, new INDArray[0], training, new FusedCall(call, w, dropMask));
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
        INDArray x = inputs[0];
        long b = x.size(0);
        long t = x.size(1);
        long f = x.size(2);
        int u = units();
        DataType type = kernel().value().dataType();
        INDArray xt = timeMajor(x.castTo(type), array(type, t, b, f));
        if (training && (options.dropout() > 0 || options.recurrentDropout() > 0)) {
            startRandomCall();
        }
        INDArray dropMask = null;
        if (training && options.dropout() > 0) {
            dropMask = keepMask(b, f, options.dropout(), type);
            xt.muli(dropMask.reshape(1, b, f).broadcast(t, b, f));
        }
        INDArray x2 = xt.reshape('c', t * b, f);
        long width = (long) gateCount() * u;
        INDArray xz = array(type, t * b, width);
        Blas.gemm(x2, false, kernel().value(), false, 1.0, xz, 0.0);
        if (inputBias() != null) {
            xz.addiRowVector(inputBias());
        }
        // (T*B, G*U) -> (T, G*U, B): each step's projection becomes one contiguous block
        INDArray z = array(type, t, width, b).assign(xz.reshape('c', t, b, width).permute(0, 2, 1));
        INDArray mask = masks.length > 0 && masks[0] != null ? timeMajorMask(masks[0], type) : null;
        INDArray recMask = training && options.recurrentDropout() > 0
            ? keepMask(b, u, options.recurrentDropout(), type).transpose().dup('c') : null;

        INDArray[] states = new INDArray[stateCount()];
        INDArray[] fresh = new INDArray[stateCount()];
        for (int k = 0; k < states.length; k++) {
            states[k] = array(type, t + 1, u, b);
            INDArray initial = initialState(inputs, k, b);
            if (initial != null) {
                states[k].slice(0).assign(initial.castTo(type).transpose());
            } else {
                states[k].slice(0).assign(0);
            }
            fresh[k] = mask == null ? null : array(type, t, u, b);
        }
        INDArray hRec = recMask == null ? null : array(type, t, u, b);
        INDArray out = mask == null ? null : array(type, t, u, b);
        Object cache = newCache(t, b, type);
        for (int s = 0; s < t; s++) {
            INDArray[] prev = slices(states, s);
            INDArray[] next = slices(states, s + 1);
            INDArray h = prev[0];
            if (recMask != null) {
                h = CallScope.step(hRec, s);
                prev[0].mul(recMask, h);
            }
            step(s, CallScope.step(z, s), h, prev, next, cache);
            if (mask != null) {
                applyMask(s, mask.getRow(s), prev, next, fresh, out);
            }
        }
        return finish(inputs, masks, training, new Run(x2, dropMask, recMask, mask, z, states, fresh,
            hRec, out, t, b, cache));
    }

    private Forward finish(INDArray[] inputs, INDArray[] masks, boolean training, Run run) {
        long t = run.time();
        INDArray y;
        if (options.returnSequences()) {
            INDArray outputs = run.out() != null ? run.out()
                : run.states()[0].get(NDArrayIndex.interval(1, t + 1), NDArrayIndex.all(), NDArrayIndex.all());
            y = outputs.permute(2, 0, 1).dup('c');   // (T, U, B) -> (B, T, U)
        } else {
            y = (run.out() != null ? run.out().slice(t - 1) : run.states()[0].slice(t)).transpose().dup('c');
        }
        INDArray[] outs = new INDArray[1 + (options.returnState() ? stateCount() : 0)];
        INDArray[] outMasks = new INDArray[outs.length];
        outs[0] = y;
        outMasks[0] = options.returnSequences() && masks.length > 0 ? masks[0] : null;
        for (int k = 1; k < outs.length; k++) {
            outs[k] = run.states()[k - 1].slice(t).transpose().dup('c');
        }
        if (options.stateful()) {
            carried = new INDArray[stateCount()];
            for (int k = 0; k < carried.length; k++) {
                carried[k] = run.states()[k].slice(t).transpose().dup('c');
            }
        }
        return new Forward(inputs, masks, outs, outMasks, new INDArray[0], training, run);
    }

    /** Keeps the states at masked steps and sets the step's output (repeat, or zero); m is (B). */
    private void applyMask(int s, INDArray m, INDArray[] prev, INDArray[] next, INDArray[] fresh, INDArray out) {
        INDArray o = CallScope.step(out, s);
        if (options.zeroOutputForMask() || s == 0) {
            o.assign(next[0]).muliRowVector(m);
        } else {
            INDArray before = CallScope.step(out, s - 1);
            next[0].sub(before, o).muliRowVector(m).addi(before);
        }
        for (int k = 0; k < next.length; k++) {
            CallScope.step(fresh[k], s).assign(next[k]);
            next[k].subi(prev[k]).muliRowVector(m).addi(prev[k]);
        }
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
        if (forward.cache() instanceof FusedCall fused) {
            INDArray[] grads = fusedBackward(fused, outputGradients);
            if (grads != null) {
                return grads;
            }
            // a kernel without a backward (ND4J's lstmLayer, inference only): the loop's, from the inputs
            return backward(loop(forward.inputs(), forward.inputMasks(), forward.training()), outputGradients);
        }
        Run run = forward.cache(Run.class);
        long t = run.time();
        long b = run.batch();
        int u = units();
        DataType type = kernel().value().dataType();
        INDArray dOut = null;
        INDArray dLast = null;
        if (outputGradients[0] != null) {
            if (options.returnSequences()) {
                // already in processing order: (B, T, U) -> (T, U, B)
                dOut = outputGradients[0].castTo(type).permute(1, 2, 0).dup('c');
            } else {
                dLast = outputGradients[0].castTo(type).transpose().dup('c');
            }
        }
        INDArray[] dState = new INDArray[stateCount()];
        for (int k = 0; k < dState.length; k++) {
            INDArray g = options.returnState() && outputGradients.length > k + 1 ? outputGradients[k + 1] : null;
            dState[k] = g == null ? Nd4j.zeros(type, u, b) : g.castTo(type).transpose().dup('c');
        }
        INDArray dZ = array(type, t, (long) gateCount() * u, b);
        INDArray[] dNew = new INDArray[stateCount()];
        INDArray[] dPrev = new INDArray[stateCount()];
        for (int k = 0; k < dPrev.length; k++) {
            dPrev[k] = Nd4j.zeros(type, u, b);
            dNew[k] = Nd4j.zeros(type, u, b);
        }
        INDArray carry = run.mask() != null && !options.zeroOutputForMask() ? Nd4j.zeros(type, u, b) : null;
        for (int s = (int) t - 1; s >= 0; s--) {
            INDArray dy = dOut != null ? dOut.slice(s) : s == t - 1 ? dLast : null;
            INDArray[] prev = slices(run.states(), s);
            INDArray[] fresh = run.mask() == null ? slices(run.states(), s + 1) : slices(run.fresh(), s);
            INDArray m = run.mask() == null ? null : run.mask().getRow(s);
            if (m == null) {
                // no mask: the incoming state gradient is the step's, so no copies; the two
                // buffers swap roles after the step
                if (dy != null) {
                    dState[0].addi(dy);
                }
                stepBackward(s, CallScope.step(run.z(), s), dState, prev, fresh, CallScope.step(dZ, s), dPrev, run.recMask(),
                    run.cache());
                INDArray[] swap = dState;
                dState = dPrev;
                dPrev = swap;
                continue;
            }
            for (int k = 0; k < dNew.length; k++) {
                dNew[k].assign(dState[k]).muliRowVector(m);
            }
            INDArray total = dy == null ? carry : carry == null ? dy : dy.add(carry);
            if (total != null) {
                dNew[0].addi(total.mulRowVector(m));
                if (carry != null) {
                    carry = total.mulRowVector(m.rsub(1.0));
                }
            }
            stepBackward(s, CallScope.step(run.z(), s), dNew, prev, fresh, CallScope.step(dZ, s), dPrev, run.recMask(),
                run.cache());
            for (int k = 0; k < dState.length; k++) {
                // a masked step passed its incoming state straight through
                dState[k].muliRowVector(m.rsub(1.0)).addi(dPrev[k]);
            }
        }
        return inputGradients(run, dZ, dState);
    }

    private INDArray[] inputGradients(Run run, INDArray dZ, INDArray[] dInitial) {
        long t = run.time();
        long b = run.batch();
        int u = units();
        DataType type = run.x2().dataType();
        INDArray dZ2 = array(type, t, b, dZ.size(1)).assign(dZ.permute(0, 2, 1))
            .reshape('c', t * b, dZ.size(1));   // (T*B, G*U)
        INDArray hRec = run.hRec() != null ? run.hRec()
            : run.states()[0].get(NDArrayIndex.interval(0, t), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray hRec2 = array(type, t, b, u).assign(hRec.permute(0, 2, 1)).reshape('c', t * b, u);
        weightGradients(hRec2, dZ2, run.cache());
        if (kernel().trainable()) {
            Blas.gemm(run.x2(), true, dZ2, false, 1.0, kernel().grad(), 1.0);
        }
        INDArray dx = Nd4j.create(type, t * b, run.x2().size(1));
        Blas.gemm(dZ2, false, kernel().value(), true, 1.0, dx, 0.0);
        dx = dx.reshape('c', t, b, run.x2().size(1));
        if (run.dropMask() != null) {
            dx.muli(run.dropMask().reshape(1, b, run.x2().size(1)).broadcast(dx.shape()));
        }
        int extra = inputShapes().size() - 1;   // initial states given as inputs get their gradients
        INDArray[] grads = new INDArray[1 + extra];
        grads[0] = batchMajor(dx);
        for (int k = 0; k < extra; k++) {
            grads[1 + k] = dInitial[k].transpose().dup('c');
        }
        return grads;
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
        if (inputs.length > 1) {
            return inputs[1 + k];
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

    /** (B, T, F) into {@code target} (T, B, F) time-major, reversed in time when goBackwards. */
    private INDArray timeMajor(INDArray x, INDArray target) {
        if (options.goBackwards()) {
            return target.assign(ArrayOps.reverse(x, 1).permute(1, 0, 2));
        }
        return target.assign(x.permute(1, 0, 2));
    }

    /** Time-major (T, B, F) in processing order back to (B, T, F) in input order. */
    private INDArray batchMajor(INDArray tm) {
        INDArray ordered = options.goBackwards() ? reverseTime(tm) : tm;
        return ordered.permute(1, 0, 2).dup('c');
    }

    /** A (B, T) mask as (T, B) in processing order: row s is step s's mask over the batch. */
    private INDArray timeMajorMask(INDArray mask, DataType type) {
        INDArray m = mask.castTo(type).transpose().dup('c');
        return options.goBackwards() ? reverseTime(m) : m;
    }

    private static INDArray reverseTime(INDArray a) {
        return ArrayOps.reverse(a, 0);
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

    private INDArray[] slices(INDArray[] arrays, int s) {
        INDArray[] out = new INDArray[arrays.length];
        for (int k = 0; k < arrays.length; k++) {
            out[k] = CallScope.step(arrays[k], s);
        }
        return out;
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
