package org.seqml.layers.attention;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.Shape;
import org.seqml.activations.Activations;
import org.seqml.backend.Blas;
import org.seqml.initializers.Constant;
import org.seqml.initializers.GlorotUniform;
import org.seqml.initializers.Initializer;
import org.seqml.initializers.Orthogonal;
import org.seqml.layers.Forward;
import org.seqml.layers.Parameter;
import org.seqml.layers.recurrent.RNN;

/**
 * An LSTM decoder that attends to a memory at every step and feeds what it attended back into its
 * next step: Luong et al. (2015) global dot-product attention with input feeding, what Keras users
 * build as {@code RNN(tfa.seq2seq.AttentionWrapper(LSTMCell(u), LuongAttention(u, memory),
 * attention_layer=Dense(A, use_bias=False, activation="tanh")))}. Per step, from the input x_t and
 * the last attentional vector a_{t-1}:
 * <pre>
 * z = [x_t, a_{t-1}] W + h_{t-1} U + b          W (in + A, 4u), U (u, 4u), b (4u); gates i, f, c, o
 * c_t = σ(z_f) c_{t-1} + σ(z_i) tanh(z_c);   h_t = σ(z_o) tanh(c_t)
 * α_t = softmax_s(h_t · m_s)                    (padded memory steps get no weight)
 * ctx_t = Σ_s α_ts m_s
 * a_t = tanh([h_t, ctx_t] W_a)                  W_a (2u, A): the output at step t
 * </pre>
 * So the attention of step t is computed from a state that has seen where step t-1 attended,
 * which plain attention over an LSTM's outputs ({@link Attention} after an LSTM) cannot do. The
 * memory's feature size must be {@code units} (the dot product). Weights: {@code kernel},
 * {@code recurrent_kernel}, {@code bias} (Keras's LSTM order, forget bias starting at 1) and
 * {@code attention_kernel}.
 *
 * <p>A cell on {@link RNN}'s one time loop (the memory is a constant every step reads, Keras's
 * RNN {@code constants}), so masks, {@code returnSequences} (on by default), {@code returnState},
 * {@code goBackwards}, {@code stateful}, dropout and initial states work as for any recurrent
 * layer. Inputs: {@code [x (B, T, in), memory (B, S, u)]}, optionally followed by the initial
 * {@code h, c} (B, u) and then {@code a} (B, A) (zeros where not given). Outputs: the sequence of
 * a_t (B, T, A); then h_T, c_T, a_T with {@code returnState}; then the attention weights α
 * (B, T, S) with {@code returnAttentionScores}. Masks: at a padded step of x the states carry over
 * (and the output repeats), as in Keras's RNN; padded memory steps are never attended to.
 *
 * <pre>{@code
 * SymbolicTensor a = new AttentionLSTM(256).apply(embeddedTargets, encoderOutputs);
 * List<SymbolicTensor> out = new AttentionLSTM(256).returnState(true)
 *     .applyAll(embeddedTargets, encoderOutputs, h, c);          // [a_seq, h, c, a]
 * }</pre>
 */
public final class AttentionLSTM extends RNN<AttentionLSTM> {
    /** Each step's α and ctx: Keras's dot-product attention of h_t (one query step) over the memory. */
    private static final Attention ATTEND = new Attention().returnAttentionScores(true);

    /** The cell's options. {@code attentionUnits} is A, the size of the attentional vector a_t. */
    public record Config(int units, int attentionUnits, boolean returnAttentionScores,
                         Initializer kernelInitializer, Initializer recurrentInitializer,
                         Initializer attentionInitializer) {
        public Config {
            if (units <= 0 || attentionUnits <= 0) {
                throw new IllegalArgumentException("AttentionLSTM: units and attentionUnits must be positive, got "
                    + units + " and " + attentionUnits);
            }
        }
    }

    private final Config config;
    private Parameter kernel;
    private Parameter recurrentKernel;
    private Parameter bias;
    private Parameter attentionKernel;

    /** {@code units} for the LSTM and the attentional vector alike, as in Luong et al.; returns sequences. */
    public AttentionLSTM(int units) {
        this(new Config(units, units, false, new GlorotUniform(), new Orthogonal(), new GlorotUniform()),
            with(Options.defaults(), "returnSequences", true));
    }

    public AttentionLSTM(Config config, Options options) {
        super(options);
        this.config = config;
    }

    public Config config() {
        return config;
    }

    @Override
    protected AttentionLSTM withOptions(Options newOptions) {
        return new AttentionLSTM(config, newOptions);
    }

    @Override
    protected AttentionLSTM withCellOption(String option, Object value) {
        if (!List.of("kernelInitializer", "recurrentInitializer", "attentionInitializer", "attentionUnits",
            "returnAttentionScores").contains(option)) {
            throw new IllegalArgumentException(describe() + " has no option '" + option + "': its activations are"
                + " Luong's (sigmoid gates, tanh) and it always has a bias.");
        }
        return sameName(new AttentionLSTM(with(config, option, value), options()));
    }

    public AttentionLSTM attentionUnits(int value) {
        return withCellOption("attentionUnits", value);
    }

    public AttentionLSTM returnAttentionScores(boolean value) {
        return withCellOption("returnAttentionScores", value);
    }

    public AttentionLSTM attentionInitializer(Initializer value) {
        return withCellOption("attentionInitializer", value);
    }

    // ---- the cell ---------------------------------------------------------------------------

    @Override
    public int units() {
        return config.units();
    }

    /** h, c (units) and a (attentionUnits). */
    @Override
    protected int stateCount() {
        return 3;
    }

    @Override
    protected long stateSize(int k) {
        return k == 2 ? config.attentionUnits() : config.units();
    }

    /** The output at each step is a_t. */
    @Override
    protected int outputState() {
        return 2;
    }

    @Override
    protected int gateCount() {
        return 4;
    }

    /** The memory. */
    @Override
    protected int constantCount() {
        return 1;
    }

    @Override
    protected void checkConstantShapes(List<Shape> constants) {
        Shape m = constants.get(0);
        requireRank(m, 3, "(batch, steps, features) for the memory", "Pass the encoder's sequence.");
        if (m.isKnown(2) && m.get(2) != config.units()) {
            throw new IllegalArgumentException(describe() + ": the memory's features must equal units ("
                + config.units() + ") for the dot-product score, got memory shape " + m + ".");
        }
    }

    /** None, h and c, or h, c and a. */
    @Override
    protected boolean takesInitialStates(int n) {
        return n == 0 || n == 2 || n == 3;
    }

    @Override
    protected void buildCell(long in) {
        int u = config.units();
        int a = config.attentionUnits();
        kernel = addWeight("kernel", new long[] {in + a, 4L * u}, config.kernelInitializer());
        recurrentKernel = addWeight("recurrent_kernel", new long[] {u, 4L * u}, config.recurrentInitializer());
        bias = addWeight("bias", new long[] {4L * u}, Constant.ZEROS);
        bias.value().get(NDArrayIndex.interval(u, 2L * u)).assign(1.0);   // Keras's unit forget bias
        attentionKernel = addWeight("attention_kernel", new long[] {2L * u, a}, config.attentionInitializer());
    }

    @Override
    protected Parameter kernel() {
        return kernel;
    }

    @Override
    protected Parameter recurrentKernel() {
        return recurrentKernel;
    }

    @Override
    protected Parameter biasParameter() {
        return bias;
    }

    @Override
    protected INDArray inputBias() {
        return bias.value();
    }

    /** Rows of W that multiply x_t (the rest multiply the fed-back a_{t-1}). */
    @Override
    protected INDArray inputKernel(INDArray w) {
        return w.get(NDArrayIndex.interval(0, w.size(0) - config.attentionUnits()), NDArrayIndex.all());
    }

    /** Rows of W (or of its gradient) that multiply a_{t-1}. */
    private INDArray feedKernel(INDArray w) {
        return w.get(NDArrayIndex.interval(w.size(0) - config.attentionUnits(), w.size(0)), NDArrayIndex.all());
    }

    @Override
    protected List<Shape> extraOutputShapes(List<Shape> in) {
        Shape x = in.get(0);
        return config.returnAttentionScores() ? List.of(Shape.of(x.get(0), x.get(1), in.get(1).get(1))) : List.of();
    }

    /**
     * What the steps keep, feature-major (step t is row block t): gate activations (T, 4u, B),
     * tanh(c_t) (T, u, B), [h_t; ctx_t] (T, 2u, B), each step's attention call, the weights α
     * time-major (T, B, S) when returned; the memory, its mask and its gradient; scratch.
     */
    private static final class Cache {
        final INDArray gates;
        final INDArray cellTanh;
        final INDArray hContext;
        final Forward[] attended;
        final INDArray weights;
        final INDArray memory;
        final INDArray[] attentionMasks;
        final INDArray scratch;
        final INDArray scratch2;
        INDArray dMemory;
        INDArray dWeights;

        Cache(long time, long batch, DataType type, INDArray memory, INDArray memoryMask, Config config) {
            long u = config.units();
            gates = array(type, time, 4 * u, batch);
            cellTanh = array(type, time, u, batch);
            hContext = array(type, time, 2 * u, batch);
            attended = new Forward[(int) time];
            weights = config.returnAttentionScores() ? array(type, time, batch, memory.size(1)) : null;
            this.memory = memory;
            attentionMasks = new INDArray[] {null, memoryMask};
            scratch = array(type, u, batch);
            scratch2 = array(type, u, batch);
        }
    }

    @Override
    protected Object newCache(long time, long batch, DataType type, INDArray[] inputs, INDArray[] masks) {
        return new Cache(time, batch, type, inputs[1].castTo(type).dup('c'), masks.length > 1 ? masks[1] : null, config);
    }

    /**
     * z += W_a^T a_{t-1} + U^T h_{t-1}; the LSTM gates give c_t and h_t; α and ctx from h_t over
     * the memory; a_t = tanh(W_att^T [h_t; ctx_t]).
     */
    @Override
    protected void step(int s, INDArray z, INDArray hRec, INDArray[] prev, INDArray[] next, Object cacheObject) {
        Cache k = (Cache) cacheObject;
        int u = config.units();
        long batch = z.size(1);
        Blas.gemm(feedKernel(kernel.value()), true, prev[2], false, 1.0, z, 1.0);
        Blas.gemm(recurrentKernel.value(), true, hRec, false, 1.0, z, 1.0);
        INDArray g = step(k.gates, s);
        Activations.SIGMOID.applyTo(gates(z, 0, 2), gates(g, 0, 2));
        Activations.TANH.applyTo(gate(z, 2), gate(g, 2));
        Activations.SIGMOID.applyTo(gate(z, 3), gate(g, 3));
        INDArray c = next[1];
        gate(g, 1).mul(prev[1], c);                                    // c = f c_{t-1}
        c.addi(gate(g, 0).mul(gate(g, 2), k.scratch));                 //   + i g
        INDArray tc = step(k.cellTanh, s);
        Activations.TANH.applyTo(c, tc);
        INDArray h = next[0];
        gate(g, 3).mul(tc, h);                                          // h = o tanh(c)
        Forward attended = ATTEND.forward(new INDArray[] {h.transpose().dup('c').reshape(batch, 1, u), k.memory},
            k.attentionMasks, false);                                   // [ctx (B, 1, u), α (B, 1, S)]
        k.attended[s] = attended;
        INDArray hc = step(k.hContext, s);
        gate(hc, 0).assign(h);
        gate(hc, 1).assign(attended.output().reshape(batch, u).transpose());
        if (k.weights != null) {
            step(k.weights, s).assign(attended.outputs()[1].reshape(batch, k.memory.size(1)));
        }
        Blas.gemm(attentionKernel.value(), true, hc, false, 1.0, next[2], 0.0);
        Activations.TANH.applyTo(next[2], next[2]);
    }

    @Override
    protected INDArray[] extraSequences(Object cache) {
        Cache k = (Cache) cache;
        return k.weights == null ? new INDArray[0] : new INDArray[] {k.weights};
    }

    @Override
    protected void extraGradients(Object cache, INDArray[] gradients) {
        Cache k = (Cache) cache;
        k.dWeights = gradients.length > 0 ? gradients[0] : null;
        k.dMemory = null;   // a new backward of the same call starts again
    }

    @Override
    protected void stepBackward(int s, INDArray z, INDArray[] dNext, INDArray[] prev, INDArray[] newStates,
                                INDArray dz, INDArray[] dPrev, INDArray recMask, Object cacheObject) {
        Cache k = (Cache) cacheObject;
        int u = config.units();
        long batch = z.size(1);
        // a_t = tanh(W_att^T hc): dp = da (1 - a^2), dhc = W_att dp
        INDArray at = newStates[2];
        INDArray dp = at.mul(at).rsubi(1.0).muli(dNext[2]);
        INDArray hc = step(k.hContext, s);
        if (attentionKernel.trainable()) {
            Blas.gemm(hc, false, dp, true, 1.0, attentionKernel.grad(), 1.0);
        }
        INDArray dhc = Nd4j.createUninitialized(z.dataType(), 2L * u, batch);
        Blas.gemm(attentionKernel.value(), false, dp, false, 1.0, dhc, 0.0);
        INDArray dWeights = k.dWeights == null ? null : step(k.dWeights, s).reshape(batch, 1, k.memory.size(1));
        INDArray[] dQueryMemory = ATTEND.backward(k.attended[s],
            new INDArray[] {gate(dhc, 1).transpose().dup('c').reshape(batch, 1, u), dWeights});
        k.dMemory = k.dMemory == null ? dQueryMemory[1] : k.dMemory.addi(dQueryMemory[1]);
        INDArray dh = gate(dhc, 0).add(dNext[0]).addi(dQueryMemory[0].reshape(batch, u).transpose());
        // the LSTM step
        INDArray g = step(k.gates, s);
        INDArray tc = step(k.cellTanh, s);
        INDArray t1 = k.scratch;
        INDArray dc = k.scratch2;
        Activations.SIGMOID.backwardTo(gate(z, 3), gate(g, 3), dh.mul(tc, t1), gate(dz, 3));         // o
        Activations.TANH.backwardTo(newStates[1], tc, dh.mul(gate(g, 3), t1), dc);                  // dc
        dc.addi(dNext[1]);
        Activations.SIGMOID.backwardTo(gate(z, 0), gate(g, 0), dc.mul(gate(g, 2), t1), gate(dz, 0));  // i
        Activations.SIGMOID.backwardTo(gate(z, 1), gate(g, 1), dc.mul(prev[1], t1), gate(dz, 1));     // f
        Activations.TANH.backwardTo(gate(z, 2), gate(g, 2), dc.mul(gate(g, 0), t1), gate(dz, 2));     // g
        dc.mul(gate(g, 1), dPrev[1]);                                                               // dc_{t-1}
        Blas.gemm(recurrentKernel.value(), false, dz, false, 1.0, dPrev[0], 0.0);                  // dh_{t-1} = U dz
        if (recMask != null) {
            dPrev[0].muli(recMask);
        }
        Blas.gemm(feedKernel(kernel.value()), false, dz, false, 1.0, dPrev[2], 0.0);               // da_{t-1} = W_a dz
        if (kernel.trainable()) {
            Blas.gemm(prev[2], false, dz, true, 1.0, feedKernel(kernel.grad()), 1.0);
        }
    }

    @Override
    protected void weightGradients(INDArray hRec, INDArray dZ, Object cache) {
        sameForAllGates(recurrentKernel, bias, hRec, dZ);
    }

    @Override
    protected INDArray[] constantGradients(Object cache) {
        Cache k = (Cache) cache;
        return new INDArray[] {k.dMemory != null ? k.dMemory : Nd4j.zerosLike(k.memory)};
    }
}
