package org.seqml.backend;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A masked batch laid out for the fused recurrent kernels, which know nothing of masks: each row's
 * valid steps, in processing order (a {@code goBackwards} row reversed), moved together to the
 * start of the row, wherever the padding was (after, before, both, or holes inside), since Keras's
 * masked step keeps the states and so is as if it were not there; rows sorted by their count of
 * valid steps, longest first; and the time axis cut into chunks that hold only the rows still
 * running, as PyTorch's {@code pack_padded_sequence} keeps only the running rows at each step.
 * Chunk {@code k} is one kernel call on {@code (rows[k], steps[k])}; its final states are the next
 * chunk's initial states for its first rows. The outputs then go back where the loop puts them:
 * a masked step's output repeats the last valid one (zeros before the first, and zeros throughout
 * with {@code zeroOutputForMask}).
 *
 * <p>A row that ends inside a chunk it is in must keep its states unchanged for the chunk's
 * remaining steps, which the kernels cannot be told. It is done through the input: every packed
 * step carries one extra feature, 0 at a valid step and 1 after the row's end, and the kernel gets
 * one extra input row, {@link #CARRY} on the gates that make the step an identity and 0 on the
 * others: an LSTM's forget gate saturates at exactly 1 and its input and output gates at 0, so
 * {@code c} passes unchanged; a GRU's update gate saturates at exactly 1, so
 * {@code h = 1 * h + 0 * candidate}. A sigmoid's derivative at those values is exactly 0 in
 * float32, so the backward passes the states' gradients through those steps unchanged and nothing
 * flows into the weights from them. An LSTM's {@code h} after the end is not carried (its output
 * gate is closed); its final {@code h} is read from the output at the row's last valid step.
 * <pre>
 * mask row (processing order)  0 1 1 0 1 0      valid steps 1, 2, 4
 * packed row                   x1 x2 x4 | carry carry ...
 * outputs                      0 y1 y2 y2 y4 y4   (zeroOutputForMask: 0 y1 y2 0 y4 0)
 * </pre>
 */
final class PackedBatch {
    /** The extra input row's weight on a saturated gate: sigmoid(1024 + any realistic pre-activation) is 1.0f. */
    static final float CARRY = 1024f;
    /** Rows are added to a chunk in multiples of this (padded with finished rows), to bound the kernels' shapes. */
    static final int ROW_STEP = 8;

    final int batch;
    final int time;
    final boolean reverse;
    /** Packed row i holds batch row order[i]. */
    final int[] order;
    /** Per packed row: its valid steps (processing order) and their count. */
    final int[][] valid;
    final int[] length;
    /** Per chunk: its rows (the first ones of the packing), first packed step and steps. */
    final int[] rows;
    final int[] begin;
    final int[] steps;

    private PackedBatch(int batch, int time, boolean reverse, int[] order, int[][] valid, int[] length, int[] rows,
                        int[] begin, int[] steps) {
        this.batch = batch;
        this.time = time;
        this.reverse = reverse;
        this.order = order;
        this.valid = valid;
        this.length = length;
        this.rows = rows;
        this.begin = begin;
        this.steps = steps;
    }

    /** Whether every entry of the mask is 0 or 1 (any other weighting is the loop's alone). */
    static boolean packable(INDArray mask) {
        return validSteps(mask, false) != null;
    }

    /**
     * The packing of a (batch, time) mask for a call running right to left when {@code reverse},
     * in chunks of about {@code chunk} steps; null when an entry is neither 0 nor 1.
     */
    static PackedBatch of(INDArray mask, boolean reverse, int chunk) {
        int[][] runs = validSteps(mask, reverse);
        if (runs == null) {
            return null;
        }
        int b = (int) mask.size(0);
        Integer[] sorted = new Integer[b];
        for (int r = 0; r < b; r++) {
            sorted[r] = r;
        }
        // stable: ties keep their order
        java.util.Arrays.sort(sorted, (p, q) -> Integer.compare(runs[q].length, runs[p].length));
        int[] order = new int[b];
        int[][] valid = new int[b][];
        int[] length = new int[b];
        for (int i = 0; i < b; i++) {
            order[i] = sorted[i];
            valid[i] = runs[sorted[i]];
            length[i] = valid[i].length;
        }
        int packed = roundUp(length[0], ROW_STEP);
        List<int[]> chunks = new ArrayList<>();
        for (int start = 0; start < packed; start += chunk) {
            int running = 0;
            while (running < b && length[running] > start) {
                running++;
            }
            int n = Math.min(b, roundUp(running, ROW_STEP));
            int end = Math.min(packed, start + chunk);
            int[] last = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
            if (last != null && last[0] == n) {
                last[2] += end - start;   // as many rows as the chunk before: one call for both
            } else {
                chunks.add(new int[] {n, start, end - start});
            }
        }
        int k = chunks.size();
        int[] rows = new int[k];
        int[] begin = new int[k];
        int[] steps = new int[k];
        for (int c = 0; c < k; c++) {
            rows[c] = chunks.get(c)[0];
            begin[c] = chunks.get(c)[1];
            steps[c] = chunks.get(c)[2];
        }
        return new PackedBatch(b, (int) mask.size(1), reverse, order, valid, length, rows, begin, steps);
    }

    /** Each row's valid steps in processing order, or null for an entry neither 0 nor 1. */
    private static int[][] validSteps(INDArray mask, boolean reverse) {
        int b = (int) mask.size(0);
        int t = (int) mask.size(1);
        float[] m = mask.castTo(DataType.FLOAT).dup('c').data().asFloat();
        int[][] out = new int[b][];
        int[] steps = new int[t];
        for (int r = 0; r < b; r++) {
            int n = 0;
            for (int p = 0; p < t; p++) {
                float v = m[r * t + (reverse ? t - 1 - p : p)];
                if (v == 1f) {
                    steps[n++] = p;
                } else if (v != 0f) {
                    return null;
                }
            }
            out[r] = java.util.Arrays.copyOf(steps, n);
        }
        return out;
    }

    private static int roundUp(int n, int step) {
        return (n + step - 1) / step * step;
    }

    int chunks() {
        return rows.length;
    }

    /** The batch's time step (original order) of packed row i's step g. */
    private int step(int i, int g) {
        int p = valid[i][g];
        return reverse ? time - 1 - p : p;
    }

    /** The chunk holding packed step g. */
    private int chunkOf(int g) {
        int c = 0;
        while (c + 1 < begin.length && begin[c + 1] <= g) {
            c++;
        }
        return c;
    }

    // ---- forward --------------------------------------------------------------------------

    /**
     * The chunks' inputs (rows[k], steps[k], features + 1) from x (batch, time, features): the
     * valid steps with a 0 feature after them, and zeros with a 1 at every step past a row's end.
     */
    INDArray[] pack(INDArray x) {
        int f = (int) x.size(2);
        FloatBuffer in = floats(OneDnn.dense(x));
        INDArray[] out = new INDArray[chunks()];
        for (int c = 0; c < out.length; c++) {
            out[c] = CallScope.uninitialized(DataType.FLOAT, rows[c], steps[c], f + 1);
            FloatBuffer o = floats(out[c]);
            for (int i = 0; i < rows[c]; i++) {
                for (int j = 0; j < steps[c]; j++) {
                    int g = begin[c] + j;
                    int at = (i * steps[c] + j) * (f + 1);
                    if (g < length[i]) {
                        o.put(at, in, ((order[i] * time) + step(i, g)) * f, f);
                        o.put(at + f, 0f);
                    } else {
                        fill(o, at, f, 0f);
                        o.put(at + f, 1f);
                    }
                }
            }
        }
        return out;
    }

    /** The kernel (features, G*U) with the carry row under it: {@code carryRow} (G*U) holds the gates' values. */
    static INDArray carryKernel(INDArray kernel, float[] carryRow) {
        long f = kernel.size(0);
        INDArray out = CallScope.uninitialized(DataType.FLOAT, f + 1, kernel.size(1));
        out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, f), org.nd4j.linalg.indexing.NDArrayIndex.all())
            .assign(kernel);
        floats(out).put((int) (f * kernel.size(1)), carryRow);
        return out;
    }

    /**
     * The layer's sequence output (batch, time, units) in processing order from the chunks'
     * outputs: zeros before a row's run, its outputs along it, and after it the last valid output
     * repeated, or zeros when {@code zeroAfter}.
     */
    INDArray sequence(INDArray[] y, int units, boolean zeroAfter) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, time, units);
        FloatBuffer o = floats(out);
        FloatBuffer[] ys = floats(y);
        for (int i = 0; i < batch; i++) {
            int row = order[i] * time * units;
            int g = -1;   // the last valid step so far
            for (int p = 0; p < time; p++) {
                boolean kept = g + 1 < length[i] && valid[i][g + 1] == p;
                if (kept) {
                    g++;
                }
                if (kept || g >= 0 && !zeroAfter) {
                    copyOut(ys, i, g, units, o, row + p * units);
                } else {
                    fill(o, row + p * units, units, 0f);
                }
            }
        }
        return out;
    }

    /**
     * The output at the last processing step (batch, units): a row's last valid output when its
     * run reaches the end or {@code zeroAfter} is off, else zeros.
     */
    INDArray last(INDArray[] y, int units, boolean zeroAfter) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, units);
        FloatBuffer o = floats(out);
        FloatBuffer[] ys = floats(y);
        for (int i = 0; i < batch; i++) {
            if (lastIsValid(i, zeroAfter)) {
                copyOut(ys, i, length[i] - 1, units, o, order[i] * units);
            } else {
                fill(o, order[i] * units, units, 0f);
            }
        }
        return out;
    }

    private boolean lastIsValid(int i, boolean zeroAfter) {
        return length[i] > 0 && (!zeroAfter || valid[i][length[i] - 1] == time - 1);
    }

    /**
     * The final h (batch, units): each row's output at its last valid step, or its initial state
     * {@code h0} (batch, units; null for zeros) when it has none.
     */
    INDArray finalH(INDArray[] y, INDArray h0, int units) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, units);
        FloatBuffer o = floats(out);
        FloatBuffer[] ys = floats(y);
        FloatBuffer initial = h0 == null ? null : floats(OneDnn.dense(h0));
        for (int i = 0; i < batch; i++) {
            int at = order[i] * units;
            if (length[i] > 0) {
                copyOut(ys, i, length[i] - 1, units, o, at);
            } else if (initial != null) {
                o.put(at, initial, at, units);
            } else {
                fill(o, at, units, 0f);
            }
        }
        return out;
    }

    /**
     * A state carried to the end (an LSTM's c): each row's value in the final states of the last
     * chunk it is in ({@code states[k]} (rows[k], units)), or its initial state (null: zeros).
     */
    INDArray finalState(INDArray[] states, INDArray initial, int units) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, units);
        FloatBuffer o = floats(out);
        FloatBuffer init = initial == null ? null : floats(OneDnn.dense(initial));
        for (int i = 0; i < batch; i++) {
            int at = order[i] * units;
            int c = lastChunkOf(i);
            if (c >= 0) {
                o.put(at, floats(states[c]), i * units, units);
            } else if (init != null) {
                o.put(at, init, at, units);
            } else {
                fill(o, at, units, 0f);
            }
        }
        return out;
    }

    /** The last chunk packed row i is in, or -1. */
    private int lastChunkOf(int i) {
        int c = -1;
        while (c + 1 < rows.length && i < rows[c + 1]) {
            c++;
        }
        return c;
    }

    /** Rows of a (batch, units) state in packing order, the first {@code n}; null stays null (zeros). */
    INDArray packRows(INDArray state, int n, int units) {
        if (state == null) {
            return null;
        }
        INDArray out = CallScope.uninitialized(DataType.FLOAT, n, units);
        FloatBuffer o = floats(out);
        FloatBuffer in = floats(OneDnn.dense(state));
        for (int i = 0; i < n; i++) {
            o.put(i * units, in, order[i] * units, units);
        }
        return out;
    }

    /** The first n rows of a (m, units) array, dense. */
    static INDArray firstRows(INDArray a, int n) {
        if (n == a.size(0)) {
            return a;
        }
        int units = (int) a.size(1);
        INDArray out = CallScope.uninitialized(DataType.FLOAT, n, units);
        floats(out).put(0, floats(a), 0, n * units);
        return out;
    }

    // ---- backward -------------------------------------------------------------------------

    /**
     * The chunks' output gradients from the layer's: {@code dOut} (batch, time, units) for a
     * sequence output or (batch, units) for the last, null for none, and {@code dh} (batch,
     * units) for the final h, null for none. A repeated output's gradient goes to the step it
     * repeats; the final h's to the row's last valid step.
     */
    INDArray[] outputGradients(INDArray dOut, boolean sequences, boolean zeroAfter, INDArray dh, int units) {
        INDArray[] dy = new INDArray[chunks()];
        for (int c = 0; c < dy.length; c++) {
            dy[c] = CallScope.uninitialized(DataType.FLOAT, rows[c], steps[c], units).assign(0);
        }
        FloatBuffer[] d = floats(dy);
        FloatBuffer g = dOut == null ? null : floats(OneDnn.dense(dOut.castTo(DataType.FLOAT)));
        FloatBuffer gh = dh == null ? null : floats(OneDnn.dense(dh.castTo(DataType.FLOAT)));
        for (int i = 0; i < batch; i++) {
            if (length[i] == 0) {
                continue;
            }
            if (g != null && sequences) {
                int row = order[i] * time * units;
                int s = -1;
                for (int p = valid[i][0]; p < time; p++) {
                    boolean kept = s + 1 < length[i] && valid[i][s + 1] == p;
                    if (kept) {
                        s++;
                    }
                    if (kept || !zeroAfter) {
                        addIn(d, i, s, units, g, row + p * units);
                    }
                }
            } else if (g != null && lastIsValid(i, zeroAfter)) {
                addIn(d, i, length[i] - 1, units, g, order[i] * units);
            }
            if (gh != null) {
                addIn(d, i, length[i] - 1, units, gh, order[i] * units);
            }
        }
        return dy;
    }

    /**
     * The gradient of a carried state (an LSTM's c) entering chunk c's end: {@code fromNext} (rows
     * of chunk c+1; null for the last chunk) for the rows that go on, and the final state's
     * gradient {@code dFinal} (batch, units; null for none) for the rows chunk c is the last of.
     */
    INDArray stateGradient(int c, INDArray fromNext, INDArray dFinal, int units) {
        int n = rows[c];
        int going = c + 1 < rows.length ? rows[c + 1] : 0;
        INDArray out = CallScope.uninitialized(DataType.FLOAT, n, units);
        FloatBuffer o = floats(out);
        if (going > 0) {
            o.put(0, floats(OneDnn.dense(fromNext)), 0, going * units);
        }
        FloatBuffer fin = dFinal == null ? null : floats(OneDnn.dense(dFinal.castTo(DataType.FLOAT)));
        for (int i = going; i < n; i++) {
            if (fin != null) {
                o.put(i * units, fin, order[i] * units, units);
            } else {
                fill(o, i * units, units, 0f);
            }
        }
        return out;
    }

    /** The input gradient (batch, time, features) from the chunks' (rows, steps, features + 1): zeros at masked steps. */
    INDArray inputGradient(INDArray[] dx, int features) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, time, features).assign(0);
        FloatBuffer o = floats(out);
        for (int c = 0; c < dx.length; c++) {
            FloatBuffer d = floats(dx[c]);
            for (int i = 0; i < rows[c]; i++) {
                int end = Math.min(steps[c], length[i] - begin[c]);
                for (int j = 0; j < end; j++) {
                    o.put((order[i] * time + step(i, begin[c] + j)) * features, d,
                        (i * steps[c] + j) * (features + 1), features);
                }
            }
        }
        return out;
    }

    /**
     * The initial state's gradient (batch, units): chunk 0's ({@code fromFirst}, its rows) for the
     * rows in it, plus {@code dFinal} (null for none) for the rows with no valid step, whose state
     * passed through unchanged: all of them, or, when the chunks carried that gradient
     * ({@code carried}: an LSTM's c), those in no chunk.
     */
    INDArray initialGradient(INDArray fromFirst, INDArray dFinal, int units, boolean carried) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, units);
        FloatBuffer o = floats(out);
        FloatBuffer first0 = fromFirst == null ? null : floats(OneDnn.dense(fromFirst));
        FloatBuffer fin = dFinal == null ? null : floats(OneDnn.dense(dFinal.castTo(DataType.FLOAT)));
        int n = rows.length == 0 ? 0 : rows[0];
        for (int i = 0; i < batch; i++) {
            int at = order[i] * units;
            if (i < n) {
                o.put(at, first0, i * units, units);
            } else {
                fill(o, at, units, 0f);
            }
            if (fin != null && length[i] == 0 && !(carried && i < n)) {
                for (int u = 0; u < units; u++) {
                    o.put(at + u, o.get(at + u) + fin.get(at + u));
                }
            }
        }
        return out;
    }

    // ---- helpers --------------------------------------------------------------------------

    private void copyOut(FloatBuffer[] ys, int i, int g, int units, FloatBuffer to, int at) {
        int c = chunkOf(g);
        to.put(at, ys[c], (i * steps[c] + g - begin[c]) * units, units);
    }

    private void addIn(FloatBuffer[] d, int i, int g, int units, FloatBuffer from, int at) {
        int c = chunkOf(g);
        FloatBuffer to = d[c];
        int base = (i * steps[c] + g - begin[c]) * units;
        for (int u = 0; u < units; u++) {
            to.put(base + u, to.get(base + u) + from.get(at + u));
        }
    }

    private static void fill(FloatBuffer b, int at, int n, float v) {
        for (int k = 0; k < n; k++) {
            b.put(at + k, v);
        }
    }

    static FloatBuffer floats(INDArray a) {
        if (!OneDnn.bindable(a) && !(a.offset() == 0 && a.ordering() == 'c'
            && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a))) {
            throw new IllegalArgumentException("PackedBatch reads dense float32 arrays");
        }
        return a.data().asNioFloat();
    }

    private static FloatBuffer[] floats(INDArray[] arrays) {
        FloatBuffer[] out = new FloatBuffer[arrays.length];
        for (int k = 0; k < arrays.length; k++) {
            out[k] = floats(arrays[k]);
        }
        return out;
    }
}
