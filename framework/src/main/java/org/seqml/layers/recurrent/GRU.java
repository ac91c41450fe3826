package org.seqml.layers.recurrent;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.activations.Activation;
import org.seqml.activations.Activations;
import org.seqml.backend.Blas;
import org.seqml.initializers.Constant;
import org.seqml.initializers.GlorotUniform;
import org.seqml.initializers.Initializer;
import org.seqml.initializers.Orthogonal;
import org.seqml.layers.Forward;
import org.seqml.layers.Parameter;
import org.seqml.backend.FusedRnn;

/**
 * Gated recurrent unit, Keras's {@code GRU} (Cho et al. 2014), in both of Keras's forms:
 * <pre>
 * xz = x W + b_in                                   W (in, 3U), U (U, 3U); gates z, r, h
 * resetAfter = true  (tf.keras 2, Keras 3; bias (2, 3U) = [b_in; b_rec]):
 *   hz = h_{t-1} U + b_rec
 *   z = rσ(xz_z + hz_z)   r = rσ(xz_r + hz_r)   hh = σ(xz_h + r hz_h)
 * resetAfter = false (Keras 2.0-2.2; bias (3U)):
 *   z = rσ(xz_z + h_{t-1} U_z)   r = rσ(xz_r + h_{t-1} U_r)   hh = σ(xz_h + (r h_{t-1}) U_h)
 * h_t = z h_{t-1} + (1 - z) hh
 * </pre>
 * σ is {@code activation} (tanh), rσ {@code recurrentActivation} (sigmoid).
 *
 * <pre>{@code
 * SymbolicTensor h = new GRU(128).apply(embedded);
 * SymbolicTensor old = new GRU(64).resetAfter(false).recurrentActivation("hard_sigmoid_keras2").apply(x);
 * }</pre>
 * Loop options (masks, goBackwards, returnState, stateful, dropout, ...) are {@link RNN}'s.
 */
public final class GRU extends RNN<GRU> {

    /** The cell's options, with Keras's defaults. */
    public record Config(int units, Activation activation, Activation recurrentActivation, boolean useBias,
                         boolean resetAfter, Initializer kernelInitializer, Initializer recurrentInitializer,
                         Initializer biasInitializer) {
        public Config {
            if (units <= 0) {
                throw new IllegalArgumentException("GRU: units must be positive, got " + units);
            }
        }
    }

    /**
     * Per step (T, features, B): the activations of z, r, hh, and the recurrent candidate term,
     * hz_h (resetAfter) or r h_{t-1} (not); and scratch buffers.
     */
    private record Cache(INDArray act, INDArray candidate, INDArray hz, INDArray scratch, INDArray scratch2,
                         INDArray scratch3) {
    }

    private final Config config;
    private Parameter kernel;
    private Parameter recurrentKernel;
    private Parameter bias;

    public GRU(int units) {
        this(new Config(units, Activations.TANH, Activations.SIGMOID, true, true, new GlorotUniform(),
            new Orthogonal(), Constant.ZEROS), Options.defaults());
    }

    public GRU(Config config, Options options) {
        super(options);
        this.config = config;
    }

    public Config config() {
        return config;
    }

    @Override
    protected GRU withOptions(Options newOptions) {
        return new GRU(config, newOptions);
    }

    @Override
    protected GRU withCellOption(String option, Object value) {
        return sameName(new GRU(with(config, option, value), options()));
    }

    public GRU recurrentActivation(String name) {
        return withCellOption("recurrentActivation", Activation.get(name));
    }

    public GRU recurrentActivation(Activation a) {
        return withCellOption("recurrentActivation", a);
    }

    /** Keras 3 / tf.keras 2 (true, the default) or Keras 2.0-2.2 (false) form of the candidate. */
    public GRU resetAfter(boolean value) {
        return withCellOption("resetAfter", value);
    }

    /** The fused form: standard activations; reset_after is the backend's GRU_RESET_AFTER. */
    @Override
    protected FusedRnn.Cell fusedCell() {
        if (config.activation() != Activations.TANH || config.recurrentActivation() != Activations.SIGMOID) {
            return null;
        }
        return config.resetAfter() ? FusedRnn.Cell.GRU_RESET_AFTER : FusedRnn.Cell.GRU;
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
        return 1;
    }

    @Override
    protected int gateCount() {
        return 3;
    }

    @Override
    protected void buildCell(long inputDim) {
        int u = config.units();
        kernel = addWeight("kernel", new long[] {inputDim, 3L * u}, config.kernelInitializer());
        recurrentKernel = addWeight("recurrent_kernel", new long[] {u, 3L * u}, config.recurrentInitializer());
        if (config.useBias()) {
            long[] shape = config.resetAfter() ? new long[] {2, 3L * u} : new long[] {3L * u};
            bias = addWeight("bias", shape, config.biasInitializer());
        }
    }

    @Override
    protected void rebindWeights() {
        kernel = weight("kernel");
        recurrentKernel = weight("recurrent_kernel");
        bias = weight("bias");
    }

    /** The step's recurrent products are whole-kernel ones with resetAfter (without, it multiplies gate blocks). */
    @Override
    protected boolean int8Loop() {
        return config.resetAfter();
    }

    /** The default GRU's int8 form on the backend's kernel ({@code FusedRnn.forwardInt8Gru}), or null for the loop. */
    @Override
    Forward int8Kernel(LoopInt8 q, INDArray[] inputs, INDArray[] masks) {
        INDArray mask = masks.length > 0 ? masks[0] : null;
        if (fusedCell() != FusedRnn.Cell.GRU_RESET_AFTER || !FusedRnn.takesInt8Gru(mask)) {
            return null;
        }
        INDArray x = inputs[0];
        RNN.Options o = options();
        FusedRnn.Call call = FusedRnn.forwardInt8Gru(q.kernel(), q.recurrent(), 1 / q.inputScale().getDouble(0),
            bias == null ? null : bias.value(), x, mask, initialState(inputs, 0, x.size(0)),
            new FusedRnn.Options(o.goBackwards(), o.returnSequences(), o.zeroOutputForMask(),
                o.returnState() || o.stateful()));
        return fusedResult(inputs, masks, call, false, call);
    }

    @Override
    protected Parameter kernel() {
        return kernel;
    }

    @Override
    protected INDArray inputBias() {
        if (bias == null) {
            return null;
        }
        return config.resetAfter() ? bias.value().getRow(0) : bias.value();
    }

    private INDArray recurrentBias() {
        return bias == null || !config.resetAfter() ? null : bias.value().getRow(1);
    }

    @Override
    protected Object newCache(long time, long batch, DataType type, INDArray[] inputs, INDArray[] masks) {
        long u = config.units();
        return new Cache(array(type, time, 3 * u, batch), array(type, time, u, batch),
            array(type, 3 * u, batch), array(type, u, batch), array(type, u, batch),
            array(type, u, batch));
    }

    @Override
    protected void step(int s, INDArray z, INDArray hRec, INDArray[] prev, INDArray[] next, Object cacheObject) {
        Cache cache = (Cache) cacheObject;
        INDArray act = step(cache.act(), s);
        INDArray candidate = step(cache.candidate(), s);
        if (config.resetAfter()) {
            INDArray hz = cache.hz();
            recurrentProduct(hRec, hz, false);                                  // hz = U^T h_{t-1} + b_rec
            if (recurrentBias() != null) {
                hz.addiColumnVector(recurrentBias());
            }
            gates(z, 0, 2).addi(gates(hz, 0, 2));
            config.recurrentActivation().applyTo(gates(z, 0, 2), gates(act, 0, 2));
            candidate.assign(gate(hz, 2));
            gate(z, 2).addi(gate(act, 1).mul(candidate, cache.scratch()));      // + r hz_h
        } else {
            INDArray u = recurrentKernel.value();
            Blas.gemm(kernelGates(u, 0, 2), true, hRec, false, 1.0, gates(z, 0, 2), 1.0);
            config.recurrentActivation().applyTo(gates(z, 0, 2), gates(act, 0, 2));
            gate(act, 1).mul(hRec, candidate);                                    // r h_{t-1}
            Blas.gemm(kernelGates(u, 2, 3), true, candidate, false, 1.0, gate(z, 2), 1.0);
        }
        config.activation().applyTo(gate(z, 2), gate(act, 2));
        // h = z h_{t-1} + (1 - z) hh = hh + z (h_{t-1} - hh)
        INDArray hh = gate(act, 2);
        prev[0].sub(hh, next[0]).muli(gate(act, 0)).addi(hh);
    }

    @Override
    protected void stepBackward(int s, INDArray z, INDArray[] dNext, INDArray[] prev, INDArray[] newStates,
                                INDArray dz, INDArray[] dPrev, INDArray recMask, Object cacheObject) {
        Cache cache = (Cache) cacheObject;
        INDArray act = step(cache.act(), s);
        INDArray candidate = step(cache.candidate(), s);
        INDArray hPrev = prev[0];
        INDArray dh = dNext[0];
        INDArray zg = gate(act, 0);
        INDArray r = gate(act, 1);
        INDArray hh = gate(act, 2);
        INDArray t1 = cache.scratch();
        INDArray t2 = cache.scratch2();
        Activation rec = config.recurrentActivation();
        rec.backwardTo(gate(z, 0), zg, hPrev.sub(hh, t1).muli(dh), gate(dz, 0));
        config.activation().backwardTo(gate(z, 2), hh, zg.rsub(1.0, t2).muli(dh), gate(dz, 2));
        INDArray u = recurrentKernel.value();
        INDArray dhRec = dPrev[0];
        if (config.resetAfter()) {
            rec.backwardTo(gate(z, 1), r, gate(dz, 2).mul(candidate, t1), gate(dz, 1));
            // the recurrent product sees the same gradients, but r dhh for the candidate
            INDArray dhz = cache.hz().assign(dz);
            gate(dhz, 2).muli(r);
            Blas.gemm(u, false, dhz, false, 1.0, dhRec, 0.0);
        } else {
            INDArray dCandidate = t2;
            Blas.gemm(kernelGates(u, 2, 3), false, gate(dz, 2), false, 1.0, dCandidate, 0.0);   // d(r h_{t-1})
            INDArray hRec = recMask == null ? hPrev : hPrev.mul(recMask, cache.scratch3());
            rec.backwardTo(gate(z, 1), r, dCandidate.mul(hRec, t1), gate(dz, 1));
            Blas.gemm(kernelGates(u, 0, 2), false, gates(dz, 0, 2), false, 1.0, dhRec, 0.0);
            dhRec.addi(dCandidate.muli(r));
        }
        if (recMask != null) {
            dhRec.muli(recMask);
        }
        dhRec.addi(dh.mul(zg, t1));                 // the direct path of h = z h_{t-1} + ...
    }

    @Override
    protected void weightGradients(INDArray hRec, INDArray dZ, Object cacheObject) {
        Cache cache = (Cache) cacheObject;
        long u = config.units();
        long rows = dZ.size(0);
        INDArray grad = recurrentKernel.grad();
        if (config.resetAfter()) {
            INDArray dHZ = dZ.dup();
            INDArray r = cache.act().get(NDArrayIndex.all(), NDArrayIndex.interval(u, 2 * u), NDArrayIndex.all())
                .permute(0, 2, 1).dup('c').reshape('c', rows, u);
            dHZ.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * u, 3 * u)).muli(r);
            if (recurrentKernel.trainable()) {
                Blas.gemm(hRec, true, dHZ, false, 1.0, grad, 1.0);
            }
            if (bias != null && bias.trainable()) {
                Blas.addColumnSums(dZ, bias.grad().getRow(0));
                Blas.addColumnSums(dHZ, bias.grad().getRow(1));
            }
        } else {
            if (recurrentKernel.trainable()) {
                INDArray rh = cache.candidate().permute(0, 2, 1).dup('c').reshape('c', rows, u);
                Blas.gemm(hRec, true, dZ.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2 * u)), false, 1.0,
                    kernelGates(grad, 0, 2), 1.0);
                Blas.gemm(rh, true, dZ.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * u, 3 * u)), false, 1.0,
                    kernelGates(grad, 2, 3), 1.0);
            }
            if (bias != null && bias.trainable()) {
                Blas.addColumnSums(dZ, bias.grad());
            }
        }
    }
}
