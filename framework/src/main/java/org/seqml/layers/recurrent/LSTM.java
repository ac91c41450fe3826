package org.seqml.layers.recurrent;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.activations.Activation;
import org.seqml.activations.Activations;
import org.seqml.backend.Blas;
import org.seqml.backend.FusedRnn;
import org.seqml.initializers.Constant;
import org.seqml.initializers.GlorotUniform;
import org.seqml.initializers.Initializer;
import org.seqml.initializers.Orthogonal;
import org.seqml.layers.Parameter;

/**
 * Long short-term memory, Keras's {@code LSTM} (Hochreiter and Schmidhuber 1997), with an optional
 * peephole variant (Gers et al. 2000):
 * <pre>
 * z = x W + h_{t-1} U + b                         W (in, 4U), U (U, 4U), b (4U); gates i, f, c, o
 * i = rσ(z_i [+ p_i c_{t-1}])    f = rσ(z_f [+ p_f c_{t-1}])    g = σ(z_c)
 * c_t = f c_{t-1} + i g
 * o = rσ(z_o [+ p_o c_t])        h_t = o σ(c_t)
 * </pre>
 * σ is {@code activation} (tanh), rσ {@code recurrentActivation} (sigmoid); the bracketed
 * peephole terms apply with {@code peephole(true)} and add the weights
 * {@code input_gate_peephole_weights}, {@code forget_gate_peephole_weights},
 * {@code output_gate_peephole_weights} (U each, as tf.keras's PeepholeLSTMCell).
 * {@code unitForgetBias} starts the forget-gate bias at 1. Weights are Keras's, in Keras's order.
 *
 * <pre>{@code
 * SymbolicTensor h = new LSTM(128).returnSequences(true).apply(embedded);
 * List<SymbolicTensor> outAndStates = new LSTM(256).returnState(true).applyAll(x);   // [out, h, c]
 * }</pre>
 * Loop options (masks, goBackwards, returnState, stateful, dropout, ...) are {@link RNN}'s.
 */
public final class LSTM extends RNN<LSTM> {

    /** The cell's options, with Keras's defaults. */
    public record Config(int units, Activation activation, Activation recurrentActivation, boolean useBias,
                         boolean unitForgetBias, boolean peephole, Initializer kernelInitializer,
                         Initializer recurrentInitializer, Initializer biasInitializer) {
        public Config {
            if (units <= 0) {
                throw new IllegalArgumentException("LSTM: units must be positive, got " + units);
            }
        }
    }

    /** Per step (T, features, B): gate activations and the cell activation; and two (U, B) scratch buffers. */
    private record Cache(INDArray gates, INDArray cellActivation, INDArray scratch, INDArray scratch2) {
    }

    private final Config config;
    private Parameter kernel;
    private Parameter recurrentKernel;
    private Parameter bias;
    private Parameter[] peepholes;

    public LSTM(int units) {
        this(new Config(units, Activations.TANH, Activations.SIGMOID, true, true, false, new GlorotUniform(),
            new Orthogonal(), Constant.ZEROS), Options.defaults());
    }

    public LSTM(Config config, Options options) {
        super(options);
        this.config = config;
    }

    public Config config() {
        return config;
    }

    @Override
    protected LSTM withOptions(Options newOptions) {
        return new LSTM(config, newOptions);
    }

    @Override
    protected LSTM withCellOption(String option, Object value) {
        return sameName(new LSTM(with(config, option, value), options()));
    }

    public LSTM recurrentActivation(String name) {
        return withCellOption("recurrentActivation", Activation.get(name));
    }

    public LSTM recurrentActivation(Activation a) {
        return withCellOption("recurrentActivation", a);
    }

    public LSTM unitForgetBias(boolean value) {
        return withCellOption("unitForgetBias", value);
    }

    /** Gate weights on the cell state (Gers et al. 2000). */
    public LSTM peephole(boolean value) {
        return withCellOption("peephole", value);
    }

    /** The fused form: standard activations and no peepholes. */
    @Override
    protected FusedRnn.Cell fusedCell() {
        boolean standard = config.activation() == Activations.TANH && config.recurrentActivation() == Activations.SIGMOID;
        return standard && peepholes == null ? FusedRnn.Cell.LSTM : null;
    }

    @Override
    public Parameter recurrentKernel() {
        return recurrentKernel;
    }

    @Override
    protected Parameter biasParameter() {
        return bias;
    }

    @Override
    public int units() {
        return config.units();
    }

    @Override
    protected int stateCount() {
        return 2;
    }

    @Override
    protected int gateCount() {
        return 4;
    }

    @Override
    protected void buildCell(long inputDim) {
        int u = config.units();
        kernel = addWeight("kernel", new long[] {inputDim, 4L * u}, config.kernelInitializer());
        recurrentKernel = addWeight("recurrent_kernel", new long[] {u, 4L * u}, config.recurrentInitializer());
        if (config.useBias()) {
            Initializer init = config.biasInitializer();
            if (config.unitForgetBias()) {
                // Keras: the bias initializer for i, c, o and ones for f
                init = new Initializer() {
                    @Override
                    public INDArray initialize(long[] shape, DataType type) {
                        INDArray b = config.biasInitializer().initialize(shape, type);
                        b.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(u, 2L * u)).assign(1.0);
                        return b;
                    }

                    @Override
                    public String kerasName() {
                        return config.biasInitializer().kerasName();
                    }
                };
            }
            bias = addWeight("bias", new long[] {4L * u}, init);
        }
        if (config.peephole()) {
            peepholes = new Parameter[] {
                addWeight("input_gate_peephole_weights", new long[] {u}, new GlorotUniform()),
                addWeight("forget_gate_peephole_weights", new long[] {u}, new GlorotUniform()),
                addWeight("output_gate_peephole_weights", new long[] {u}, new GlorotUniform())};
        }
    }

    @Override
    protected void rebindWeights() {
        kernel = weight("kernel");
        recurrentKernel = weight("recurrent_kernel");
        bias = weight("bias");
    }

    /** The step's recurrent products are whole-kernel ones. */
    @Override
    protected boolean int8Loop() {
        return true;
    }

    @Override
    protected Parameter kernel() {
        return kernel;
    }

    @Override
    protected INDArray inputBias() {
        return bias == null ? null : bias.value();
    }

    @Override
    protected Object newCache(long time, long batch, DataType type, INDArray[] inputs, INDArray[] masks) {
        long u = config.units();
        return new Cache(array(type, time, 4 * u, batch), array(type, time, u, batch),
            array(type, u, batch), array(type, u, batch));
    }

    @Override
    protected void step(int s, INDArray z, INDArray hRec, INDArray[] prev, INDArray[] next, Object cacheObject) {
        Cache cache = (Cache) cacheObject;
        recurrentProduct(hRec, z, true);                                    // z += U^T h_{t-1}
        INDArray a = step(cache.gates(), s);
        INDArray cPrev = prev[1];
        if (peepholes != null) {
            gate(z, 0).addi(cPrev.mulColumnVector(peepholes[0].value()));
            gate(z, 1).addi(cPrev.mulColumnVector(peepholes[1].value()));
        }
        config.recurrentActivation().applyTo(gates(z, 0, 2), gates(a, 0, 2));
        config.activation().applyTo(gate(z, 2), gate(a, 2));
        INDArray c = next[1];
        gate(a, 1).mul(cPrev, c);                                 // c = f c_{t-1}
        c.addi(gate(a, 0).mul(gate(a, 2), cache.scratch()));     //   + i g
        if (peepholes != null) {
            gate(z, 3).addi(c.mulColumnVector(peepholes[2].value()));
        }
        config.recurrentActivation().applyTo(gate(z, 3), gate(a, 3));
        INDArray ac = step(cache.cellActivation(), s);
        config.activation().applyTo(c, ac);
        gate(a, 3).mul(ac, next[0]);                               // h = o σ(c)
    }

    @Override
    protected void stepBackward(int s, INDArray z, INDArray[] dNext, INDArray[] prev, INDArray[] newStates,
                                INDArray dz, INDArray[] dPrev, INDArray recMask, Object cacheObject) {
        Cache cache = (Cache) cacheObject;
        INDArray a = step(cache.gates(), s);
        INDArray ac = step(cache.cellActivation(), s);
        INDArray dh = dNext[0];
        INDArray cPrev = prev[1];
        INDArray t1 = cache.scratch();
        INDArray dc = cache.scratch2();
        Activation rec = config.recurrentActivation();
        // o = rσ(z_o), h = o σ(c): dz_o = rσ'(z_o) (dh σ(c))
        rec.backwardTo(gate(z, 3), gate(a, 3), dh.mul(ac, t1), gate(dz, 3));
        // dc = dc_next + σ'(c) (dh o)  (+ dz_o p_o with peepholes)
        config.activation().backwardTo(newStates[1], ac, dh.mul(gate(a, 3), t1), dc);
        dc.addi(dNext[1]);
        if (peepholes != null) {
            dc.addi(gate(dz, 3).mulColumnVector(peepholes[2].value()));
        }
        rec.backwardTo(gate(z, 0), gate(a, 0), dc.mul(gate(a, 2), t1), gate(dz, 0));        // i
        rec.backwardTo(gate(z, 1), gate(a, 1), dc.mul(cPrev, t1), gate(dz, 1));              // f
        config.activation().backwardTo(gate(z, 2), gate(a, 2), dc.mul(gate(a, 0), t1), gate(dz, 2));  // g
        dc.mul(gate(a, 1), dPrev[1]);                                                          // dc_{t-1} = dc f
        if (peepholes != null) {
            dPrev[1].addi(gate(dz, 0).mulColumnVector(peepholes[0].value()));
            dPrev[1].addi(gate(dz, 1).mulColumnVector(peepholes[1].value()));
            accumulate(peepholes[0], gate(dz, 0).mul(cPrev).sum(1));
            accumulate(peepholes[1], gate(dz, 1).mul(cPrev).sum(1));
            accumulate(peepholes[2], gate(dz, 3).mul(newStates[1]).sum(1));
        }
        Blas.gemm(recurrentKernel.value(), false, dz, false, 1.0, dPrev[0], 0.0);    // dh_{t-1} = U dz
        if (recMask != null) {
            dPrev[0].muli(recMask);
        }
    }

    @Override
    protected void weightGradients(INDArray hRec, INDArray dZ, Object cache) {
        sameForAllGates(recurrentKernel, bias, hRec, dZ);
    }
}
