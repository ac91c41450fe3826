package org.seqml.backend;

import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.gru_forward;
import org.bytedeco.dnnl.lstm_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.rnn_primitive_desc_base;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A whole LSTM or GRU (the reset-before form: oneDNN 2.5.2 has no int8 linear-before-reset GRU)
 * sequence on oneDNN's int8 RNN inference primitive: unsigned 8-bit data, signed 8-bit weights,
 * 32-bit accumulation, float gate math inside the kernel.
 * <pre>
 * u8(v)   = clamp(round(127 v + 128), 0, 255)        for the input (scaled, below) and h
 * q_c     = round(s_c W[:, c]),  s_c = 127 / max(|W_x'[:, c]|, |W_h[:, c]|)    per gate column c
 * x'      = a x,  W_x' = W_x / a                      a = 1 / (the input's range), so |x'| <= 1
 * gates_c = (u8(x') - 128) q_x[:, c] / (127 s_c) + (u8(h) - 128) q_h[:, c] / (127 s_c) + b_c
 * </pre>
 * oneDNN takes one data scale for the input and the state, so the input is brought to the state's
 * range [-1, 1] by {@code a}, folded into the kernel when it is quantized ({@link #quantize}).
 * The final h comes out 8-bit (oneDNN's int8 primitive writes no other), the sequence and c in
 * float32.
 */
final class OneDnnRnnInt8 {
    static final float DATA_SCALE = 127f;
    static final float DATA_SHIFT = 128f;
    /** The weights' scales vary along ldigo's gate and output-channel dimensions. */
    private static final int PER_COLUMN = (1 << 3) | (1 << 4);

    /**
     * Quantized weights: kernel (in, G*U) and recurrent kernel (U, G*U) as int8, one scale per
     * column shared by both (G*U), the bias (G*U) in float32 or null, and the input's scale
     * {@code a} (1): inputs are multiplied by it, the kernel holds {@code W_x / a}. The arrays are
     * the layer's weights, read when a shape's primitive is made (a loaded model assigns them
     * first).
     */
    record Weights(OneDnnRnn.Cell cell, int units, INDArray kernel, INDArray recurrentKernel, INDArray scales,
                   INDArray bias, INDArray inputScale) {
    }

    /**
     * Quantizes float weights for inputs within {@code inputRange} (the largest |x| expected;
     * larger ones saturate).
     */
    static Weights quantize(OneDnnRnn.Cell cell, int units, INDArray kernel, INDArray recurrentKernel, INDArray bias,
                            double inputRange) {
        float a = (float) (1 / Math.max(inputRange, 1e-12));
        INDArray wx = kernel.castTo(DataType.FLOAT).div(a);
        INDArray wh = recurrentKernel.castTo(DataType.FLOAT);
        INDArray peak = org.nd4j.linalg.ops.transforms.Transforms.max(
            org.nd4j.linalg.ops.transforms.Transforms.abs(wx, true).max(0),
            org.nd4j.linalg.ops.transforms.Transforms.abs(wh, true).max(0), false);
        float[] scales = peak.toFloatVector();
        for (int c = 0; c < scales.length; c++) {
            scales[c] = scales[c] == 0 ? 1f : 127f / scales[c];
        }
        INDArray s = Nd4j.createFromArray(scales);
        return new Weights(cell, units, round(wx.mulRowVector(s)), round(wh.mulRowVector(s)), s,
            bias == null ? null : bias.castTo(DataType.FLOAT).dup('c').reshape(scales.length),
            Nd4j.createFromArray(new float[] {a}));
    }

    private static INDArray round(INDArray w) {
        return org.nd4j.linalg.ops.transforms.Transforms.round(w, false).castTo(DataType.INT8);
    }

    /**
     * The output at every step (batch, time, units), aligned with the input steps, the final h as
     * the kernel wrote it (u8), and the final c (null for GRU).
     */
    record Call(INDArray y, INDArray hU8, INDArray c) {
        /** The final h in float32, made on demand (only a chunk followed by another reads it). */
        INDArray h() {
            return hU8.castTo(DataType.FLOAT).subi(DATA_SHIFT).divi(DATA_SCALE);
        }
    }

    private record Key(long time, long batch, long inputDim, boolean reverse) {
    }

    private final Weights weights;
    private final Map<Key, Primitives> cache = OneDnn.lru(16);
    /**
     * The weights packed for the primitives, by packed layout: oneDNN 2.5.2 packs int8 RNN
     * weights alike for every sequence length and batch, so a new shape (each length of a
     * served request, each chunk of a padded batch) reuses them rather than packing again.
     * Read and written under {@link #primitives}'s lock.
     */
    private final java.util.List<Packed> packed = new java.util.ArrayList<>();

    private record Packed(INDArray source, memory.desc layout, memory weights) {
    }

    /** How many times weights were packed (tests: once per weight while shapes share a layout). */
    synchronized int packings() {
        return packings;
    }

    private int packings;

    Weights weights() {
        return weights;
    }

    OneDnnRnnInt8(Weights weights) {
        if (weights.cell() == OneDnnRnn.Cell.LBR_GRU) {
            throw new IllegalArgumentException("oneDNN 2.5.2 has no int8 linear-before-reset GRU");
        }
        this.weights = weights;
    }

    /**
     * Runs {@code x} (batch, time, in; float32) from {@code h0}, {@code c0} (batch, units; null
     * for zeros), right to left when {@code reverse}.
     */
    Call forward(INDArray x, INDArray h0, INDArray c0, boolean reverse) {
        long b = x.size(0);
        long t = x.size(1);
        Primitives p = primitives(new Key(t, b, x.size(2), reverse));
        int u = weights.units();
        INDArray in = OneDnn.dense(x.castTo(DataType.FLOAT));
        INDArray xq = CallScope.uninitialized(DataType.UINT8, b, t, x.size(2));
        INDArray hq = CallScope.uninitialized(DataType.UINT8, b, u);
        INDArray c = weights.cell() == OneDnnRnn.Cell.LSTM
            ? (c0 == null ? Nd4j.zeros(DataType.FLOAT, b, u) : OneDnn.dense(c0.castTo(DataType.FLOAT))) : null;
        INDArray y = CallScope.uninitialized(DataType.FLOAT, b, t, u);
        INDArray hOut = CallScope.uninitialized(DataType.UINT8, b, u);
        INDArray cOut = c == null ? null : Nd4j.createUninitialized(DataType.FLOAT, b, u);
        OneDnn.run(() -> {
            OneDnnRnn.Args args = p.args.get().use(false);
            quantize(args, p.quantizeInput, p.inputF32, p.inputU8, in, xq, QUANTIZE_INPUT);
            if (h0 == null) {
                Pointer.memset(hq.data().addressPointer(), (int) DATA_SHIFT, b * u);
            } else {
                quantize(args, p.quantizeState, p.stateF32, p.stateU8, OneDnn.dense(h0.castTo(DataType.FLOAT)), hq,
                    QUANTIZE_STATE);
            }
            args.bind(dnnl.DNNL_ARG_SRC_LAYER, p.inputU8, xq);
            args.bind(dnnl.DNNL_ARG_SRC_ITER, p.stateU8, hq);
            args.map.put(dnnl.DNNL_ARG_WEIGHTS_LAYER, p.weightsLayer);
            args.map.put(dnnl.DNNL_ARG_WEIGHTS_ITER, p.weightsIter);
            args.bind(dnnl.DNNL_ARG_BIAS, p.biasD, p.bias);
            args.bind(dnnl.DNNL_ARG_DST_LAYER, p.outputF32, y);
            args.bind(dnnl.DNNL_ARG_DST_ITER, p.stateU8, hOut);
            args.bind(dnnl.DNNL_ARG_SRC_ITER_C, p.stateF32, c);
            args.bind(dnnl.DNNL_ARG_DST_ITER_C, p.stateF32, cOut);
            OneDnn.execute(p.forward, p.scratchpad, args.map);
        });
        return new Call(y, hOut, cOut);
    }

    /** Slots of the quantizing reorders' maps and memory objects: none a primitive argument's id. */
    private static final int QUANTIZE_INPUT = -20;
    private static final int QUANTIZE_STATE = -23;

    /** Runs a quantizing reorder from {@code from} (float32) to {@code to} (u8), its objects in {@code slot} on. */
    private static void quantize(OneDnnRnn.Args args, reorder op, memory.desc fromD, memory.desc toD, INDArray from,
                                 INDArray to, int slot) {
        IntMemoryMap map = args.map(slot);
        map.put(dnnl.DNNL_ARG_FROM, args.wrap(slot - 1, fromD, from));
        map.put(dnnl.DNNL_ARG_TO, args.wrap(slot - 2, toD, to));
        OneDnn.execute(op, new memory.desc(), map);
    }

    private synchronized Primitives primitives(Key key) {
        return cache.computeIfAbsent(key, Primitives::new);
    }

    /** The primitive for one input shape, the weights packed for it, and the quantizing reorders. */
    private final class Primitives {
        final primitive forward;
        final memory.desc scratchpad;
        final memory.desc inputF32;
        final memory.desc inputU8;
        final memory.desc stateF32;
        final memory.desc stateU8;
        final memory.desc outputF32;
        final memory.desc biasD;
        final INDArray bias;
        final float[] scales;
        final memory weightsLayer;
        final memory weightsIter;
        final reorder quantizeInput;
        final reorder quantizeState;
        /** Each thread's memory objects for this shape, re-pointed at each call's arrays. */
        final ThreadLocal<OneDnnRnn.Args> args = ThreadLocal.withInitial(OneDnnRnn.Args::new);

        Primitives(Key key) {
            Weights w = weights;
            long t = key.time();
            long n = key.batch();
            long in = key.inputDim();
            int u = w.units();
            int g = w.cell().gates;
            inputF32 = new memory.desc(new long[] {t, n, in}, memory.data_type.f32, memory.format_tag.ntc);
            inputU8 = new memory.desc(new long[] {t, n, in}, memory.data_type.u8, memory.format_tag.ntc);
            stateF32 = new memory.desc(new long[] {1, 1, n, u}, memory.data_type.f32, memory.format_tag.ldnc);
            stateU8 = new memory.desc(new long[] {1, 1, n, u}, memory.data_type.u8, memory.format_tag.ldnc);
            outputF32 = new memory.desc(new long[] {t, n, u}, memory.data_type.f32, memory.format_tag.ntc);
            biasD = new memory.desc(new long[] {1, 1, w.cell().biasGates, u}, memory.data_type.f32,
                memory.format_tag.ldgo);
            bias = w.bias() == null ? Nd4j.zeros(DataType.FLOAT, w.cell().biasGates, u)
                : w.bias().castTo(DataType.FLOAT).reshape(w.cell().biasGates, u).dup('c');
            scales = w.scales().toFloatVector();
            memory.desc wLayerAny = new memory.desc(new long[] {1, 1, in, g, u}, memory.data_type.s8,
                memory.format_tag.any);
            memory.desc wIterAny = new memory.desc(new long[] {1, 1, u, g, u}, memory.data_type.s8,
                memory.format_tag.any);
            primitive_attr attr = qparams(OneDnn.attr());
            dnnl.rnn_direction dir = key.reverse() ? dnnl.rnn_direction.unidirectional_right2left
                : dnnl.rnn_direction.unidirectional_left2right;
            dnnl.prop_kind prop = dnnl.prop_kind.forward_inference;
            rnn_primitive_desc_base pd;
            if (w.cell() == OneDnnRnn.Cell.LSTM) {
                lstm_forward.primitive_desc lpd = new lstm_forward.primitive_desc(new lstm_forward.desc(prop, dir,
                    inputU8, stateU8, stateF32, wLayerAny, wIterAny, biasD, outputF32, stateU8, stateF32), attr,
                    OneDnn.cpu());
                forward = new lstm_forward(lpd);
                pd = lpd;
            } else {
                gru_forward.primitive_desc gpd = new gru_forward.primitive_desc(new gru_forward.desc(prop, dir,
                    inputU8, stateU8, wLayerAny, wIterAny, biasD, outputF32, stateU8), attr, OneDnn.cpu());
                forward = new gru_forward(gpd);
                pd = gpd;
            }
            scratchpad = pd.scratchpad_desc();
            weightsLayer = pack(w.kernel(), in, g, u, pd.weights_layer_desc());
            weightsIter = pack(w.recurrentKernel(), u, g, u, pd.weights_iter_desc());
            quantizeInput = quantizer(inputF32, inputU8, w.inputScale().getFloat(0) * DATA_SCALE);
            quantizeState = quantizer(stateF32, stateU8, DATA_SCALE);
        }

        /**
         * The int8 weights (rows, G*U) in the primitive's packed layout, with the compensation
         * oneDNN keeps beside them for the data's shift.
         */
        private memory pack(INDArray q, long rows, int g, int u, memory.desc layout) {
            for (Packed p : packed) {
                if (p.source() == q && p.layout().equals(layout)) {
                    return p.weights();
                }
            }
            memory.desc user = new memory.desc(new long[] {1, 1, rows, g, u}, memory.data_type.s8,
                memory.format_tag.ldigo);
            INDArray dense = q.dup('c');
            memory to = OneDnn.reorderOnce(user, dense.data().addressPointer(), layout, qparams(new primitive_attr()));
            if (packed.size() == 16) {   // layouts that differ by shape (none seen on oneDNN 2.5.2): keep a few
                packed.remove(0);
            }
            packed.add(new Packed(q, layout, to));
            packings++;
            return to;
        }

        private primitive_attr qparams(primitive_attr attr) {
            attr.set_rnn_data_qparams(DATA_SCALE, DATA_SHIFT);
            attr.set_rnn_weights_qparams(PER_COLUMN, scales);
            return attr;
        }

        /** A reorder float32 -> u8: round(scale v + 128), saturated. */
        private reorder quantizer(memory.desc from, memory.desc to, float scale) {
            primitive_attr attr = new primitive_attr();
            attr.set_output_scales(0, new float[] {scale});
            attr.set_zero_points(dnnl.DNNL_ARG_DST, 0, new int[] {(int) DATA_SHIFT});
            return new reorder(new reorder.primitive_desc(OneDnn.cpu(), from, OneDnn.cpu(), to, attr, false));
        }
    }
}
