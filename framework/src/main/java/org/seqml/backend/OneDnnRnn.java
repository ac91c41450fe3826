package org.seqml.backend;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.gru_backward;
import org.bytedeco.dnnl.gru_forward;
import org.bytedeco.dnnl.lbr_gru_backward;
import org.bytedeco.dnnl.lbr_gru_forward;
import org.bytedeco.dnnl.lstm_backward;
import org.bytedeco.dnnl.lstm_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.rnn_primitive_desc_base;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A whole recurrent sequence in one call of oneDNN's RNN primitives, forward (training or
 * inference) and backward, on float32 ND4J arrays in place: the fast path under {@code LSTM} and
 * {@code GRU} where the cell is one oneDNN has (sigmoid gates, tanh activation, no peepholes) and
 * the call has no mask and no recurrent dropout. seqml's own loop ({@code layers.recurrent.RNN}) stays the
 * reference path that tests compare this one with.
 *
 * <p>Keras's layouts are oneDNN's: {@code ldigo} weights are Keras's kernel {@code (in, G*U)}
 * and recurrent kernel {@code (U, G*U)} in row-major order, {@code ldgo} is Keras's bias, and
 * {@code ntc} is the layer's {@code (batch, time, features)} input and output, so sequences go in
 * and out in place. Only the weights are copied, once per call: oneDNN pads their gate rows
 * (1040 floats for 1024) and the backward wants them in {@code ldgoi}. The gate orders are
 * Keras's: LSTM i, f, c, o; GRU z (oneDNN's u), r, h (oneDNN's o). Keras's GRU with
 * {@code reset_after} is oneDNN's linear-before-reset GRU, whose bias holds the four rows
 * {@code [b_z, b_r, b_h(input), b_h(recurrent)]}, z and r summed over input and recurrent biases.
 *
 * <p>The backward accumulates into the weight-gradient arrays it is given (as a shared layer's
 * second use must). Switches: see {@link OneDnn}.
 *
 * <pre>{@code
 * OneDnnRnn rnn = new OneDnnRnn(OneDnnRnn.Cell.LSTM, 128);
 * OneDnnRnn.Call call = rnn.forward(x, kernel, recurrentKernel, bias, null, null, false, true);
 * OneDnnRnn.Gradients g = rnn.backward(call, kernel, recurrentKernel, bias, dy, null, null, dK, dR, dB);
 * }</pre>
 */
public final class OneDnnRnn {
    /**
     * Shapes whose primitives (and their copies of the weights in oneDNN's layout) stay made. A
     * layer fed bucketed data meets dozens (grapheme-to-phoneme: one per pair of lengths); 16 ran
     * those as fast as 64 did, at a quarter of the memory.
     */
    private static final int CACHED_SHAPES = 16;
    /** Bytes of free workspaces and output buffers a layer keeps for reuse; past it they are freed. */
    private static final long POOLED_BYTES = 256L << 20;

    /** The cells oneDNN computes: gate count, bias rows, states (h, or h and c). */
    public enum Cell {
        LSTM(4, 4, 2), GRU(3, 3, 1), LBR_GRU(3, 4, 1);

        final int gates;
        final int biasGates;
        final int states;

        Cell(int gates, int biasGates, int states) {
            this.gates = gates;
            this.biasGates = biasGates;
            this.states = states;
        }
    }

    /**
     * A forward's outputs and what its backward needs: y (B, T, U), final h and c (B, U), and for
     * training oneDNN's workspace (the gates of every step), which {@link #release} hands back.
     */
    public static final class Call {
        private final Key key;
        private final INDArray x;
        private final INDArray h0;
        private final INDArray c0;
        private final INDArray y;
        private final INDArray h;
        private final INDArray c;
        private memory workspace;
        private final boolean pooledY;
        private boolean released;

        Call(Key key, INDArray x, INDArray h0, INDArray c0, INDArray y, INDArray h, INDArray c, memory workspace,
             boolean pooledY) {
            this.key = key;
            this.x = x;
            this.h0 = h0;
            this.c0 = c0;
            this.y = y;
            this.h = h;
            this.c = c;
            this.workspace = workspace;
            this.pooledY = pooledY;
        }

        /** The output at every step, (batch, time, units), aligned with the input steps. */
        public INDArray y() {
            return y;
        }

        /**
         * Whether {@link #y} is the caller's to free once nothing reads it: a new array, not the
         * buffer a last-step-only call borrows and {@link #release} takes back.
         */
        public boolean callerOwnsY() {
            return !pooledY;
        }

        /** The final h, (batch, units). */
        public INDArray h() {
            return h;
        }

        /** The final c, (batch, units); null for GRU. */
        public INDArray c() {
            return c;
        }
    }

    /** The input gradient and the initial states' gradients (c null for GRU). */
    public record Gradients(INDArray dx, INDArray dh0, INDArray dc0) {
    }

    record Key(long time, long batch, long inputDim, boolean training, boolean reverse) {
    }

    private final Cell cell;
    private final int units;
    private final java.util.concurrent.atomic.AtomicLong pooledBytes = new java.util.concurrent.atomic.AtomicLong();
    private final Map<Key, Primitives> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Primitives> eldest) {
            if (size() > CACHED_SHAPES) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    };

    public OneDnnRnn(Cell cell, int units) {
        this.cell = cell;
        this.units = units;
    }

    /** Whether oneDNN loaded and is switched on; false makes the layers use their own loop. */
    public static boolean available() {
        return OneDnn.available();
    }

    /**
     * Runs the sequence {@code x} (batch, time, in) from {@code h0}, {@code c0} (batch, units; null
     * for zeros), right to left when {@code reverse} (outputs stay aligned with the input steps).
     * {@code bias} is (biasGates, units), or null for none.
     */
    public Call forward(INDArray x, INDArray kernel, INDArray recurrentKernel, INDArray bias, INDArray h0,
                        INDArray c0, boolean reverse, boolean training) {
        return forward(x, kernel, recurrentKernel, bias, h0, c0, reverse, training, false);
    }

    /**
     * As above; {@code lastStepOnly} says the caller uses only the final states, so the per-step
     * outputs live in a buffer that {@link #release} hands back instead of a new array per call.
     */
    public Call forward(INDArray x, INDArray kernel, INDArray recurrentKernel, INDArray bias, INDArray h0,
                        INDArray c0, boolean reverse, boolean training, boolean lastStepOnly) {
        long b = x.size(0);
        long t = x.size(1);
        Key key = new Key(t, b, x.size(2), training, reverse);
        Primitives p = primitives(key);
        INDArray in = OneDnn.dense(x);
        INDArray hIn = h0 == null ? Nd4j.zeros(DataType.FLOAT, b, units) : OneDnn.dense(h0);
        INDArray cIn = cell.states == 2 ? (c0 == null ? Nd4j.zeros(DataType.FLOAT, b, units) : OneDnn.dense(c0)) : null;
        // written whole by oneDNN: a step's freed array of this size if there is one
        INDArray y = lastStepOnly ? p.takeOutputs() : StepArrayPool.uninitialized(DataType.FLOAT, b, t, units);
        INDArray h = Nd4j.createUninitialized(DataType.FLOAT, b, units);
        INDArray c = cIn == null ? null : Nd4j.createUninitialized(DataType.FLOAT, b, units);
        Call call = new Call(key, in, hIn, cIn, y, h, c, training ? p.takeWorkspace() : null, lastStepOnly);
        bindCall(p, call, kernel, recurrentKernel, bias);
        if (call.workspace != null) {
            p.forwardArgs.put(dnnl.DNNL_ARG_WORKSPACE, call.workspace);
        }
        OneDnn.run(() -> {
            stream s = OneDnn.stream();
            p.forwardWeights.copy(s);
            p.forward.execute(s, p.forwardArgs);
            s._wait();
        });
        return call;
    }

    /** Points the memories a forward and its backward share at the call's arrays and the weights. */
    private void bindCall(Primitives p, Call call, INDArray kernel, INDArray recurrentKernel, INDArray bias) {
        OneDnn.bind(p.src, call.x);
        OneDnn.bind(p.h0, call.h0);
        OneDnn.bind(p.c0, call.c0);
        OneDnn.bind(p.wLayer, OneDnn.dense(kernel));
        OneDnn.bind(p.wIter, OneDnn.dense(recurrentKernel));
        OneDnn.bind(p.bias, bias == null ? zeroBias() : OneDnn.dense(bias));
        OneDnn.bind(p.dst, call.y);
        OneDnn.bind(p.h, call.h);
        OneDnn.bind(p.c, call.c);
    }

    /**
     * The backward of a {@link #forward} (one for inference is run again for training first): {@code dy} (batch, time, units) or null, and
     * the final states' gradients (null for none). Adds the weight gradients to {@code dKernel},
     * {@code dRecurrent} and {@code dBias} ((biasGates, units); null when the layer has no bias).
     */
    public Gradients backward(Call call, INDArray kernel, INDArray recurrentKernel, INDArray bias, INDArray dy,
                              INDArray dh, INDArray dc, INDArray dKernel, INDArray dRecurrent, INDArray dBias) {
        if (call.released) {
            throw new IllegalStateException("backward after this call was released; call forward again.");
        }
        if (!call.key.training()) {
            // an inference forward keeps no workspace: run the sequence again, for training
            call = forward(call.x, kernel, recurrentKernel, bias, call.h0, call.c0, call.key.reverse(), true, false);
        }
        Primitives p = primitives(call.key);
        long b = call.key.batch();
        INDArray dx = StepArrayPool.uninitialized(DataType.FLOAT, b, call.key.time(), call.key.inputDim());
        INDArray dh0 = Nd4j.createUninitialized(DataType.FLOAT, b, units);
        INDArray dc0 = cell.states == 2 ? Nd4j.createUninitialized(DataType.FLOAT, b, units) : null;
        bindCall(p, call, kernel, recurrentKernel, bias);
        p.backwardArgs.put(dnnl.DNNL_ARG_WORKSPACE, call.workspace);
        OneDnn.bind(p.dSrc, dx);
        OneDnn.bind(p.dH0, dh0);
        OneDnn.bind(p.dC0, dc0);
        OneDnn.bind(p.dDst, dy == null ? p.zeroOutputGradient(call.y.shape()) : OneDnn.dense(dy));
        OneDnn.bind(p.dH, dh == null ? Nd4j.zeros(DataType.FLOAT, b, units) : OneDnn.dense(dh));
        OneDnn.bind(p.dC, cell.states == 1 ? null : dc == null ? Nd4j.zeros(DataType.FLOAT, b, units) : OneDnn.dense(dc));
        INDArray biasGrad = dBias != null ? dBias : Nd4j.zeros(DataType.FLOAT, cell.biasGates, units);
        OneDnn.bind(p.dBias, checkedGradient(biasGrad));
        p.diffWeights.bindTo(dKernel, dRecurrent);
        OneDnn.run(() -> {
            stream s = OneDnn.stream();
            p.backwardWeights.copy(s);
            p.diffWeights.clear();
            p.backward.execute(s, p.backwardArgs);
            p.diffWeights.addTo(s);
            s._wait();
        });
        return new Gradients(dx, dh0, dc0);
    }

    /**
     * Hands a training call's workspace back for the next forward of the same shape; the call can
     * no longer be differentiated. Calls never released leave their workspace to the garbage
     * collector.
     */
    public void release(Call call) {
        memory ws = call.workspace;
        call.workspace = null;
        if (call.released) {
            return;
        }
        call.released = true;
        Primitives p;
        synchronized (this) {
            p = cache.get(call.key);
        }
        if (p == null) {
            if (ws != null) {
                ws.close();   // its shape left the cache
            }
            return;
        }
        if (call.pooledY) {
            p.giveBackOutputs(call.y);
        }
        if (ws != null) {
            p.giveBack(ws);
        }
        p.trimTo(POOLED_BYTES);
    }

    private INDArray zeroBias() {
        return Nd4j.zeros(DataType.FLOAT, cell.biasGates, units);
    }

    private static INDArray checkedGradient(INDArray g) {
        if (!OneDnn.bindable(g)) {
            throw new IllegalArgumentException("oneDNN accumulates into a dense float32 array; got a view");
        }
        return g;
    }

    private synchronized Primitives primitives(Key key) {
        if (!available()) {
            throw new IllegalStateException("oneDNN is not available");
        }
        return cache.computeIfAbsent(key, Primitives::new);
    }

    /** The user's weights in the primitive's own layout: bound as they are, or reordered per call. */
    private static final class WeightsIn {
        private final memory user;
        private final memory inner;
        private final reorder reorder;

        WeightsIn(memory user, memory.desc wanted) {
            this.user = user;
            boolean same = wanted.equals(user.get_desc());
            this.inner = same ? user : new memory(wanted, OneDnn.cpu());
            this.reorder = same ? null : new reorder(user, inner);
        }

        void copy(stream s) {
            if (reorder != null) {
                reorder.execute(s, user, inner);
            }
        }
    }

    /** Both weights going into a primitive. */
    private record Weights(WeightsIn layer, WeightsIn iter) {
        void copy(stream s) {
            layer.copy(s);
            iter.copy(s);
        }
    }

    /**
     * The weight gradients coming out of the backward. oneDNN keeps its own copy of the gradients
     * in its layout ({@code ldigo} with the gate rows padded, 1040 floats instead of 1024 for
     * W4's LSTM(256)), into which the backward accumulates; a reorder with a sum post-op then adds
     * them to the caller's arrays in one pass each, with no temporary arrays. When oneDNN's layout
     * is the caller's, the backward accumulates into the caller's arrays directly.
     */
    private final class DiffWeights {
        private final memory layer;
        private final memory iter;
        private final memory userLayer;
        private final memory userIter;
        private final reorder addLayer;
        private final reorder addIter;
        private final boolean direct;
        private final long[] layerShape;
        private final long[] iterShape;

        DiffWeights(rnn_primitive_desc_base bpd, memory.desc userLayerDesc, memory.desc userIterDesc, long inputDim) {
            direct = bpd.diff_weights_layer_desc().equals(userLayerDesc)
                && bpd.diff_weights_iter_desc().equals(userIterDesc);
            layerShape = new long[] {inputDim, (long) cell.gates * units};
            iterShape = new long[] {units, (long) cell.gates * units};
            layer = direct ? new memory(userLayerDesc, OneDnn.cpu(), null) : new memory(bpd.diff_weights_layer_desc(), OneDnn.cpu());
            iter = direct ? new memory(userIterDesc, OneDnn.cpu(), null) : new memory(bpd.diff_weights_iter_desc(), OneDnn.cpu());
            userLayer = direct ? null : new memory(userLayerDesc, OneDnn.cpu(), null);
            userIter = direct ? null : new memory(userIterDesc, OneDnn.cpu(), null);
            addLayer = direct ? null : new reorder(layer, userLayer, OneDnn.accumulating());
            addIter = direct ? null : new reorder(iter, userIter, OneDnn.accumulating());
        }

        void bindTo(INDArray dKernel, INDArray dRecurrent) {
            INDArray l = dKernel != null ? checkedGradient(dKernel) : Nd4j.zeros(DataType.FLOAT, layerShape);
            INDArray r = dRecurrent != null ? checkedGradient(dRecurrent) : Nd4j.zeros(DataType.FLOAT, iterShape);
            OneDnn.bind(direct ? layer : userLayer, l);
            OneDnn.bind(direct ? iter : userIter, r);
        }

        /** Zeroes oneDNN's own gradient buffers before a backward accumulates into them. */
        void clear() {
            if (!direct) {
                Pointer.memset(layer.get_data_handle(), 0, layer.get_desc().get_size());
                Pointer.memset(iter.get_data_handle(), 0, iter.get_desc().get_size());
            }
        }

        /** Adds oneDNN's gradients to the caller's arrays (on the stream; the caller waits). */
        void addTo(stream s) {
            if (!direct) {
                addLayer.execute(s, layer, userLayer);
                addIter.execute(s, iter, userIter);
            }
        }
    }

    /** The primitives and memory objects for one input shape; arrays are bound per call. */
    private final class Primitives {
        final primitive forward;
        final primitive backward;
        final memory src;
        final memory h0;
        final memory c0;
        final memory wLayer;
        final memory wIter;
        final memory bias;
        final memory dst;
        final memory h;
        final memory c;
        final memory.desc workspaceDesc;
        final java.util.ArrayDeque<memory> freeWorkspaces = new java.util.ArrayDeque<>();
        final java.util.ArrayDeque<INDArray> freeOutputs = new java.util.ArrayDeque<>();
        final Key key;
        private INDArray zeroDst;
        final Weights forwardWeights;
        final Weights backwardWeights;
        final IntMemoryMap forwardArgs = new IntMemoryMap();
        final IntMemoryMap backwardArgs = new IntMemoryMap();
        final memory dSrc;
        final memory dH0;
        final memory dC0;
        final memory dDst;
        final memory dH;
        final memory dC;
        final memory dBias;
        final DiffWeights diffWeights;

        Primitives(Key key) {
            this.key = key;
            long t = key.time();
            long n = key.batch();
            long in = key.inputDim();
            int g = cell.gates;
            memory.desc srcD = OneDnn.desc(memory.format_tag.ntc, t, n, in);
            memory.desc dstD = OneDnn.desc(memory.format_tag.ntc, t, n, units);
            memory.desc stateD = OneDnn.desc(memory.format_tag.ldnc, 1, 1, n, units);
            memory.desc cD = cell.states == 2 ? stateD : new memory.desc();
            memory.desc wLayerD = OneDnn.desc(memory.format_tag.ldigo, 1, 1, in, g, units);
            memory.desc wIterD = OneDnn.desc(memory.format_tag.ldigo, 1, 1, units, g, units);
            memory.desc wLayerAny = OneDnn.desc(memory.format_tag.any, 1, 1, in, g, units);
            memory.desc wIterAny = OneDnn.desc(memory.format_tag.any, 1, 1, units, g, units);
            memory.desc biasD = OneDnn.desc(memory.format_tag.ldgo, 1, 1, cell.biasGates, units);
            dnnl.prop_kind prop = key.training() ? dnnl.prop_kind.forward_training : dnnl.prop_kind.forward_inference;
            dnnl.rnn_direction dir = key.reverse() ? dnnl.rnn_direction.unidirectional_right2left
                : dnnl.rnn_direction.unidirectional_left2right;
            rnn_primitive_desc_base fpd = switch (cell) {
                case LSTM -> new lstm_forward.primitive_desc(new lstm_forward.desc(prop, dir, srcD, stateD, cD,
                    wLayerAny, wIterAny, biasD, dstD, stateD, cD), OneDnn.cpu());
                case GRU -> new gru_forward.primitive_desc(new gru_forward.desc(prop, dir, srcD, stateD,
                    wLayerAny, wIterAny, biasD, dstD, stateD), OneDnn.cpu());
                case LBR_GRU -> new lbr_gru_forward.primitive_desc(new lbr_gru_forward.desc(prop, dir, srcD, stateD,
                    wLayerAny, wIterAny, biasD, dstD, stateD), OneDnn.cpu());
            };
            forward = switch (cell) {
                case LSTM -> new lstm_forward((lstm_forward.primitive_desc) fpd);
                case GRU -> new gru_forward((gru_forward.primitive_desc) fpd);
                case LBR_GRU -> new lbr_gru_forward((lbr_gru_forward.primitive_desc) fpd);
            };
            src = new memory(srcD, OneDnn.cpu(), null);
            h0 = new memory(stateD, OneDnn.cpu(), null);
            c0 = cell.states == 2 ? new memory(stateD, OneDnn.cpu(), null) : null;
            wLayer = new memory(wLayerD, OneDnn.cpu(), null);
            wIter = new memory(wIterD, OneDnn.cpu(), null);
            bias = new memory(biasD, OneDnn.cpu(), null);
            dst = new memory(dstD, OneDnn.cpu(), null);
            h = new memory(stateD, OneDnn.cpu(), null);
            c = cell.states == 2 ? new memory(stateD, OneDnn.cpu(), null) : null;
            workspaceDesc = key.training() ? fpd.workspace_desc() : null;
            forwardWeights = new Weights(new WeightsIn(wLayer, fpd.weights_layer_desc()),
                new WeightsIn(wIter, fpd.weights_iter_desc()));
            putShared(forwardArgs, forwardWeights);
            if (!key.training()) {
                backward = null;
                backwardWeights = null;
                dSrc = dH0 = dC0 = dDst = dH = dC = dBias = null;
                diffWeights = null;
                return;
            }
            rnn_primitive_desc_base bpd = switch (cell) {
                case LSTM -> new lstm_backward.primitive_desc(new lstm_backward.desc(dnnl.prop_kind.backward, dir,
                    srcD, stateD, cD, wLayerAny, wIterAny, biasD, dstD, stateD, cD,
                    srcD, stateD, cD, wLayerAny, wIterAny, biasD, dstD, stateD, cD), OneDnn.cpu(),
                    (lstm_forward.primitive_desc) fpd);
                case GRU -> new gru_backward.primitive_desc(new gru_backward.desc(dnnl.prop_kind.backward, dir,
                    srcD, stateD, wLayerAny, wIterAny, biasD, dstD, stateD,
                    srcD, stateD, wLayerAny, wIterAny, biasD, dstD, stateD), OneDnn.cpu(), (gru_forward.primitive_desc) fpd);
                case LBR_GRU -> new lbr_gru_backward.primitive_desc(new lbr_gru_backward.desc(dnnl.prop_kind.backward,
                    dir, srcD, stateD, wLayerAny, wIterAny, biasD, dstD, stateD,
                    srcD, stateD, wLayerAny, wIterAny, biasD, dstD, stateD), OneDnn.cpu(),
                    (lbr_gru_forward.primitive_desc) fpd);
            };
            backward = switch (cell) {
                case LSTM -> new lstm_backward((lstm_backward.primitive_desc) bpd);
                case GRU -> new gru_backward((gru_backward.primitive_desc) bpd);
                case LBR_GRU -> new lbr_gru_backward((lbr_gru_backward.primitive_desc) bpd);
            };
            backwardWeights = new Weights(new WeightsIn(wLayer, bpd.weights_layer_desc()),
                new WeightsIn(wIter, bpd.weights_iter_desc()));
            dSrc = new memory(srcD, OneDnn.cpu(), null);
            dH0 = new memory(stateD, OneDnn.cpu(), null);
            dC0 = cell.states == 2 ? new memory(stateD, OneDnn.cpu(), null) : null;
            dDst = new memory(dstD, OneDnn.cpu(), null);
            dH = new memory(stateD, OneDnn.cpu(), null);
            dC = cell.states == 2 ? new memory(stateD, OneDnn.cpu(), null) : null;
            dBias = new memory(biasD, OneDnn.cpu(), null);
            diffWeights = new DiffWeights(bpd, wLayerD, wIterD, in);
            putShared(backwardArgs, backwardWeights);
            put(backwardArgs, dnnl.DNNL_ARG_DIFF_SRC_LAYER, dSrc);
            put(backwardArgs, dnnl.DNNL_ARG_DIFF_SRC_ITER, dH0);
            put(backwardArgs, dnnl.DNNL_ARG_DIFF_SRC_ITER_C, dC0);
            put(backwardArgs, dnnl.DNNL_ARG_DIFF_WEIGHTS_LAYER, diffWeights.layer);
            put(backwardArgs, dnnl.DNNL_ARG_DIFF_WEIGHTS_ITER, diffWeights.iter);
            put(backwardArgs, dnnl.DNNL_ARG_DIFF_BIAS, dBias);
            put(backwardArgs, dnnl.DNNL_ARG_DIFF_DST_LAYER, dDst);
            put(backwardArgs, dnnl.DNNL_ARG_DIFF_DST_ITER, dH);
            put(backwardArgs, dnnl.DNNL_ARG_DIFF_DST_ITER_C, dC);
        }

        /**
         * A workspace for a training forward: a free one, or a new one. Reused rather than
         * allocated per call, since it is large (126 MB for W1's shapes) and a fresh allocation
         * cost more than the forward itself.
         */
        synchronized memory takeWorkspace() {
            memory ws = freeWorkspaces.poll();
            if (ws == null) {
                return new memory(workspaceDesc, OneDnn.cpu());
            }
            pooledBytes.addAndGet(-workspaceDesc.get_size());
            return ws;
        }

        /**
         * The output gradient of a layer that returns only its last step: zeros, kept (oneDNN
         * only reads it) rather than allocated per call, at 6.5 MB for W1's shapes.
         */
        synchronized INDArray zeroOutputGradient(long[] shape) {
            if (zeroDst == null) {
                zeroDst = Nd4j.zeros(DataType.FLOAT, shape);
            }
            return zeroDst;
        }

        /** A (batch, time, units) buffer for outputs nobody outside reads (see lastStepOnly). */
        synchronized INDArray takeOutputs() {
            INDArray y = freeOutputs.poll();
            if (y == null) {
                return Nd4j.createUninitialized(DataType.FLOAT, key.batch(), key.time(), units);
            }
            pooledBytes.addAndGet(-outputBytes());
            return y;
        }

        synchronized void giveBackOutputs(INDArray y) {
            freeOutputs.push(y);
            pooledBytes.addAndGet(outputBytes());
        }

        synchronized void giveBack(memory ws) {
            freeWorkspaces.push(ws);
            pooledBytes.addAndGet(workspaceDesc.get_size());
        }

        /** Frees this shape's free buffers while the layer keeps more than {@code limit} bytes of them. */
        synchronized void trimTo(long limit) {
            while (pooledBytes.get() > limit && !freeWorkspaces.isEmpty()) {
                freeWorkspaces.poll().close();
                pooledBytes.addAndGet(-workspaceDesc.get_size());
            }
            while (pooledBytes.get() > limit && !freeOutputs.isEmpty()) {
                freeOutputs.poll().close();
                pooledBytes.addAndGet(-outputBytes());
            }
        }

        private long outputBytes() {
            return key.batch() * key.time() * units * 4L;
        }

        synchronized void close() {
            trimTo(-1);
        }

        /** The arguments a forward and its backward share: sequences, states, weights, bias. */
        private void putShared(IntMemoryMap args, Weights weights) {
            put(args, dnnl.DNNL_ARG_SRC_LAYER, src);
            put(args, dnnl.DNNL_ARG_SRC_ITER, h0);
            put(args, dnnl.DNNL_ARG_SRC_ITER_C, c0);
            put(args, dnnl.DNNL_ARG_WEIGHTS_LAYER, weights.layer().inner);
            put(args, dnnl.DNNL_ARG_WEIGHTS_ITER, weights.iter().inner);
            put(args, dnnl.DNNL_ARG_BIAS, bias);
            put(args, dnnl.DNNL_ARG_DST_LAYER, dst);
            put(args, dnnl.DNNL_ARG_DST_ITER, h);
            put(args, dnnl.DNNL_ARG_DST_ITER_C, c);
        }

        private static void put(IntMemoryMap args, int arg, memory m) {
            if (m != null) {
                args.put(arg, m);
            }
        }
    }
}
