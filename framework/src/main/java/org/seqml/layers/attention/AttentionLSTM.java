package org.seqml.layers.attention;

import java.util.ArrayList;
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
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;

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
 * <p>Inputs: {@code [x (B, T, in), memory (B, S, u)]}, optionally followed by the initial
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
public final class AttentionLSTM extends Layer {
    /** Each step's α and ctx: Keras's dot-product attention of h_t (one query step) over the memory. */
    private static final Attention ATTEND = new Attention().returnAttentionScores(true);

    /** The options. {@code attentionUnits} is A, the size of the attentional vector a_t. */
    public record Config(int units, int attentionUnits, boolean returnState, boolean returnAttentionScores,
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

    /** {@code units} for the LSTM and the attentional vector alike, as in Luong et al. */
    public AttentionLSTM(int units) {
        this(new Config(units, units, false, false, new GlorotUniform(), new Orthogonal(), new GlorotUniform()));
    }

    public AttentionLSTM(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    public AttentionLSTM attentionUnits(int value) {
        return sameName(new AttentionLSTM(with(config, "attentionUnits", value)));
    }

    public AttentionLSTM returnState(boolean value) {
        return sameName(new AttentionLSTM(with(config, "returnState", value)));
    }

    public AttentionLSTM returnAttentionScores(boolean value) {
        return sameName(new AttentionLSTM(with(config, "returnAttentionScores", value)));
    }

    public AttentionLSTM kernelInitializer(Initializer value) {
        return sameName(new AttentionLSTM(with(config, "kernelInitializer", value)));
    }

    public AttentionLSTM recurrentInitializer(Initializer value) {
        return sameName(new AttentionLSTM(with(config, "recurrentInitializer", value)));
    }

    public AttentionLSTM attentionInitializer(Initializer value) {
        return sameName(new AttentionLSTM(with(config, "attentionInitializer", value)));
    }

    @Override
    protected void checkInputShapes(List<Shape> shapes) {
        int n = shapes.size();
        if (n != 2 && n != 4 && n != 5) {
            throw new IllegalArgumentException(describe() + ": expected [x, memory], [x, memory, h, c] or"
                + " [x, memory, h, c, a], got " + n + " input(s).");
        }
        requireRank(shapes.get(0), 3, "(batch, time, features)", "The decoder reads a sequence.");
        requireKnownLast(shapes.get(0));
        requireRank(shapes.get(1), 3, "(batch, steps, features) for the memory", "Pass the encoder's sequence.");
        long u = config.units();
        if (shapes.get(1).isKnown(2) && shapes.get(1).get(2) != u) {
            throw new IllegalArgumentException(describe() + ": the memory's features must equal units (" + u
                + ") for the dot-product score, got memory shape " + shapes.get(1) + ".");
        }
        for (int k = 2; k < n; k++) {
            long want = k == 4 ? config.attentionUnits() : u;
            Shape s = shapes.get(k);
            if (s.rank() != 2 || (s.isKnown(1) && s.get(1) != want)) {
                throw new IllegalArgumentException(describe() + ": initial state " + "hca".charAt(k - 2)
                    + " must be (batch, " + want + "), got shape " + s + ".");
            }
        }
    }

    @Override
    protected void buildWeights(List<Shape> shapes) {
        long in = shapes.get(0).last();
        int u = config.units();
        int a = config.attentionUnits();
        kernel = addWeight("kernel", new long[] {in + a, 4L * u}, config.kernelInitializer());
        recurrentKernel = addWeight("recurrent_kernel", new long[] {u, 4L * u}, config.recurrentInitializer());
        bias = addWeight("bias", new long[] {4L * u}, Constant.ZEROS);
        bias.value().get(NDArrayIndex.interval(u, 2L * u)).assign(1.0);   // Keras's unit forget bias
        attentionKernel = addWeight("attention_kernel", new long[] {2L * u, a}, config.attentionInitializer());
    }

    @Override
    public List<Shape> outputShapes(List<Shape> in) {
        Shape x = in.get(0);
        Shape m = in.get(1);
        List<Shape> out = new ArrayList<>(List.of(Shape.of(x.get(0), x.get(1), config.attentionUnits())));
        if (config.returnState()) {
            out.addAll(List.of(Shape.of(x.get(0), config.units()), Shape.of(x.get(0), config.units()),
                Shape.of(x.get(0), config.attentionUnits())));
        }
        if (config.returnAttentionScores()) {
            out.add(Shape.of(x.get(0), x.get(1), m.get(1)));
        }
        return out;
    }

    /**
     * What the backward reads, time-major (step t is row block t): pre-activations z and gate
     * activations (T, B, 4u), tanh(c_t) (T, B, u), [h_t, ctx_t] (T, B, 2u), each step's
     * attention call, the carried states h, c (T + 1, B, u) and a (T + 1, B, A) with the initial
     * ones at row 0, the inputs time-major (T, B, in), and the x mask (T, B, 1) or null.
     */
    private record Cache(INDArray z, INDArray gates, INDArray cellTanh, INDArray hContext, Forward[] attended,
                         INDArray h, INDArray c, INDArray a, INDArray x, INDArray mask) {
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        DataType type = kernel.value().dataType();
        INDArray memory = inputs[1].castTo(type).dup('c');
        long batch = inputs[0].size(0);
        long time = inputs[0].size(1);
        long in = inputs[0].size(2);
        long steps = memory.size(1);
        int u = config.units();
        int na = config.attentionUnits();
        INDArray x = inputs[0].castTo(type).permute(1, 0, 2).dup('c');
        INDArray mask = masks.length > 0 && masks[0] != null
            ? masks[0].castTo(type).transpose().dup('c').reshape(time, batch, 1) : null;
        INDArray[] attentionMasks = {null, masks.length > 1 ? masks[1] : null};
        Forward[] attended = new Forward[(int) time];

        INDArray gates = Nd4j.create(type, time, batch, 4L * u);
        INDArray z = Nd4j.create(type, time, batch, 4L * u);
        INDArray cellTanh = Nd4j.create(type, time, batch, u);
        INDArray hContext = Nd4j.create(type, time, batch, 2L * u);
        INDArray weights = config.returnAttentionScores() ? Nd4j.create(type, time, batch, steps) : null;
        INDArray h = Nd4j.create(type, time + 1, batch, u);
        INDArray c = Nd4j.create(type, time + 1, batch, u);
        INDArray a = Nd4j.create(type, time + 1, batch, na);
        for (int k = 2; k < inputs.length; k++) {
            (k == 2 ? h : k == 3 ? c : a).slice(0).assign(inputs[k]);
        }
        // the input projection of every step at once: z = x W_x + b
        Blas.gemm(x.reshape(time * batch, in), false, inputKernel(in), false, 1.0, z.reshape(time * batch, 4L * u), 0.0);
        z.reshape(time * batch, 4L * u).addiRowVector(bias.value());
        INDArray scratch = Nd4j.create(type, batch, u);
        for (int t = 0; t < time; t++) {
            INDArray zt = z.slice(t);
            INDArray g = gates.slice(t);
            Blas.gemm(a.slice(t), false, feedKernel(in), false, 1.0, zt, 1.0);
            Blas.gemm(h.slice(t), false, recurrentKernel.value(), false, 1.0, zt, 1.0);
            Activations.SIGMOID.applyTo(block(zt, 0, 2, u), block(g, 0, 2, u));
            Activations.TANH.applyTo(block(zt, 2, 3, u), block(g, 2, 3, u));
            Activations.SIGMOID.applyTo(block(zt, 3, 4, u), block(g, 3, 4, u));
            INDArray ct = c.slice(t + 1);
            block(g, 1, 2, u).mul(c.slice(t), ct);                                   // c = f c_{t-1}
            ct.addi(block(g, 0, 1, u).mul(block(g, 2, 3, u), scratch));              //   + i g
            INDArray tc = cellTanh.slice(t);
            Activations.TANH.applyTo(ct, tc);
            INDArray ht = block(hContext.slice(t), 0, 1, u);
            block(g, 3, 4, u).mul(tc, ht);                                            // h = o tanh(c)
            attended[t] = ATTEND.forward(new INDArray[] {ht.dup().reshape(batch, 1, u), memory}, attentionMasks,
                training);                                                            // [ctx (B, 1, u), α (B, 1, S)]
            block(hContext.slice(t), 1, 2, u).assign(attended[t].output().reshape(batch, u));
            if (weights != null) {
                weights.slice(t).assign(attended[t].outputs()[1].reshape(batch, steps));
            }
            INDArray at = a.slice(t + 1);
            Blas.gemm(hContext.slice(t), false, attentionKernel.value(), false, 1.0, at, 0.0);
            Activations.TANH.applyTo(at, at);
            h.slice(t + 1).assign(ht);
            if (mask != null) {
                // a padded step keeps the states it was given: s = m s_new + (1 - m) s_old
                INDArray m = mask.slice(t);
                carry(h, t, m);
                carry(c, t, m);
                carry(a, t, m);
            }
        }
        INDArray outputMask = masks.length > 0 ? masks[0] : null;
        List<INDArray> outs = new ArrayList<>();
        List<INDArray> outMasks = new ArrayList<>();
        outs.add(a.get(NDArrayIndex.interval(1, time + 1)).permute(1, 0, 2).dup('c'));
        outMasks.add(outputMask);
        if (config.returnState()) {
            outs.addAll(List.of(h.slice(time).dup(), c.slice(time).dup(), a.slice(time).dup()));
            outMasks.addAll(java.util.Arrays.asList(null, null, null));
        }
        if (config.returnAttentionScores()) {
            outs.add(weights.permute(1, 0, 2).dup('c'));
            outMasks.add(outputMask);
        }
        return new Forward(inputs, masks, outs.toArray(INDArray[]::new), outMasks.toArray(INDArray[]::new),
            new INDArray[] {memory}, training, new Cache(z, gates, cellTanh, hContext, attended, h, c, a, x, mask));
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        Cache k = forward.cache(Cache.class);
        INDArray memory = forward.saved(0);
        DataType type = memory.dataType();
        int u = config.units();
        int na = config.attentionUnits();
        long time = k.x().size(0);
        long batch = k.x().size(1);
        long in = k.x().size(2);
        long steps = memory.size(1);
        INDArray dOut = outputGradients[0] == null ? null
            : outputGradients[0].castTo(type).permute(1, 0, 2).dup('c');
        int next = 1;
        INDArray dh = Nd4j.create(type, batch, u);
        INDArray dc = Nd4j.create(type, batch, u);
        INDArray da = Nd4j.create(type, batch, na);
        if (config.returnState()) {
            addIfPresent(dh, outputGradients[next++]);
            addIfPresent(dc, outputGradients[next++]);
            addIfPresent(da, outputGradients[next++]);
        }
        INDArray dWeightsOut = config.returnAttentionScores() && outputGradients[next] != null
            ? outputGradients[next].castTo(type).permute(1, 0, 2).dup('c') : null;

        INDArray dz = Nd4j.create(type, time, batch, 4L * u);
        INDArray dPre = Nd4j.create(type, time, batch, na);
        INDArray dMemory = Nd4j.zerosLike(memory);
        INDArray dhc = Nd4j.create(type, batch, 2L * u);
        INDArray dcell = Nd4j.create(type, batch, u);
        INDArray t1 = Nd4j.create(type, batch, u);
        for (int t = (int) time - 1; t >= 0; t--) {
            if (dOut != null) {
                da.addi(dOut.slice(t));
            }
            INDArray keepH = null;
            INDArray keepC = null;
            INDArray keepA = null;
            if (k.mask() != null) {
                // the part of each carried state's gradient that reaches the older state directly
                INDArray m = k.mask().slice(t);
                INDArray notM = m.rsub(1.0);
                keepH = dh.mulColumnVector(notM);
                keepC = dc.mulColumnVector(notM);
                keepA = da.mulColumnVector(notM);
                dh.muliColumnVector(m);
                dc.muliColumnVector(m);
                da.muliColumnVector(m);
            }
            INDArray at = k.a().slice(t + 1);
            INDArray dp = dPre.slice(t);
            at.mul(at, dp).rsubi(1.0).muli(da);                 // dp = da (1 - a^2)
            Blas.gemm(dp, false, attentionKernel.value(), true, 1.0, dhc, 0.0);
            INDArray dContext = block(dhc, 1, 2, u).dup().reshape(batch, 1, u);
            INDArray dWeights = dWeightsOut == null ? null : dWeightsOut.slice(t).reshape(batch, 1, steps);
            INDArray[] dQueryMemory = ATTEND.backward(k.attended()[t], new INDArray[] {dContext, dWeights});
            dh.addi(block(dhc, 0, 1, u));
            dh.addi(dQueryMemory[0].reshape(batch, u));
            dMemory.addi(dQueryMemory[1]);
            // the LSTM step
            INDArray g = k.gates().slice(t);
            INDArray zt = k.z().slice(t);
            INDArray dzt = dz.slice(t);
            INDArray tc = k.cellTanh().slice(t);
            Activations.SIGMOID.backwardTo(block(zt, 3, 4, u), null, dh.mul(tc, t1), block(dzt, 3, 4, u));
            dh.mul(block(g, 3, 4, u), t1);                                              // dc = dh o (1 - tanh(c)^2)
            tc.mul(tc, dcell).rsubi(1.0).muli(t1).addi(dc);                             //    + dc_next
            Activations.SIGMOID.backwardTo(block(zt, 0, 1, u), null, dcell.mul(block(g, 2, 3, u), t1),
                block(dzt, 0, 1, u));
            Activations.SIGMOID.backwardTo(block(zt, 1, 2, u), null, dcell.mul(k.c().slice(t), t1),
                block(dzt, 1, 2, u));
            Activations.TANH.backwardTo(block(zt, 2, 3, u), null, dcell.mul(block(g, 0, 1, u), t1),
                block(dzt, 2, 3, u));
            dcell.mul(block(g, 1, 2, u), dc);                                          // dc_{t-1} = dc f
            Blas.gemm(dzt, false, recurrentKernel.value(), true, 1.0, dh, 0.0);       // dh_{t-1} = dz U^T
            Blas.gemm(dzt, false, feedKernel(in), true, 1.0, da, 0.0);                // da_{t-1} = dz W_a^T
            if (keepH != null) {
                dh.addi(keepH);
                dc.addi(keepC);
                da.addi(keepA);
            }
        }
        // weight gradients over all steps at once
        long rows = time * batch;
        INDArray dz2 = dz.reshape(rows, 4L * u);
        INDArray dKernel = Nd4j.create(type, in + na, 4L * u);
        Blas.gemm(k.x().reshape(rows, in), true, dz2, false, 1.0, dKernel.get(NDArrayIndex.interval(0, in),
            NDArrayIndex.all()), 0.0);
        Blas.gemm(previous(k.a(), time).reshape(rows, na), true, dz2, false, 1.0,
            dKernel.get(NDArrayIndex.interval(in, in + na), NDArrayIndex.all()), 0.0);
        accumulate(kernel, dKernel);
        INDArray dRecurrent = Nd4j.create(type, u, 4L * u);
        Blas.gemm(previous(k.h(), time).reshape(rows, u), true, dz2, false, 1.0, dRecurrent, 0.0);
        accumulate(recurrentKernel, dRecurrent);
        if (bias.trainable()) {
            Blas.addColumnSums(dz2, bias.grad());
        }
        INDArray dAttention = Nd4j.create(type, 2L * u, na);
        Blas.gemm(k.hContext().reshape(rows, 2L * u), true, dPre.reshape(rows, na), false, 1.0, dAttention, 0.0);
        accumulate(attentionKernel, dAttention);

        INDArray dxTime = Nd4j.create(type, time, batch, in);
        Blas.gemm(dz2, false, inputKernel(in), true, 1.0, dxTime.reshape(rows, in), 0.0);
        INDArray[] inputs = forward.inputs();
        INDArray[] dInputs = new INDArray[inputs.length];
        dInputs[0] = dxTime.permute(1, 0, 2).dup('c').castTo(inputs[0].dataType());
        dInputs[1] = dMemory.castTo(inputs[1].dataType());
        INDArray[] dStates = {dh, dc, da};
        for (int i = 2; i < inputs.length; i++) {
            dInputs[i] = dStates[i - 2].castTo(inputs[i].dataType());
        }
        return dInputs;
    }

    /** Rows of W that multiply x_t. */
    private INDArray inputKernel(long in) {
        return kernel.value().get(NDArrayIndex.interval(0, in), NDArrayIndex.all());
    }

    /** Rows of W that multiply the fed-back a_{t-1}. */
    private INDArray feedKernel(long in) {
        return kernel.value().get(NDArrayIndex.interval(in, in + config.attentionUnits()), NDArrayIndex.all());
    }

    /** Gate columns [from u, to u) of a (B, 4u) or (B, 2u) row block. */
    private static INDArray block(INDArray a, int from, int to, int u) {
        return a.get(NDArrayIndex.all(), NDArrayIndex.interval((long) from * u, (long) to * u));
    }

    /** The states before each step: rows 0..T-1 of a (T + 1, B, n) carried state. */
    private static INDArray previous(INDArray carried, long time) {
        return carried.get(NDArrayIndex.interval(0, time), NDArrayIndex.all(), NDArrayIndex.all());
    }

    /** s_{t+1} = m s_{t+1} + (1 - m) s_t for a (B, 1) step mask. */
    private static void carry(INDArray s, int t, INDArray m) {
        INDArray old = s.slice(t);
        INDArray now = s.slice(t + 1);
        now.subi(old).muliColumnVector(m).addi(old);
    }

    private static void addIfPresent(INDArray into, INDArray g) {
        if (g != null) {
            into.addi(g);
        }
    }
}
