package org.seqml.backend;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The one fused entry for a whole recurrent sequence. A recurrent layer hands it its cell, its
 * weights in Keras's layouts and the call's inputs; it takes the call ({@link #takes}) and runs
 * the sequence on a native kernel, or declines and the layer runs its own loop, the reference
 * path. Keras's
 * {@code LSTM.inner_loop} does the same with {@code backend.lstm}.
 * <ul>
 * <li>oneDNN's RNN primitives ({@link OneDnnRnn}), forward and backward, for float32: LSTM, GRU
 * and GRU with {@code reset_after} (oneDNN's linear-before-reset GRU).</li>
 * <li>ND4J's fused {@code lstmLayer} op ({@link FusedLstm}), LSTM inference only, forward in time,
 * on batches up to {@code -Dseqml.fusedLstmMaxBatch} (64), where oneDNN declines (float64, oneDNN
 * off, a non-CPU backend). Its calls have no backward here: the layer runs the loop for one.</li>
 * </ul>
 * The layouts are converted here, not in the layers: Keras's bias to oneDNN's rows (a GRU with
 * {@code reset_after} has four: {@code [b_z, b_r, b_h(input), b_h(recurrent)]}, z and r summed over
 * Keras's two rows) and the gradient back; a {@code goBackwards} call's sequence output in
 * processing order, as Keras returns it. Kernels are shared by every layer of the same cell and
 * size, and every call binds its own arrays, so calls on many threads run at once.
 *
 * <pre>{@code
 * FusedRnn.Weights w = new FusedRnn.Weights(FusedRnn.Cell.LSTM, 128, kernel, recurrentKernel, bias);
 * FusedRnn.Options options = new FusedRnn.Options(false, true, false, false);
 * if (!FusedRnn.takes(w, x, mask, options, training)) { ... the layer's own loop ... }
 * FusedRnn.Call call = FusedRnn.forward(w, x, mask, null, null, options, training);
 * }</pre>
 */
public final class FusedRnn {
    /** Kernels by cell and size: each keeps its primitives per input shape. */
    private static final Map<String, OneDnnRnn> KERNELS = OneDnn.lru(64);

    /** The cells with a fused form: standard activations (tanh, sigmoid gates), no peepholes. */
    public enum Cell {
        LSTM(OneDnnRnn.Cell.LSTM), GRU(OneDnnRnn.Cell.GRU), GRU_RESET_AFTER(OneDnnRnn.Cell.LBR_GRU);

        private final OneDnnRnn.Cell oneDnn;

        Cell(OneDnnRnn.Cell oneDnn) {
            this.oneDnn = oneDnn;
        }
    }

    /**
     * A layer's weights in Keras's layouts: kernel (in, G*U), recurrent kernel (U, G*U), bias (G*U)
     * or (2, 3U) for {@link Cell#GRU_RESET_AFTER}, or null for none.
     */
    public record Weights(Cell cell, int units, INDArray kernel, INDArray recurrentKernel, INDArray bias) {
    }

    /**
     * The loop's options a kernel must honour: right to left ({@code goBackwards}), the whole
     * sequence or the last output, zeros rather than the last output at masked steps, and whether
     * the final states are used (returned or carried to the next batch); and whether to compute in
     * bfloat16 (the {@code mixed_bfloat16} policy: {@link OneDnnRnn}'s mixed kernel, where the CPU
     * has native bfloat16, else float32).
     */
    public record Options(boolean reverse, boolean sequences, boolean zeroOutputForMask, boolean states,
                          boolean bf16) {
        /** Options in float32. */
        public Options(boolean reverse, boolean sequences, boolean zeroOutputForMask, boolean states) {
            this(reverse, sequences, zeroOutputForMask, states, false);
        }
    }

    /** A forward a native kernel ran: the output (the sequence or the last h) and the final states. */
    public static final class Call {
        private final OneDnnRnn kernel;
        private final OneDnnRnn.Call oneDnn;
        private final INDArray output;
        private final INDArray[] states;
        private final Options options;
        private final Packed packed;
        private final boolean int8;

        private Call(OneDnnRnn kernel, OneDnnRnn.Call oneDnn, INDArray output, INDArray[] states, Options options,
                     Packed packed) {
            this(kernel, oneDnn, output, states, options, packed, false);
        }

        private Call(OneDnnRnn kernel, OneDnnRnn.Call oneDnn, INDArray output, INDArray[] states, Options options,
                     Packed packed, boolean int8) {
            this.kernel = kernel;
            this.oneDnn = oneDnn;
            this.output = output;
            this.states = states;
            this.options = options;
            this.packed = packed;
            this.int8 = int8;
        }

        /** (batch, time, units) in processing order with returnSequences, else the last h (batch, units). */
        public INDArray output() {
            return output;
        }

        /**
         * The final h (and c for LSTM), (batch, units) each; a masked batch's c is null unless
         * {@link Options#states} asked for the final states.
         */
        public INDArray[] states() {
            return states.clone();
        }

        /** Whether oneDNN ran it (its backward runs on oneDNN too). */
        public boolean onOneDnn() {
            return oneDnn != null || packed != null;
        }

        /** Whether oneDNN's int8 kernel ran it (inference only: it has no backward). */
        public boolean int8() {
            return int8;
        }

        /** Whether it ran a padded batch packed ({@link PackedBatch}). */
        public boolean packed() {
            return packed != null;
        }
    }

    /** A padded batch's forward: its packing, the chunks' calls, the kernel with its extra rows, the input's width. */
    private record Packed(PackedBatch batch, OneDnnRnn.Call[] chunks, INDArray kernel, long features) {
    }

    /** The gradients of the sequence input and of the initial states (dc0 null for a GRU). */
    public record Gradients(INDArray dx, INDArray dh0, INDArray dc0) {
    }

    private FusedRnn() {
    }

    /**
     * Whether a kernel takes this call, asked before {@link #forward} and before the caller
     * prepares the call's inputs (a layer draws its dropout mask only for a call that runs here;
     * the loop draws its own). {@code mask} (batch, time) or null: oneDNN takes a masked batch
     * packed ({@link PackedBatch}), whatever its layout; a mask with an entry other than 0 and 1 is
     * declined (the loop weighs the states by it).
     */
    public static boolean takes(Weights w, INDArray x, INDArray mask, Options options, boolean training) {
        if (OneDnn.declinedHere()) {
            return false;
        }
        PackedMask.Kind kind = mask == null ? PackedMask.Kind.FULL : PackedMask.kind(mask);
        if (kind != PackedMask.Kind.FULL) {
            return Switches.PACKED_RNN && onOneDnn(w, x) && kind == PackedMask.Kind.PADDED;
        }
        return onOneDnn(w, x) || onNd4jLstm(w, x, options.reverse(), training);
    }

    /** Whether a mask masks anything: an all-ones mask (a batch of full rows) is as none. */
    private static boolean padded(INDArray mask) {
        return mask != null && PackedMask.kind(mask) != PackedMask.Kind.FULL;
    }

    private static boolean onOneDnn(Weights w, INDArray x) {
        return x.dataType() == DataType.FLOAT && w.kernel().dataType() == DataType.FLOAT && OneDnnRnn.available();
    }

    private static boolean onNd4jLstm(Weights w, INDArray x, boolean reverse, boolean training) {
        return !training && w.cell() == Cell.LSTM && !reverse && x.size(0) <= Switches.FUSED_LSTM_MAX_BATCH;
    }

    /**
     * Runs the sequence {@code x} (batch, time, features) under {@code mask} (batch, time; null for
     * none) from {@code h0}, {@code c0} (null for zeros): a call {@link #takes} said yes to.
     */
    public static Call forward(Weights w, INDArray x, INDArray mask, INDArray h0, INDArray c0, Options options,
                               boolean training) {
        boolean reverse = options.reverse();
        boolean sequences = options.sequences();
        if (padded(mask)) {
            // rows share lanes where no state goes in or out; a GRU's reset step would leak into its bias gradient
            boolean share = w.cell() == Cell.LSTM && h0 == null && c0 == null && !options.states();
            return forwardPacked(w, PackedBatch.of(mask, reverse, Switches.PACK_CHUNK,
                share ? PackedBatch.Layout.LANES : PackedBatch.Layout.ROWS), x, h0, c0, options, training);
        }
        if (onOneDnn(w, x)) {
            OneDnnRnn kernel = kernel(w, options);
            OneDnnRnn.Call call = kernel.forward(x, w.kernel(), w.recurrentKernel(), oneDnnBias(w),
                h0 == null ? null : h0.castTo(DataType.FLOAT), c0 == null ? null : c0.castTo(DataType.FLOAT),
                reverse, training);
            INDArray[] states = w.cell() == Cell.LSTM ? new INDArray[] {call.h(), call.c()} : new INDArray[] {call.h()};
            // oneDNN keeps a reversed run's outputs aligned with the input steps; Keras returns them in
            // processing order
            INDArray output = !sequences ? call.h() : reverse ? ArrayOps.reverse(call.y(), 1) : call.y();
            return new Call(kernel, call, output, states, options, null);
        }
        if (!onNd4jLstm(w, x, reverse, training)) {
            throw new IllegalStateException("FusedRnn: no kernel takes this call; ask takes(...) first");
        }
        DataType type = w.kernel().dataType();
        INDArray[] out = FusedLstm.forward(x.castTo(type), w.kernel(), w.recurrentKernel(), w.bias(),
            h0 == null ? null : h0.castTo(type), c0 == null ? null : c0.castTo(type), sequences);
        return new Call(null, null, sequences ? out[0] : out[1], new INDArray[] {out[1], out[2]}, options, null);
    }

    /**
     * A padded batch on oneDNN: packed ({@link PackedBatch}), one call per chunk, each chunk
     * starting from the states the one before ended in, and the outputs put back where the loop
     * puts them.
     */
    private static Call forwardPacked(Weights w, PackedBatch batch, INDArray x, INDArray h0, INDArray c0,
                                      Options options, boolean training) {
        OneDnnRnn kernel = kernel(w, options);
        INDArray carryKernel = PackedBatch.extraKernel(w.kernel(), carryRow(w), resetRow(w));
        INDArray bias = oneDnnBias(w);
        INDArray h0f = h0 == null ? null : h0.castTo(DataType.FLOAT);
        INDArray c0f = c0 == null ? null : c0.castTo(DataType.FLOAT);
        OneDnnRnn.Call[] chunks = new OneDnnRnn.Call[batch.chunks()];
        INDArray[] out = packedRun(batch, x, h0f, c0f, w.units(), w.cell() == Cell.LSTM, options, options.states(),
            (k, xk, h, c) -> {
                chunks[k] = kernel.forward(xk, carryKernel, w.recurrentKernel(), bias, h, c, false, training);
                return new INDArray[] {chunks[k].y(), chunks[k].h(), chunks[k].c()};
            });
        return new Call(kernel, null, out[0], java.util.Arrays.copyOfRange(out, 1, out.length), options,
            new Packed(batch, chunks, carryKernel, x.size(2)));
    }

    /** One chunk's kernel call from its initial states: {y (rows, steps, units), final h, final c or null}. */
    private interface ChunkRun {
        INDArray[] run(int chunk, INDArray x, INDArray h, INDArray c);
    }

    /**
     * Runs a packed batch chunk after chunk, each starting from the states the one before ended
     * in, and puts the outputs back where the loop puts them: {output, final h, final c} (c only
     * for an LSTM, and null unless {@code finalC}: the final states are used, so no lanes are
     * shared and each row's c is its lane's).
     */
    private static INDArray[] packedRun(PackedBatch batch, INDArray x, INDArray h0f, INDArray c0f, int units,
                                        boolean lstm, Options options, boolean finalC, ChunkRun chunk) {
        INDArray[] xs = batch.pack(x);
        INDArray[] ys = new INDArray[xs.length];
        INDArray[] cs = new INDArray[xs.length];
        INDArray h = xs.length == 0 ? null : batch.packRows(h0f, batch.rows[0], units);
        INDArray c = xs.length == 0 || !lstm ? null : batch.packRows(c0f, batch.rows[0], units);
        for (int k = 0; k < xs.length; k++) {
            INDArray[] r = chunk.run(k, xs[k], h, c);
            ys[k] = r[0];
            cs[k] = r[2];
            if (k + 1 < xs.length) {
                h = PackedBatch.firstRows(r[1], batch.rows[k + 1]);
                c = lstm ? PackedBatch.firstRows(r[2], batch.rows[k + 1]) : null;
            }
        }
        boolean zeroAfter = options.zeroOutputForMask();
        INDArray output = options.sequences() ? batch.sequence(ys, units, zeroAfter) : batch.last(ys, units, zeroAfter);
        INDArray hFinal = batch.finalH(ys, h0f, units);
        return lstm ? new INDArray[] {output, hFinal, finalC ? batch.finalState(cs, c0f, units) : null}
            : new INDArray[] {output, hFinal};
    }

    /**
     * The kernel row of the packed input's reset feature (LSTM): input, forget and output gates
     * shut, so the step's c and h are zeros; a GRU's row is zeros (its rows never share a lane).
     */
    private static float[] resetRow(Weights w) {
        int u = w.units();
        float[] row = new float[w.cell().oneDnn.gates * u];
        if (w.cell() == Cell.LSTM) {
            java.util.Arrays.fill(row, 0, 2 * u, -PackedBatch.CARRY);
            java.util.Arrays.fill(row, 3 * u, 4 * u, -PackedBatch.CARRY);
        }
        return row;
    }

    /**
     * The kernel row of the packed input's carry feature: the gates that make a step an identity
     * driven to saturation (LSTM: input and output gates shut, forget gate open; GRU: update gate
     * open), the others untouched.
     */
    private static float[] carryRow(Weights w) {
        int u = w.units();
        float[] row = new float[w.cell().oneDnn.gates * u];
        if (w.cell() == Cell.LSTM) {
            java.util.Arrays.fill(row, 0, u, -PackedBatch.CARRY);
            java.util.Arrays.fill(row, u, 2 * u, PackedBatch.CARRY);
            java.util.Arrays.fill(row, 3 * u, 4 * u, -PackedBatch.CARRY);
        } else {
            java.util.Arrays.fill(row, 0, u, PackedBatch.CARRY);
        }
        return row;
    }

    /**
     * The backward of {@code call}: {@code dOutput} for its output (or null), {@code dh}, {@code dc}
     * for its final states (null for none). Adds the weight gradients, in Keras's layouts, to
     * {@code dKernel}, {@code dRecurrent} and {@code dBias} (null for a weight that is not
     * trained). Null when the call's kernel has no backward (ND4J's op): run the loop.
     */
    public static Gradients backward(Call call, Weights w, INDArray dOutput, INDArray dh, INDArray dc, INDArray dKernel,
                                     INDArray dRecurrent, INDArray dBias) {
        if (call.int8) {
            throw new IllegalStateException("an int8 forward has no backward: quantized layers are for inference");
        }
        if (!call.onOneDnn()) {
            return null;
        }
        INDArray biasRows = w.bias() == null ? null
            : Nd4j.zeros(DataType.FLOAT, w.cell().oneDnn.biasGates, w.units());
        if (call.packed != null) {
            Gradients grads = backwardPacked(call, w, dOutput, dh, dc, dKernel, dRecurrent, biasRows);
            if (biasRows != null && dBias != null) {
                addKerasBiasGradient(w, biasRows, dBias);
            }
            return grads;
        }
        boolean sequences = call.options.sequences();
        INDArray g = dOutput == null ? null : dOutput.castTo(DataType.FLOAT);
        INDArray dy = sequences ? (g == null || !call.options.reverse() ? g : ArrayOps.reverse(g, 1)) : null;
        INDArray dhAll = sequences ? dh : dh == null ? g : g == null ? dh : g.add(dh);
        OneDnnRnn.Gradients grads = call.kernel.backward(call.oneDnn, w.kernel(), w.recurrentKernel(), oneDnnBias(w), dy,
            dhAll == null ? null : dhAll.castTo(DataType.FLOAT), dc == null ? null : dc.castTo(DataType.FLOAT),
            dKernel, dRecurrent, biasRows);
        if (biasRows != null && dBias != null) {
            addKerasBiasGradient(w, biasRows, dBias);
        }
        return new Gradients(grads.dx(), grads.dh0(), grads.dc0());
    }

    /**
     * The chunks' backward, last chunk first, each passing its initial states' gradients to the
     * chunk before; the carry row's weight gradient is dropped.
     */
    private static Gradients backwardPacked(Call call, Weights w, INDArray dOutput, INDArray dh, INDArray dc,
                                            INDArray dKernel, INDArray dRecurrent, INDArray biasRows) {
        Packed p = call.packed;
        PackedBatch batch = p.batch();
        int units = w.units();
        boolean lstm = w.cell() == Cell.LSTM;
        INDArray[] dys = batch.outputGradients(dOutput, call.options.sequences(), call.options.zeroOutputForMask(), dh,
            units);
        INDArray dCarryKernel = dKernel == null ? null : Nd4j.zeros(DataType.FLOAT, p.kernel().shape());
        INDArray[] dxs = new INDArray[p.chunks().length];
        INDArray dhNext = null;
        INDArray dcNext = null;
        INDArray bias = oneDnnBias(w);
        for (int k = p.chunks().length - 1; k >= 0; k--) {
            OneDnnRnn.Gradients g = call.kernel.backward(p.chunks()[k], p.kernel(), w.recurrentKernel(), bias, dys[k],
                batch.stateGradient(k, dhNext, null, units), lstm ? batch.stateGradient(k, dcNext, dc, units) : null,
                dCarryKernel, dRecurrent, biasRows);
            dxs[k] = g.dx();
            dhNext = g.dh0();
            dcNext = g.dc0();
        }
        if (dCarryKernel != null) {
            dKernel.addi(dCarryKernel.get(NDArrayIndex.interval(0, p.features()), NDArrayIndex.all()));
        }
        return new Gradients(batch.inputGradient(dxs, (int) p.features()), batch.initialGradient(dhNext, dh, units),
            lstm ? batch.initialGradient(dcNext, dc, units) : null);
    }

    // ---- int8 ----------------------------------------------------------------------------

    /**
     * A layer's weights quantized for oneDNN's int8 kernel ({@link OneDnnRnnInt8}): kernel and
     * recurrent kernel as int8 {@code (in, G*U)} and {@code (U, G*U)} in Keras's gate order, one
     * scale per column shared by both, the bias in float32 (Keras's layout, null for none), and the
     * input's scale (inputs are multiplied by it; the kernel holds {@code W_x / inputScale}). The
     * kernel's primitives are made on first use, per input shape, and shared by every thread.
     */
    public static final class Quantized {
        private final Cell cell;
        private final OneDnnRnnInt8 kernel;

        private Quantized(Cell cell, OneDnnRnnInt8.Weights weights) {
            this.cell = cell;
            this.kernel = new OneDnnRnnInt8(weights);
        }

        public Cell cell() {
            return cell;
        }

        public int units() {
            return kernel.weights().units();
        }

        /** (in, G*U) int8. */
        public INDArray kernel() {
            return kernel.weights().kernel();
        }

        /** (U, G*U) int8. */
        public INDArray recurrentKernel() {
            return kernel.weights().recurrentKernel();
        }

        /** (G*U) float32: q = round(scale W). */
        public INDArray scales() {
            return kernel.weights().scales();
        }

        /** (G*U) float32, or null. */
        public INDArray bias() {
            return kernel.weights().bias();
        }

        /** (1) float32. */
        public INDArray inputScale() {
            return kernel.weights().inputScale();
        }
    }

    /** Whether a cell has an int8 kernel: LSTM and GRU without reset_after (oneDNN 2.5.2 has no int8 linear-before-reset GRU). */
    public static boolean quantizable(Cell cell) {
        return cell != Cell.GRU_RESET_AFTER;
    }

    /** Quantizes a layer's float weights for inputs within {@code inputRange} (larger ones saturate). */
    public static Quantized quantize(Weights w, double inputRange) {
        if (!quantizable(w.cell())) {
            throw new IllegalArgumentException("no int8 kernel for " + w.cell());
        }
        return new Quantized(w.cell(), OneDnnRnnInt8.quantize(w.cell().oneDnn, w.units(), w.kernel(),
            w.recurrentKernel(), w.bias(), inputRange));
    }

    /** Whether the int8 kernel takes this call: oneDNN loaded, and a mask (if any) of 0s and 1s. */
    public static boolean takes(Quantized q, INDArray mask) {
        return OneDnn.available() && int8Mask(mask);
    }

    /** Whether an int8 kernel takes a call under this mask: none, or one of 0s and 1s (it runs packed). */
    private static boolean int8Mask(INDArray mask) {
        return mask == null || PackedMask.kind(mask) != PackedMask.Kind.WEIGHTED;
    }

    /** Runs a call {@link #takes(Quantized, INDArray)} said yes to on the int8 kernel (inference). */
    public static Call forward(Quantized q, INDArray x, INDArray mask, INDArray h0, INDArray c0, Options options) {
        return int8Forward((xk, h, c, reverse, finalH) -> {
            OneDnnRnnInt8.Call call = q.kernel.forward(xk, h, c, reverse);
            return new INDArray[] {call.y(), finalH ? call.h() : null, call.c()};
        }, q.cell() == Cell.LSTM, q.units(), x, mask, h0, c0, options);
    }

    /**
     * Whether Keras's default GRU ({@code reset_after}, tanh and sigmoid) quantized to int8 runs
     * on {@link Int8GruLoop} rather than its layer's loop: oneDNN loaded and not declined here,
     * and a mask (if any) of 0s and 1s.
     */
    public static boolean takesInt8Gru(INDArray mask) {
        return OneDnn.available() && !OneDnn.declinedHere() && int8Mask(mask);
    }

    /**
     * Runs a call {@link #takesInt8Gru} said yes to: the layer's int8 input and recurrent products
     * ({@code kernel} (in, 3U), {@code recurrent} (U, 3U)), inputs within {@code inputRange}, and
     * its float32 bias (2, 3U) in Keras's layout, or null.
     */
    public static Call forwardInt8Gru(Int8Matmul kernel, Int8Matmul recurrent, double inputRange, INDArray bias,
                                      INDArray x, INDArray mask, INDArray h0, Options options) {
        Int8GruLoop.Weights w = Int8GruLoop.Weights.of(kernel, recurrent, inputRange, bias);
        return int8Forward((xk, h, c, reverse, finalH) -> {
            INDArray[] out = Int8GruLoop.forward(w, xk, h, reverse);
            return new INDArray[] {out[0], out[1], null};
        }, false, w.units(), x, mask, h0, null, options);
    }

    /**
     * An int8 kernel's run over a dense sequence: {y (batch, time, units) aligned with the input
     * steps, the final h in float32 (may be null unless {@code finalH}), the final c or null}.
     */
    private interface Int8Run {
        INDArray[] run(INDArray x, INDArray h0, INDArray c0, boolean reverse, boolean finalH);
    }

    /** An int8 call, whole or packed ({@link PackedBatch}, without the extra features: int8 kernels read none). */
    private static Call int8Forward(Int8Run kernel, boolean lstm, int units, INDArray x, INDArray mask, INDArray h0,
                                    INDArray c0, Options options) {
        if (!padded(mask)) {
            INDArray[] run = kernel.run(x, h0, c0, options.reverse(), false);
            INDArray y = options.reverse() ? ArrayOps.reverse(run[0], 1) : run[0];
            // the last step's output in float32 rather than a kernel's 8-bit final h
            INDArray h = y.get(NDArrayIndex.all(), NDArrayIndex.point(y.size(1) - 1), NDArrayIndex.all()).dup('c');
            INDArray[] states = lstm ? new INDArray[] {h, run[2]} : new INDArray[] {h};
            return new Call(null, null, options.sequences() ? y : h, states, options, null, true);
        }
        PackedBatch batch = PackedBatch.of(mask, options.reverse(), Switches.PACK_CHUNK,
            options.states() ? PackedBatch.Layout.EXACT : PackedBatch.Layout.PLAIN);
        INDArray[] out = packedRun(batch, x, h0 == null ? null : h0.castTo(DataType.FLOAT),
            c0 == null ? null : c0.castTo(DataType.FLOAT), units, lstm, options, options.states(),
            (k, xk, h, c) -> kernel.run(xk, h, c, false, k + 1 < batch.chunks()));
        return new Call(null, null, out[0], java.util.Arrays.copyOfRange(out, 1, out.length), options, null, true);
    }

    private static OneDnnRnn kernel(Weights w, Options options) {
        boolean bf16 = options.bf16() && Bf16.supported();
        String key = w.cell() + "/" + w.units() + (bf16 ? "/bf16" : "");
        synchronized (KERNELS) {
            return KERNELS.computeIfAbsent(key, k -> new OneDnnRnn(w.cell().oneDnn, w.units(), bf16));
        }
    }

    /**
     * Keras's bias in oneDNN's (rows, units) layout, or null: LSTM and GRU (3U) as rows; a GRU with
     * reset_after as [b_z, b_r, b_h(input), b_h(recurrent)], z and r summed over the two Keras rows.
     */
    static INDArray oneDnnBias(Weights w) {
        INDArray b = w.bias();
        if (b == null) {
            return null;
        }
        long u = w.units();
        if (w.cell() != Cell.GRU_RESET_AFTER) {
            return b.reshape(w.cell().oneDnn.gates, u);
        }
        INDArray out = Nd4j.create(b.dataType(), 4, u);
        out.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()).assign(
            b.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 2 * u)).add(
                b.get(NDArrayIndex.point(1), NDArrayIndex.interval(0, 2 * u))).reshape(2, u));
        out.getRow(2).assign(b.get(NDArrayIndex.point(0), NDArrayIndex.interval(2 * u, 3 * u)));
        out.getRow(3).assign(b.get(NDArrayIndex.point(1), NDArrayIndex.interval(2 * u, 3 * u)));
        return out;
    }

    /** Adds oneDNN's bias gradient rows to Keras's bias gradient: z and r rows to both Keras rows (reset_after). */
    static void addKerasBiasGradient(Weights w, INDArray rows, INDArray dBias) {
        long u = w.units();
        if (w.cell() != Cell.GRU_RESET_AFTER) {
            dBias.addi(rows.reshape(dBias.shape()));
            return;
        }
        INDArray zr = rows.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()).reshape(2 * u);
        dBias.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2 * u)).addiRowVector(zr);
        dBias.get(NDArrayIndex.point(0), NDArrayIndex.interval(2 * u, 3 * u)).addi(rows.getRow(2));
        dBias.get(NDArrayIndex.point(1), NDArrayIndex.interval(2 * u, 3 * u)).addi(rows.getRow(3));
    }
}
