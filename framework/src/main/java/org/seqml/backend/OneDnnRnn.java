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
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A whole recurrent sequence in one call of oneDNN's RNN primitives, forward (training or
 * inference) and backward, on float32 ND4J arrays in place: {@link FusedRnn}'s kernel for float32
 * calls. seqml's own loop ({@code layers.recurrent.RNN}) stays the reference path that tests
 * compare this one with.
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
final class OneDnnRnn {
    /**
     * Shapes (with direction and mode) whose primitives stay made, for every layer of this cell and
     * size together. A layer fed bucketed data meets dozens (grapheme-to-phoneme: one per pair of
     * lengths); 16 per layer ran those as fast as 64 did, and a kernel serves several layers (the
     * two directions of each of grapheme-to-phoneme's two bidirectional encoders).
     */
    private static final int CACHED_SHAPES = 64;

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
     * training oneDNN's workspace (the gates of every step). y and the workspace belong to the
     * caller's {@link CallScope}: the backward must run before it ends.
     */
    public static final class Call {
        private final Key key;
        private final INDArray x;
        private final INDArray h0;
        private final INDArray c0;
        private INDArray y;
        private final INDArray h;
        private final INDArray c;
        private final INDArray workspace;
        /** In bfloat16: the primitive's own (bfloat16) x, h0, y and final h; in float32 the same as the above. */
        private final INDArray xBound;
        private final INDArray h0Bound;
        private final INDArray yBound;
        private final INDArray hBound;

        Call(Key key, INDArray x, INDArray h0, INDArray c0, INDArray y, INDArray h, INDArray c, INDArray workspace) {
            this(key, x, h0, c0, y, h, c, workspace, x, h0, y, h);
        }

        Call(Key key, INDArray x, INDArray h0, INDArray c0, INDArray y, INDArray h, INDArray c, INDArray workspace,
             INDArray xBound, INDArray h0Bound, INDArray yBound, INDArray hBound) {
            this.key = key;
            this.x = x;
            this.h0 = h0;
            this.c0 = c0;
            this.y = y;
            this.h = h;
            this.c = c;
            this.workspace = workspace;
            this.xBound = xBound;
            this.h0Bound = h0Bound;
            this.yBound = yBound;
            this.hBound = hBound;
        }

        /**
         * The output at every step, (batch, time, units), aligned with the input steps. In bfloat16
         * it is raised to float32 when first asked for (in the forward's scope), since a layer that
         * returns its last step only reads h.
         */
        public INDArray y() {
            if (y == null) {
                INDArray raised = CallScope.uninitialized(DataType.FLOAT, yBound.shape());
                OneDnn.run(() -> Bf16.raise(yBound, raised));
                y = raised;
            }
            return y;
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
    /** Whether the primitives compute in bfloat16 (mixed precision: see the class comment). */
    private final boolean bf16;
    private final Map<Key, Primitives> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Primitives> eldest) {
            if (size() > CACHED_SHAPES) {
                return true;
            }
            return false;
        }
    };

    /** The inference primitives' packed weights, kept from call to call (see {@link PackedWeights}). */
    private final PackedWeights packedWeights = new PackedWeights();

    public OneDnnRnn(Cell cell, int units) {
        this(cell, units, false);
    }

    /**
     * A kernel in float32, or with {@code bf16} in mixed precision: the forward reads x, h0 and
     * the weights in bfloat16 (converted per call; the caller's arrays stay float32) and writes
     * y and h in bfloat16, raised to float32 for the caller (y when asked for); c, the bias and
     * every gradient stay float32, the one mix oneDNN 2.5 trains with (../shared/FACTS.md).
     */
    public OneDnnRnn(Cell cell, int units, boolean bf16) {
        this.cell = cell;
        this.units = units;
        this.bf16 = bf16;
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
        long b = x.size(0);
        long t = x.size(1);
        Key key = new Key(t, b, x.size(2), training, reverse);
        Primitives p = primitives(key);
        INDArray in = OneDnn.dense(x);
        INDArray hIn = h0 == null ? Nd4j.zeros(DataType.FLOAT, b, units) : OneDnn.dense(h0);
        INDArray cIn = cell.states == 2 ? (c0 == null ? Nd4j.zeros(DataType.FLOAT, b, units) : OneDnn.dense(c0)) : null;
        // written whole by oneDNN; the workspace too (large: 126 MB for W1's shapes, and a fresh
        // allocation each call cost more than the forward itself), so both come from the call's scope
        INDArray y = bf16 ? null : CallScope.uninitialized(DataType.FLOAT, b, t, units);
        INDArray h = Nd4j.createUninitialized(DataType.FLOAT, b, units);
        INDArray c = cIn == null ? null : Nd4j.createUninitialized(DataType.FLOAT, b, units);
        INDArray workspace = training ? CallScope.uninitialized(DataType.INT8, OneDnn.alignedBytes(p.workspaceDesc)) : null;
        Call[] made = new Call[1];
        OneDnn.run(() -> {
            // in bfloat16 the primitive reads and writes bfloat16 copies (converted here, on oneDNN's threads)
            Call call = !bf16 ? new Call(key, in, hIn, cIn, y, h, c, workspace)
                : new Call(key, in, hIn, cIn, null, h, c, workspace, Bf16.lower(in), Bf16.lower(hIn),
                    CallScope.uninitialized(DataType.BFLOAT16, b, t, units),
                    Nd4j.createUninitialized(DataType.BFLOAT16, b, units));
            Args args = p.args.get().use(false);
            bindCall(p, p.forwardWeights, args, call, kernel, recurrentKernel, bias);
            if (workspace != null) {
                args.map.put(dnnl.DNNL_ARG_WORKSPACE, args.wrapAligned(WORKSPACE, p.workspaceDesc, workspace));
            }
            OneDnn.execute(p.forward, p.forwardScratchpad, args.map);
            if (bf16) {
                Bf16.raise(call.hBound, h);   // y when asked for: Call.y()
            }
            made[0] = call;
        });
        return made[0];
    }

    /**
     * Binds the arguments a forward and its backward share to the call's arrays and the weights
     * (reordered into the primitive's layout where it differs from Keras's).
     */
    private void bindCall(Primitives p, Weights weights, Args args, Call call, INDArray kernel,
                          INDArray recurrentKernel, INDArray bias) {
        args.bind(dnnl.DNNL_ARG_SRC_LAYER, p.srcD, call.xBound);
        args.bind(dnnl.DNNL_ARG_SRC_ITER, p.stateD, call.h0Bound);
        args.bind(dnnl.DNNL_ARG_SRC_ITER_C, p.cStateD, call.c0);
        args.map.put(dnnl.DNNL_ARG_WEIGHTS_LAYER, weights.layer().in(args, USER_KERNEL, OneDnn.dense(kernel)));
        args.map.put(dnnl.DNNL_ARG_WEIGHTS_ITER, weights.iter().in(args, USER_RECURRENT, OneDnn.dense(recurrentKernel)));
        args.bind(dnnl.DNNL_ARG_BIAS, p.biasD, bias == null ? zeroBias() : OneDnn.dense(bias));
        args.bind(dnnl.DNNL_ARG_DST_LAYER, p.dstD, call.yBound);
        args.bind(dnnl.DNNL_ARG_DST_ITER, p.stateD, call.hBound);
        args.bind(dnnl.DNNL_ARG_DST_ITER_C, p.cStateD, call.c);
    }

    /**
     * The backward of a {@link #forward} (one for inference is run again for training first): {@code dy} (batch, time, units) or null, and
     * the final states' gradients (null for none). Adds the weight gradients to {@code dKernel},
     * {@code dRecurrent} and {@code dBias} ((biasGates, units); null when the layer has no bias).
     */
    public Gradients backward(Call call, INDArray kernel, INDArray recurrentKernel, INDArray bias, INDArray dy,
                              INDArray dh, INDArray dc, INDArray dKernel, INDArray dRecurrent, INDArray dBias) {
        Call fwd = call.key.training() ? call
            // an inference forward keeps no workspace: run the sequence again, for training
            : forward(call.x, kernel, recurrentKernel, bias, call.h0, call.c0, call.key.reverse(), true);
        Primitives p = primitives(fwd.key);
        long b = fwd.key.batch();
        INDArray dx = CallScope.uninitialized(DataType.FLOAT, b, fwd.key.time(), fwd.key.inputDim());
        INDArray dh0 = Nd4j.createUninitialized(DataType.FLOAT, b, units);
        INDArray dc0 = cell.states == 2 ? Nd4j.createUninitialized(DataType.FLOAT, b, units) : null;
        INDArray biasGrad = dBias != null ? dBias : Nd4j.zeros(DataType.FLOAT, cell.biasGates, units);
        INDArray dyIn = dy == null ? p.zeroOutputGradient(fwd.yBound.shape()) : OneDnn.dense(dy);
        INDArray dhIn = dh == null ? Nd4j.zeros(DataType.FLOAT, b, units) : OneDnn.dense(dh);
        INDArray dcIn = cell.states == 1 ? null : dc == null ? Nd4j.zeros(DataType.FLOAT, b, units) : OneDnn.dense(dc);
        OneDnn.run(() -> {
            // the weight gradients accumulate in buffers of this shape's own: one backward at a time
            synchronized (p.diffWeights) {
                Args args = p.args.get().use(true);
                bindCall(p, p.backwardWeights, args, fwd, kernel, recurrentKernel, bias);
                args.map.put(dnnl.DNNL_ARG_WORKSPACE, args.wrapAligned(WORKSPACE, p.workspaceDesc, fwd.workspace));
                args.bind(dnnl.DNNL_ARG_DIFF_SRC_LAYER, p.diffSrcD, dx);
                args.bind(dnnl.DNNL_ARG_DIFF_SRC_ITER, p.cStateD, dh0);
                args.bind(dnnl.DNNL_ARG_DIFF_SRC_ITER_C, p.cStateD, dc0);
                args.bind(dnnl.DNNL_ARG_DIFF_DST_LAYER, p.diffDstD, dyIn);
                args.bind(dnnl.DNNL_ARG_DIFF_DST_ITER, p.cStateD, dhIn);
                args.bind(dnnl.DNNL_ARG_DIFF_DST_ITER_C, p.cStateD, dcIn);
                args.bind(dnnl.DNNL_ARG_DIFF_BIAS, p.biasD, checkedGradient(biasGrad));
                p.diffWeights.clear();
                p.diffWeights.bind(args, dKernel, dRecurrent);
                OneDnn.execute(p.backward, p.backwardScratchpad, args.map);
                p.diffWeights.addTo(args, dKernel, dRecurrent);
            }
        });
        return new Gradients(dx, dh0, dc0);
    }

    /** Slots of {@link Args} for memory objects that are no primitive argument of their own. */
    private static final int USER_KERNEL = -1;
    private static final int USER_RECURRENT = -2;
    private static final int GRADIENT_KERNEL = -3;
    private static final int GRADIENT_RECURRENT = -4;
    private static final int ACCUMULATE_KERNEL = -5;
    private static final int ACCUMULATE_RECURRENT = -6;
    private static final int REORDER = -7;
    private static final int WORKSPACE = -8;
    private static final int FORWARD_KERNEL = -9;
    private static final int FORWARD_RECURRENT = -10;
    private static final int BACKWARD_KERNEL = -11;
    private static final int BACKWARD_RECURRENT = -12;

    /**
     * One thread's memory objects and argument maps for one shape, reused from call to call: each
     * call points them at its own arrays. Per thread, so that no call re-points another's memory
     * mid-call; reused, since a new JavaCPP object per argument per call made batch-1 inference
     * (W5) 10-25% slower (each new object reads the process's resident size). The int8 kernel
     * ({@link OneDnnRnnInt8}) binds its calls with these too.
     */
    static final class Args {
        private final IntMemoryMap forward = new IntMemoryMap();
        private final IntMemoryMap backward = new IntMemoryMap();
        private final java.util.Map<Integer, memory> slots = new java.util.HashMap<>();
        private final java.util.Map<Integer, IntMemoryMap> maps = new java.util.HashMap<>();
        /** Arrays a slot points at that nothing else holds through the call (kept packed weights another thread may drop). */
        private final java.util.Map<Integer, INDArray> held = new java.util.HashMap<>();
        /** The arguments of the primitive this call runs: the forward's or the backward's. */
        IntMemoryMap map;

        Args use(boolean forBackward) {
            map = forBackward ? backward : forward;
            return this;
        }

        /** Binds {@code arg} to the array's memory; nothing for a null array. */
        void bind(int arg, memory.desc d, INDArray a) {
            if (a != null) {
                map.put(arg, wrap(arg, d, a));
            }
        }

        /** The memory object of {@code slot} (made on first use with {@code d}) pointed at {@code a}. */
        memory wrap(int slot, memory.desc d, INDArray a) {
            return point(slot, d, a.data().addressPointer());
        }

        /** As {@link #wrap}, for a byte array of {@link OneDnn#alignedBytes}: at its first 64-byte boundary. */
        memory wrapAligned(int slot, memory.desc d, INDArray bytes) {
            return point(slot, d, OneDnn.aligned(bytes));
        }

        private memory point(int slot, memory.desc d, Pointer handle) {
            memory m = slots.computeIfAbsent(slot, k -> new memory(d, OneDnn.cpu(), null));
            m.set_data_handle(handle);
            return m;
        }

        /** An argument map of its own for a helper primitive (a reorder), reused. */
        IntMemoryMap map(int slot) {
            return maps.computeIfAbsent(slot, k -> new IntMemoryMap());
        }
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

    /**
     * The user's weights in the primitive's own layout: bound as they are when the layouts agree,
     * else reordered into a buffer of the call's scope, or, for an inference primitive, taken from
     * {@link PackedWeights} when the same weights were packed before.
     */
    private static final class WeightsIn {
        private final memory.desc user;
        private final memory.desc inner;
        private final int innerSlot;
        private final reorder reorder;
        private final memory.desc reorderScratchpad;
        private final PackedWeights kept;

        /** {@code kept}: where inference keeps packed weights between calls, or null (training: they change each step). */
        WeightsIn(memory.desc user, memory.desc wanted, int innerSlot, PackedWeights kept) {
            this.user = user;
            this.inner = wanted;
            this.innerSlot = innerSlot;
            boolean same = wanted.equals(user);
            reorder.primitive_desc pd = same ? null
                : new reorder.primitive_desc(OneDnn.cpu(), user, OneDnn.cpu(), wanted, OneDnn.attr(), false);
            this.reorder = same ? null : new reorder(pd);
            this.reorderScratchpad = same ? null : pd.scratchpad_desc();
            this.kept = same ? null : kept;
        }

        /** The weights {@code w} as the primitive reads them, valid until the call is done. */
        memory in(Args args, int slot, INDArray w) {
            memory given = args.wrap(slot, user, w);
            if (reorder == null) {
                return given;
            }
            INDArray packed = kept == null ? null : kept.find(user, inner, w);
            if (packed != null) {
                args.held.put(innerSlot, packed);   // alive until this thread's next call of the shape
                return args.wrapAligned(innerSlot, inner, packed);
            }
            packed = kept == null ? CallScope.uninitialized(DataType.INT8, OneDnn.alignedBytes(inner))
                : Nd4j.createUninitialized(DataType.INT8, OneDnn.alignedBytes(inner));
            memory buffer = args.wrapAligned(innerSlot, inner, packed);
            IntMemoryMap copy = args.map(REORDER);
            copy.put(dnnl.DNNL_ARG_FROM, given);
            copy.put(dnnl.DNNL_ARG_TO, buffer);
            OneDnn.execute(reorder, reorderScratchpad, copy);
            if (kept != null) {
                kept.add(user, inner, w, packed);
                args.held.put(innerSlot, packed);
            }
            return buffer;
        }
    }

    /** Both weights going into a primitive. */
    private record Weights(WeightsIn layer, WeightsIn iter) {
    }

    /**
     * The weight gradients coming out of the backward. oneDNN keeps its own copy of the gradients
     * in its layout ({@code ldigo} with the gate rows padded, 1040 floats instead of 1024 for
     * W4's LSTM(256)), into which the backward accumulates; a reorder with a sum post-op then adds
     * them to the caller's arrays in one pass each, with no temporary arrays. When oneDNN's layout
     * is the caller's, the backward accumulates into the caller's arrays directly. One backward of
     * a shape at a time uses them (the caller synchronizes on this object).
     */
    private final class DiffWeights {
        private final memory layer;
        private final memory iter;
        private final memory.desc userLayerDesc;
        private final memory.desc userIterDesc;
        private final reorder addLayer;
        private final reorder addIter;
        private final memory.desc addLayerScratchpad;
        private final memory.desc addIterScratchpad;
        private final boolean direct;
        private final long[] layerShape;
        private final long[] iterShape;

        DiffWeights(rnn_primitive_desc_base bpd, memory.desc userLayerDesc, memory.desc userIterDesc, long inputDim) {
            direct = bpd.diff_weights_layer_desc().equals(userLayerDesc)
                && bpd.diff_weights_iter_desc().equals(userIterDesc);
            this.userLayerDesc = userLayerDesc;
            this.userIterDesc = userIterDesc;
            layerShape = new long[] {inputDim, (long) cell.gates * units};
            iterShape = new long[] {units, (long) cell.gates * units};
            layer = direct ? null : new memory(bpd.diff_weights_layer_desc(), OneDnn.cpu());
            iter = direct ? null : new memory(bpd.diff_weights_iter_desc(), OneDnn.cpu());
            reorder.primitive_desc layerPd = direct ? null : new reorder.primitive_desc(OneDnn.cpu(),
                layer.get_desc(), OneDnn.cpu(), userLayerDesc, OneDnn.accumulating(), false);
            reorder.primitive_desc iterPd = direct ? null : new reorder.primitive_desc(OneDnn.cpu(),
                iter.get_desc(), OneDnn.cpu(), userIterDesc, OneDnn.accumulating(), false);
            addLayer = direct ? null : new reorder(layerPd);
            addIter = direct ? null : new reorder(iterPd);
            addLayerScratchpad = direct ? null : layerPd.scratchpad_desc();
            addIterScratchpad = direct ? null : iterPd.scratchpad_desc();
        }

        /** Zeroes oneDNN's own gradient buffers before a backward accumulates into them. */
        void clear() {
            if (!direct) {
                Pointer.memset(layer.get_data_handle(), 0, layer.get_desc().get_size());
                Pointer.memset(iter.get_data_handle(), 0, iter.get_desc().get_size());
            }
        }

        /**
         * Binds the backward's weight-gradient outputs: oneDNN's own buffers, or (direct) the
         * caller's arrays, which the backward then accumulates into.
         */
        void bind(Args args, INDArray dKernel, INDArray dRecurrent) {
            if (direct) {
                args.map.put(dnnl.DNNL_ARG_DIFF_WEIGHTS_LAYER,
                    args.wrap(GRADIENT_KERNEL, userLayerDesc, gradientOrZeros(dKernel, layerShape)));
                args.map.put(dnnl.DNNL_ARG_DIFF_WEIGHTS_ITER,
                    args.wrap(GRADIENT_RECURRENT, userIterDesc, gradientOrZeros(dRecurrent, iterShape)));
            } else {
                args.map.put(dnnl.DNNL_ARG_DIFF_WEIGHTS_LAYER, layer);
                args.map.put(dnnl.DNNL_ARG_DIFF_WEIGHTS_ITER, iter);
            }
        }

        /** After the backward: adds oneDNN's gradients to the caller's arrays (direct: done already). */
        void addTo(Args args, INDArray dKernel, INDArray dRecurrent) {
            if (!direct) {
                add(args, ACCUMULATE_KERNEL, addLayer, addLayerScratchpad, layer, userLayerDesc,
                    gradientOrZeros(dKernel, layerShape));
                add(args, ACCUMULATE_RECURRENT, addIter, addIterScratchpad, iter, userIterDesc,
                    gradientOrZeros(dRecurrent, iterShape));
            }
        }

        private void add(Args args, int slot, reorder op, memory.desc scratchpad, memory from, memory.desc to,
                         INDArray gradient) {
            IntMemoryMap map = args.map(slot);
            map.put(dnnl.DNNL_ARG_FROM, from);
            map.put(dnnl.DNNL_ARG_TO, args.wrap(slot, to, gradient));
            OneDnn.execute(op, scratchpad, map);
        }

        private INDArray gradientOrZeros(INDArray gradient, long[] shape) {
            return gradient != null ? checkedGradient(gradient) : Nd4j.zeros(DataType.FLOAT, shape);
        }
    }

    /** The primitives and descriptors for one input shape; each call binds its own arrays. */
    private final class Primitives {
        final Key key;
        final primitive forward;
        final primitive backward;
        final memory.desc forwardScratchpad;
        final memory.desc backwardScratchpad;
        /** x, y and h in the kernel's type; c and every gradient in float32 (the diff forms). */
        final memory.desc srcD;
        final memory.desc dstD;
        final memory.desc stateD;
        final memory.desc cStateD;
        final memory.desc diffSrcD;
        final memory.desc diffDstD;
        final memory.desc biasD;
        final memory.desc workspaceDesc;
        private INDArray zeroDst;
        final Weights forwardWeights;
        final Weights backwardWeights;
        final DiffWeights diffWeights;
        /** Each thread's memory objects for this shape (they go with the thread, or with this shape). */
        final ThreadLocal<Args> args = ThreadLocal.withInitial(Args::new);

        Primitives(Key key) {
            this.key = key;
            long t = key.time();
            long n = key.batch();
            long in = key.inputDim();
            int g = cell.gates;
            memory.data_type type = bf16 ? memory.data_type.bf16 : memory.data_type.f32;
            diffSrcD = OneDnn.desc(memory.format_tag.ntc, t, n, in);
            diffDstD = OneDnn.desc(memory.format_tag.ntc, t, n, units);
            cStateD = OneDnn.desc(memory.format_tag.ldnc, 1, 1, n, units);
            srcD = new memory.desc(new long[] {t, n, in}, type, memory.format_tag.ntc);
            dstD = new memory.desc(new long[] {t, n, units}, type, memory.format_tag.ntc);
            stateD = new memory.desc(new long[] {1, 1, n, units}, type, memory.format_tag.ldnc);
            memory.desc cD = cell.states == 2 ? cStateD : new memory.desc();
            memory.desc wLayerD = OneDnn.desc(memory.format_tag.ldigo, 1, 1, in, g, units);
            memory.desc wIterD = OneDnn.desc(memory.format_tag.ldigo, 1, 1, units, g, units);
            memory.desc wLayerAny = new memory.desc(new long[] {1, 1, in, g, units}, type, memory.format_tag.any);
            memory.desc wIterAny = new memory.desc(new long[] {1, 1, units, g, units}, type, memory.format_tag.any);
            memory.desc dLayerAny = OneDnn.desc(memory.format_tag.any, 1, 1, in, g, units);
            memory.desc dIterAny = OneDnn.desc(memory.format_tag.any, 1, 1, units, g, units);
            memory.desc dState = cStateD;
            memory.desc dC = cD;
            biasD = OneDnn.desc(memory.format_tag.ldgo, 1, 1, cell.biasGates, units);
            dnnl.prop_kind prop = key.training() ? dnnl.prop_kind.forward_training : dnnl.prop_kind.forward_inference;
            dnnl.rnn_direction dir = key.reverse() ? dnnl.rnn_direction.unidirectional_right2left
                : dnnl.rnn_direction.unidirectional_left2right;
            rnn_primitive_desc_base fpd = switch (cell) {
                case LSTM -> new lstm_forward.primitive_desc(new lstm_forward.desc(prop, dir, srcD, stateD, cD,
                    wLayerAny, wIterAny, biasD, dstD, stateD, cD), OneDnn.attr(), OneDnn.cpu());
                case GRU -> new gru_forward.primitive_desc(new gru_forward.desc(prop, dir, srcD, stateD,
                    wLayerAny, wIterAny, biasD, dstD, stateD), OneDnn.attr(), OneDnn.cpu());
                case LBR_GRU -> new lbr_gru_forward.primitive_desc(new lbr_gru_forward.desc(prop, dir, srcD, stateD,
                    wLayerAny, wIterAny, biasD, dstD, stateD), OneDnn.attr(), OneDnn.cpu());
            };
            forward = switch (cell) {
                case LSTM -> new lstm_forward((lstm_forward.primitive_desc) fpd);
                case GRU -> new gru_forward((gru_forward.primitive_desc) fpd);
                case LBR_GRU -> new lbr_gru_forward((lbr_gru_forward.primitive_desc) fpd);
            };
            forwardScratchpad = fpd.scratchpad_desc();
            workspaceDesc = key.training() ? fpd.workspace_desc() : null;
            PackedWeights kept = key.training() ? null : packedWeights;
            forwardWeights = new Weights(new WeightsIn(wLayerD, fpd.weights_layer_desc(), FORWARD_KERNEL, kept),
                new WeightsIn(wIterD, fpd.weights_iter_desc(), FORWARD_RECURRENT, kept));
            if (!key.training()) {
                backward = null;
                backwardScratchpad = null;
                backwardWeights = null;
                diffWeights = null;
                return;
            }
            rnn_primitive_desc_base bpd = switch (cell) {
                case LSTM -> new lstm_backward.primitive_desc(new lstm_backward.desc(dnnl.prop_kind.backward, dir,
                    srcD, stateD, cD, wLayerAny, wIterAny, biasD, dstD, stateD, cD,
                    diffSrcD, dState, dC, dLayerAny, dIterAny, biasD, diffDstD, dState, dC), OneDnn.attr(), OneDnn.cpu(),
                    (lstm_forward.primitive_desc) fpd);
                case GRU -> new gru_backward.primitive_desc(new gru_backward.desc(dnnl.prop_kind.backward, dir,
                    srcD, stateD, wLayerAny, wIterAny, biasD, dstD, stateD,
                    diffSrcD, dState, dLayerAny, dIterAny, biasD, diffDstD, dState), OneDnn.attr(), OneDnn.cpu(),
                    (gru_forward.primitive_desc) fpd);
                case LBR_GRU -> new lbr_gru_backward.primitive_desc(new lbr_gru_backward.desc(dnnl.prop_kind.backward,
                    dir, srcD, stateD, wLayerAny, wIterAny, biasD, dstD, stateD,
                    diffSrcD, dState, dLayerAny, dIterAny, biasD, diffDstD, dState), OneDnn.attr(), OneDnn.cpu(),
                    (lbr_gru_forward.primitive_desc) fpd);
            };
            backward = switch (cell) {
                case LSTM -> new lstm_backward((lstm_backward.primitive_desc) bpd);
                case GRU -> new gru_backward((gru_backward.primitive_desc) bpd);
                case LBR_GRU -> new lbr_gru_backward((lbr_gru_backward.primitive_desc) bpd);
            };
            backwardScratchpad = bpd.scratchpad_desc();
            backwardWeights = new Weights(new WeightsIn(wLayerD, bpd.weights_layer_desc(), BACKWARD_KERNEL, null),
                new WeightsIn(wIterD, bpd.weights_iter_desc(), BACKWARD_RECURRENT, null));
            diffWeights = new DiffWeights(bpd, wLayerD, wIterD, in);
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
    }
}
