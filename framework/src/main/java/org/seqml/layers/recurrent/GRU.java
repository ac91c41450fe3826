package org.seqml.layers.recurrent;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.activations.Activation;
import org.seqml.activations.Activations;
import org.seqml.initializers.Constant;
import org.seqml.initializers.GlorotUniform;
import org.seqml.initializers.Initializer;
import org.seqml.initializers.Orthogonal;
import org.seqml.layers.Parameter;

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
     * Per step: pre-activations and activations of z, r, hh (T, B, 3U), and the recurrent
     * candidate term: hz_h (resetAfter) or r h_{t-1} (not).
     */
    private record Cache(INDArray pre, INDArray act, INDArray candidate) {
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

    private GRU withConfig(String option, Object value) {
        return sameName(new GRU(with(config, option, value), options()));
    }

    public GRU activation(String name) {
        return withConfig("activation", Activation.get(name));
    }

    public GRU recurrentActivation(String name) {
        return withConfig("recurrentActivation", Activation.get(name));
    }

    public GRU recurrentActivation(Activation a) {
        return withConfig("recurrentActivation", a);
    }

    public GRU useBias(boolean value) {
        return withConfig("useBias", value);
    }

    /** Keras 3 / tf.keras 2 (true, the default) or Keras 2.0-2.2 (false) form of the candidate. */
    public GRU resetAfter(boolean value) {
        return withConfig("resetAfter", value);
    }

    public GRU kernelInitializer(Initializer value) {
        return withConfig("kernelInitializer", value);
    }

    public GRU recurrentInitializer(Initializer value) {
        return withConfig("recurrentInitializer", value);
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
    protected Object newCache(long time, long batch, DataType type) {
        long u = config.units();
        return new Cache(Nd4j.create(type, time, batch, 3 * u), Nd4j.create(type, time, batch, 3 * u),
            Nd4j.create(type, time, batch, u));
    }

    @Override
    protected void step(int s, INDArray xz, INDArray hRec, INDArray[] prev, INDArray[] next, Object cacheObject) {
        Cache cache = (Cache) cacheObject;
        INDArray pre = cache.pre().slice(s).assign(xz);
        INDArray act = cache.act().slice(s);
        INDArray candidate = cache.candidate().slice(s);
        INDArray hPrev = prev[0];
        INDArray u = recurrentKernel.value();
        if (config.resetAfter()) {
            INDArray hz = hRec.mmul(u);
            if (recurrentBias() != null) {
                hz.addiRowVector(recurrentBias());
            }
            gates(pre, 0, 2).addi(gates(hz, 0, 2));
            config.recurrentActivation().applyTo(gates(pre, 0, 2), gates(act, 0, 2));
            candidate.assign(gate(hz, 2));
            gate(pre, 2).addi(gate(act, 1).mul(candidate));
        } else {
            gates(pre, 0, 2).addi(hRec.mmul(gates(u, 0, 2)));
            config.recurrentActivation().applyTo(gates(pre, 0, 2), gates(act, 0, 2));
            gate(act, 1).mul(hRec, candidate);                       // r h_{t-1}
            gate(pre, 2).addi(candidate.mmul(gate(u, 2)));
        }
        config.activation().applyTo(gate(pre, 2), gate(act, 2));
        // h = z h_{t-1} + (1 - z) hh = hh + z (h_{t-1} - hh)
        INDArray z = gate(act, 0);
        INDArray hh = gate(act, 2);
        hPrev.sub(hh, next[0]).muli(z).addi(hh);
    }

    @Override
    protected void stepBackward(int s, INDArray[] dNext, INDArray[] prev, INDArray[] newStates, INDArray dxz,
                                INDArray[] dPrev, INDArray recMask, Object cacheObject) {
        Cache cache = (Cache) cacheObject;
        INDArray pre = cache.pre().slice(s);
        INDArray act = cache.act().slice(s);
        INDArray candidate = cache.candidate().slice(s);
        INDArray hPrev = prev[0];
        INDArray dh = dNext[0];
        INDArray z = gate(act, 0);
        INDArray r = gate(act, 1);
        INDArray hh = gate(act, 2);
        Activation rec = config.recurrentActivation();
        INDArray dzz = rec.backward(gate(pre, 0), z, dh.mul(hPrev.sub(hh)));
        INDArray dhh = config.activation().backward(gate(pre, 2), hh, dh.mul(z.rsub(1.0)));
        gate(dxz, 0).assign(dzz);
        gate(dxz, 2).assign(dhh);
        INDArray u = recurrentKernel.value();
        INDArray dhRec;
        if (config.resetAfter()) {
            INDArray dr = rec.backward(gate(pre, 1), r, dhh.mul(candidate));
            gate(dxz, 1).assign(dr);
            // the recurrent part sees the same gradients but r dhh for the candidate
            INDArray dhz = dxz.dup();
            gate(dhz, 2).muli(r);
            dhRec = dhz.mmul(u.transpose());
        } else {
            INDArray dCandidate = dhh.mmul(gate(u, 2).transpose());           // d(r h_{t-1})
            INDArray hRec = recMask == null ? hPrev : hPrev.mul(recMask);
            INDArray dr = rec.backward(gate(pre, 1), r, dCandidate.mul(hRec));
            gate(dxz, 1).assign(dr);
            dhRec = gates(dxz, 0, 2).mmul(gates(u, 0, 2).transpose()).addi(dCandidate.muli(r));
        }
        if (recMask != null) {
            dhRec.muli(recMask);
        }
        // h = z h_{t-1} + ...: the direct path
        dPrev[0].assign(dhRec.addi(dh.mul(z)));
    }

    @Override
    protected void weightGradients(INDArray hRec, INDArray dXZ, Object cacheObject) {
        Cache cache = (Cache) cacheObject;
        long rows = dXZ.size(0) * dXZ.size(1);
        long u = config.units();
        INDArray dXZ2 = dXZ.reshape('c', rows, 3 * u);
        INDArray h2 = hRec.reshape('c', rows, u);
        if (config.resetAfter()) {
            INDArray dHZ2 = dXZ2.dup();
            INDArray r2 = cache.act().reshape('c', rows, 3 * u).get(NDArrayIndex.all(), NDArrayIndex.interval(u, 2 * u));
            dHZ2.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * u, 3 * u)).muli(r2);
            if (recurrentKernel.trainable()) {
                Nd4j.gemm(h2, dHZ2, recurrentKernel.grad(), true, false, 1.0, 1.0);
            }
            if (bias != null && bias.trainable()) {
                bias.grad().getRow(0).addi(dXZ2.sum(0));
                bias.grad().getRow(1).addi(dHZ2.sum(0));
            }
        } else {
            if (recurrentKernel.trainable()) {
                INDArray g = recurrentKernel.grad();
                INDArray zr = dXZ2.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2 * u));
                INDArray dh = dXZ2.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * u, 3 * u));
                g.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2 * u)).addi(h2.transpose().mmul(zr));
                INDArray rh = cache.candidate().reshape('c', rows, u);
                g.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * u, 3 * u)).addi(rh.transpose().mmul(dh));
            }
            if (bias != null) {
                accumulate(bias, dXZ2.sum(0));
            }
        }
    }
}
