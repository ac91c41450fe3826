package org.seqml.backend;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A masked batch laid out for the fused recurrent kernels, which know nothing of masks. Each row's
 * valid steps, in processing order (a {@code goBackwards} row reversed), are moved together,
 * wherever the padding was (after, before, both, or holes inside), since Keras's masked step keeps
 * the states and so is as if it were not there. The rows go into lanes, the kernel's batch rows: a
 * row per lane, or, when no state is passed in or out, several short rows one after another in a
 * lane, each starting from zero states after a reset step (first fit, longest rows first, into
 * lanes as long as the longest row). The lanes are sorted by length and the time axis is cut into
 * chunks that hold only the lanes still running, as PyTorch's {@code pack_padded_sequence} keeps
 * only the running rows at each step. Chunk {@code k} is one kernel call on
 * {@code (rows[k], steps[k])}; its final states are the next chunk's initial states for its first
 * lanes. The outputs then go back where the loop puts them: a masked step's output repeats the
 * last valid one (zeros before the first, and zeros throughout with {@code zeroOutputForMask}).
 *
 * <p>The kernels cannot be told that a lane has ended or that a row starts afresh; the input tells
 * them. Every packed step carries two extra features, carry (1 past a lane's end) and reset (1 on
 * the step before a lane's second or later row), and the kernel gets two extra input rows that
 * drive gates to saturation, {@link #CARRY} or {@code -CARRY}, where a sigmoid is exactly 1 or 0
 * in float32 and its derivative exactly 0:
 * <ul>
 * <li>carry: an LSTM's forget gate open and its input and output gates shut, so {@code c} passes
 * unchanged (its {@code h} is not carried: a row's final {@code h} is read from its last valid
 * output); a GRU's update gate open, so {@code h = 1 * h + 0 * candidate}. The backward passes
 * the states' gradients through unchanged, and nothing flows into the weights.</li>
 * <li>reset (LSTM only): the input, forget and output gates shut, so {@code c = 0} and
 * {@code h = 0}; no gradient passes it, none flows into the weights.</li>
 * </ul>
 * <pre>
 * mask row (processing order)  0 1 1 0 1 0      valid steps 1, 2, 4
 * its lane                     x1 x2 x4 reset x'0 x'1 ... carry carry
 * its outputs                  0 y1 y2 y2 y4 y4   (zeroOutputForMask: 0 y1 y2 0 y4 0)
 * </pre>
 */
final class PackedBatch {
    /** The saturating weight: sigmoid(1024 + any realistic pre-activation) is 1.0f, and of its negative 0. */
    static final float CARRY = 1024f;
    /** The extra input features: carry, reset. */
    static final int EXTRA = 2;
    /** How many lanes the rows take. */
    int lanes() {
        return laneSteps.length;
    }

    /** Lanes are added to a chunk in multiples of this (padded with finished ones), to bound the kernels' shapes. */
    static final int ROW_STEP = 8;
    private static final int RESET = -2;
    private static final int PAST = -1;

    final int batch;
    final int time;
    final boolean reverse;
    /** Per batch row: its lane (-1 for a row with no valid step), its first packed step there, its valid steps. */
    private final int[] lane;
    private final int[] offset;
    private final int[][] valid;
    /** Per lane: the batch row at each of its steps, {@value #RESET} on a reset step. */
    private final int[][] laneSteps;
    /** Per chunk: its lanes (the first ones), first packed step and steps. */
    final int[] rows;
    final int[] begin;
    final int[] steps;

    private PackedBatch(int batch, int time, boolean reverse, int[] lane, int[] offset, int[][] valid,
                        int[][] laneSteps, int[][] chunks, int extra) {
        this.batch = batch;
        this.time = time;
        this.reverse = reverse;
        this.lane = lane;
        this.offset = offset;
        this.valid = valid;
        this.laneSteps = laneSteps;
        this.rows = chunks[0];
        this.begin = chunks[1];
        this.steps = chunks[2];
        this.extra = extra;
    }

    /** How rows are laid out, and whether the packed input carries the extra features. */
    enum Layout {
        /** A lane per row, with the carry and reset features; chunks of about the chunk length. */
        ROWS(true, false, false),
        /** Short rows share lanes, with the carry and reset features. */
        LANES(true, true, false),
        /**
         * A lane per row and no extra features (a kernel that cannot take them: int8): a row past
         * its end runs on, which only its unread outputs and its final states see, so this is for
         * calls whose final states are not used.
         */
        PLAIN(false, false, false),
        /** As {@link #PLAIN}, with a chunk ending at every row's end, so each row's final states are its chunk's. */
        EXACT(false, false, true);

        final boolean extras;
        final boolean share;
        final boolean exact;

        Layout(boolean extras, boolean share, boolean exact) {
            this.extras = extras;
            this.share = share;
            this.exact = exact;
        }
    }

    /** The packed input's features beyond the layer's: {@link #EXTRA}, or none. */
    final int extra;

    /**
     * The packing of a (batch, time) mask for a call running right to left when {@code reverse},
     * in chunks of about {@code chunk} steps, laid out as {@code layout} says; null when an entry
     * is neither 0 nor 1.
     */
    static PackedBatch of(INDArray mask, boolean reverse, int chunk, Layout layout) {
        boolean share = layout.share;
        int[][] valid = PackedMask.validSteps(mask, reverse);
        if (valid == null) {
            return null;
        }
        int b = valid.length;
        List<Integer> byLength = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            if (valid[r].length > 0) {
                byLength.add(r);
            }
        }
        byLength.sort((p, q) -> Integer.compare(valid[q].length, valid[p].length));   // stable
        int capacity = byLength.isEmpty() ? 0 : valid[byLength.get(0)].length;
        List<List<Integer>> lanes = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        int[] offset = new int[b];
        for (int r : byLength) {
            int n = valid[r].length;
            int l = 0;
            while (l < lanes.size() && !(share && ends.get(l) + 1 + n <= capacity)) {
                l++;
            }
            if (l == lanes.size()) {
                lanes.add(new ArrayList<>());
                ends.add(-1);
            }
            offset[r] = ends.get(l) + 1;   // after the reset step (none before a lane's first row)
            ends.set(l, offset[r] + n);
            lanes.get(l).add(r);
        }
        Integer[] order = new Integer[lanes.size()];
        for (int l = 0; l < order.length; l++) {
            order[l] = l;
        }
        java.util.Arrays.sort(order, (p, q) -> Integer.compare(ends.get(q), ends.get(p)));
        int[] lane = new int[b];
        java.util.Arrays.fill(lane, -1);
        int[][] laneSteps = new int[order.length][];
        int[] lengths = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            lengths[i] = ends.get(order[i]);
            laneSteps[i] = new int[lengths[i]];
            for (int r : lanes.get(order[i])) {
                lane[r] = i;
                java.util.Arrays.fill(laneSteps[i], offset[r], offset[r] + valid[r].length, r);
                if (offset[r] > 0) {
                    laneSteps[i][offset[r] - 1] = RESET;
                }
            }
        }
        return new PackedBatch(b, (int) mask.size(1), reverse, lane, offset, valid, laneSteps,
            layout.exact ? exactChunks(lengths) : chunks(lengths, b, chunk), layout.extras ? EXTRA : 0);
    }

    /**
     * The chunks {rows, begin, steps} over lanes of these lengths (longest first): every
     * {@code chunk} steps, the lanes still running rounded up to {@value #ROW_STEP} (at most
     * {@code cap}); a chunk joins the one before while that adds at most
     * {@code -Dseqml.packMerge} (512) lane-steps to it in all.
     */
    private static int[][] chunks(int[] lengths, int cap, int chunk) {
        int packed = lengths.length == 0 ? 0 : roundUp(lengths[0], ROW_STEP);
        List<int[]> chunks = new ArrayList<>();
        for (int start = 0; start < packed; start += chunk) {
            int running = 0;
            while (running < lengths.length && lengths[running] > start) {
                running++;
            }
            int n = Math.min(cap, roundUp(running, ROW_STEP));
            int end = Math.min(packed, start + chunk);
            int[] last = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
            // a chunk's call costs about as much as a few hundred more lane-steps (weight reorders,
            // the gradient buffers): one call for both when the lanes it would add are fewer
            long extra = last == null ? 0 : (long) (last[0] - n) * (end - start) + last[3];
            if (last != null && extra <= Switches.PACK_MERGE) {
                last[2] += end - start;
                last[3] = (int) extra;
            } else {
                chunks.add(new int[] {n, start, end - start, 0});
            }
        }
        return columns(chunks);
    }

    /** {rows, begin, steps} as three arrays over the chunks. */
    private static int[][] columns(List<int[]> chunks) {
        int[][] out = new int[3][chunks.size()];
        for (int c = 0; c < chunks.size(); c++) {
            for (int k = 0; k < 3; k++) {
                out[k][c] = chunks.get(c)[k];
            }
        }
        return out;
    }

    /** A chunk ending at each lane's end: {rows, begin, steps}, lanes longest first. */
    private static int[][] exactChunks(int[] lengths) {
        List<int[]> chunks = new ArrayList<>();
        int start = 0;
        for (int i = lengths.length - 1; i >= 0; i--) {
            if (lengths[i] > start) {
                chunks.add(new int[] {i + 1, start, lengths[i] - start});
                start = lengths[i];
            }
        }
        return columns(chunks);
    }

    private static int roundUp(int n, int step) {
        return (n + step - 1) / step * step;
    }

    int chunks() {
        return rows.length;
    }

    /** The batch's time step (original order) of row r's k-th valid step. */
    private int step(int r, int k) {
        int p = valid[r][k];
        return reverse ? time - 1 - p : p;
    }

    /**
     * Where (lane i, packed step g) is: its chunk in the high half, its index in the chunk's
     * arrays (in units of one step's vector) in the low half.
     */
    private long at(int i, int g) {
        int c = 0;
        while (c + 1 < begin.length && begin[c + 1] <= g) {
            c++;
        }
        return (long) c << 32 | (i * steps[c] + g - begin[c]);
    }

    private static int chunkOf(long at) {
        return (int) (at >>> 32);
    }

    private static int indexOf(long at) {
        return (int) at;
    }

    // ---- forward --------------------------------------------------------------------------

    /**
     * The chunks' inputs (rows[k], steps[k], features + {@link #extra}) from x (batch, time,
     * features): the rows' valid steps, and zeros (with the carry or reset feature set) elsewhere.
     */
    INDArray[] pack(INDArray x) {
        int f = (int) x.size(2);
        int w = f + extra;
        FloatBuffer in = floats(dense(x));
        INDArray[] out = new INDArray[chunks()];
        for (int c = 0; c < out.length; c++) {
            out[c] = CallScope.uninitialized(DataType.FLOAT, rows[c], steps[c], w);
            FloatBuffer o = floats(out[c]);
            for (int i = 0; i < rows[c]; i++) {
                int[] s = i < laneSteps.length ? laneSteps[i] : new int[0];
                int running = Math.max(0, Math.min(steps[c], s.length - begin[c]));   // steps before the lane's end
                for (int j = 0; j < running; j++) {
                    int g = begin[c] + j;
                    int at = (i * steps[c] + j) * w;
                    int r = s[g];
                    if (r >= 0) {
                        o.put(at, in, (r * time + step(r, g - offset[r])) * f, f);
                    } else {
                        zero(o, at, f);
                    }
                    if (extra > 0) {
                        o.put(at + f, 0f);
                        o.put(at + f + 1, r == RESET ? 1f : 0f);
                    }
                }
                // past the lane's end: zeros at once, then each step's carry feature
                zero(o, (i * steps[c] + running) * w, (steps[c] - running) * w);
                for (int j = running; extra > 0 && j < steps[c]; j++) {
                    o.put((i * steps[c] + j) * w + f, 1f);
                }
            }
        }
        return out;
    }

    /** The kernel (features, G*U) with the carry and reset rows (G*U each) under it. */
    static INDArray extraKernel(INDArray kernel, float[] carryRow, float[] resetRow) {
        long f = kernel.size(0);
        int width = (int) kernel.size(1);
        INDArray out = CallScope.uninitialized(DataType.FLOAT, f + EXTRA, width);
        out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, f), org.nd4j.linalg.indexing.NDArrayIndex.all())
            .assign(kernel);
        FloatBuffer o = floats(out);
        o.put((int) (f * width), carryRow);
        o.put((int) ((f + 1) * width), resetRow);
        return out;
    }

    /**
     * The layer's sequence output (batch, time, units) in processing order from the chunks'
     * outputs: zeros before a row's first valid step, its outputs at valid steps, and at masked
     * steps after it the last valid output, or zeros when {@code zeroAfter}.
     */
    INDArray sequence(INDArray[] y, int units, boolean zeroAfter) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, time, units);
        FloatBuffer o = floats(out);
        FloatBuffer[] ys = floats(y);
        for (int r = 0; r < batch; r++) {
            int row = r * time * units;
            int[] v = valid[r];
            zero(o, row, (v.length == 0 ? time : v[0]) * units);   // before the first valid step
            for (int k = 0; k < v.length; ) {
                // valid steps k..e-1: one run of steps, and of places in one chunk's output, copied at once
                long from = at(lane[r], offset[r] + k);
                int c = chunkOf(from);
                int room = begin[c] + steps[c] - (offset[r] + k);
                int e = k + 1;
                while (e < v.length && e - k < room && v[e] == v[e - 1] + 1) {
                    e++;
                }
                o.put(row + v[k] * units, ys[c], indexOf(from) * units, (e - k) * units);
                int after = v[e - 1] + 1;
                int next = e < v.length ? v[e] : time;
                if (zeroAfter) {
                    zero(o, row + after * units, (next - after) * units);
                } else {
                    for (int p = after; p < next; p++) {
                        copyOut(ys, r, e - 1, units, o, row + p * units);
                    }
                }
                k = e;
            }
        }
        return out;
    }

    /**
     * The output at the last processing step (batch, units): a row's last valid output when that
     * step is valid or {@code zeroAfter} is off, else zeros.
     */
    INDArray last(INDArray[] y, int units, boolean zeroAfter) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, units);
        FloatBuffer o = floats(out);
        FloatBuffer[] ys = floats(y);
        for (int r = 0; r < batch; r++) {
            if (lastIsValid(r, zeroAfter)) {
                copyOut(ys, r, valid[r].length - 1, units, o, r * units);
            } else {
                zero(o, r * units, units);
            }
        }
        return out;
    }

    private boolean lastIsValid(int r, boolean zeroAfter) {
        int n = valid[r].length;
        return n > 0 && (!zeroAfter || valid[r][n - 1] == time - 1);
    }

    /**
     * The final h (batch, units): each row's output at its last valid step, or its initial state
     * {@code h0} (batch, units; null for zeros) when it has none.
     */
    INDArray finalH(INDArray[] y, INDArray h0, int units) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, units);
        FloatBuffer o = floats(out);
        FloatBuffer[] ys = floats(y);
        FloatBuffer initial = h0 == null ? null : floats(dense(h0));
        for (int r = 0; r < batch; r++) {
            int at = r * units;
            if (valid[r].length > 0) {
                copyOut(ys, r, valid[r].length - 1, units, o, at);
            } else if (initial != null) {
                o.put(at, initial, at, units);
            } else {
                zero(o, at, units);
            }
        }
        return out;
    }

    /**
     * A state carried to the end of a lane (an LSTM's c) for a packing of a row per lane: each
     * row's value in the final states of the last chunk its lane is in ({@code states[k]}
     * (rows[k], units)), or its initial state (null: zeros) when it has no valid step.
     */
    INDArray finalState(INDArray[] states, INDArray initial, int units) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, units);
        FloatBuffer o = floats(out);
        FloatBuffer init = initial == null ? null : floats(dense(initial));
        for (int r = 0; r < batch; r++) {
            int at = r * units;
            if (lane[r] >= 0) {
                o.put(at, floats(states[lastChunkOf(lane[r])]), lane[r] * units, units);
            } else if (init != null) {
                o.put(at, init, at, units);
            } else {
                zero(o, at, units);
            }
        }
        return out;
    }

    private int lastChunkOf(int i) {
        int c = 0;
        while (c + 1 < rows.length && i < rows[c + 1]) {
            c++;
        }
        return c;
    }

    /**
     * A (batch, units) state for the first {@code n} lanes, a row per lane: each lane's row's, zeros
     * for the lanes past the rows; null stays null (zeros).
     */
    INDArray packRows(INDArray state, int n, int units) {
        if (state == null) {
            return null;
        }
        INDArray out = CallScope.uninitialized(DataType.FLOAT, n, units);
        FloatBuffer o = floats(out);
        FloatBuffer in = floats(dense(state));
        zero(o, 0, n * units);
        for (int r = 0; r < batch; r++) {
            if (lane[r] >= 0 && lane[r] < n) {
                o.put(lane[r] * units, in, r * units, units);
            }
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
        FloatBuffer g = dOut == null ? null : floats(dense(dOut.castTo(DataType.FLOAT)));
        FloatBuffer gh = dh == null ? null : floats(dense(dh.castTo(DataType.FLOAT)));
        for (int r = 0; r < batch; r++) {
            int n = valid[r].length;
            if (n == 0) {
                continue;
            }
            if (g != null && sequences) {
                int row = r * time * units;
                int k = -1;
                for (int p = valid[r][0]; p < time; p++) {
                    boolean kept = k + 1 < n && valid[r][k + 1] == p;
                    if (kept) {
                        k++;
                    }
                    if (kept || !zeroAfter) {
                        addIn(d, r, k, units, g, row + p * units);
                    }
                }
            } else if (g != null && lastIsValid(r, zeroAfter)) {
                addIn(d, r, n - 1, units, g, r * units);
            }
            if (gh != null) {
                addIn(d, r, n - 1, units, gh, r * units);
            }
        }
        return dy;
    }

    /**
     * The gradient of a state entering chunk c's end: {@code fromNext} (the lanes of chunk c+1;
     * null for the last chunk) for the lanes that go on, and for the lanes chunk c is the last of,
     * their row's final-state gradient from {@code dFinal} (batch, units; null for none: zeros; a
     * row per lane).
     */
    INDArray stateGradient(int c, INDArray fromNext, INDArray dFinal, int units) {
        int n = rows[c];
        int going = c + 1 < rows.length ? rows[c + 1] : 0;
        INDArray out = CallScope.uninitialized(DataType.FLOAT, n, units);
        FloatBuffer o = floats(out);
        if (going > 0) {
            o.put(0, floats(dense(fromNext)), 0, going * units);
        }
        zero(o, going * units, (n - going) * units);
        if (dFinal != null) {
            FloatBuffer fin = floats(dense(dFinal.castTo(DataType.FLOAT)));
            for (int r = 0; r < batch; r++) {
                if (lane[r] >= going && lane[r] < n) {
                    o.put(lane[r] * units, fin, r * units, units);
                }
            }
        }
        return out;
    }

    /** The input gradient (batch, time, features) from the chunks' (rows, steps, features + extra): zeros at masked steps. */
    INDArray inputGradient(INDArray[] dx, int features) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, time, features).assign(0);
        FloatBuffer o = floats(out);
        FloatBuffer[] d = floats(dx);
        int w = features + extra;
        for (int r = 0; r < batch; r++) {
            for (int k = 0; k < valid[r].length; k++) {
                long at = at(lane[r], offset[r] + k);
                o.put((r * time + step(r, k)) * features, d[chunkOf(at)], indexOf(at) * w, features);
            }
        }
        return out;
    }

    /**
     * The initial state's gradient (batch, units), a row per lane: chunk 0's ({@code fromFirst},
     * its lanes) for the rows with valid steps, {@code dFinal} (null: zeros) for the others, whose
     * state passed through unchanged.
     */
    INDArray initialGradient(INDArray fromFirst, INDArray dFinal, int units) {
        INDArray out = CallScope.uninitialized(DataType.FLOAT, batch, units);
        FloatBuffer o = floats(out);
        FloatBuffer first = fromFirst == null ? null : floats(dense(fromFirst));
        FloatBuffer fin = dFinal == null ? null : floats(dense(dFinal.castTo(DataType.FLOAT)));
        for (int r = 0; r < batch; r++) {
            int at = r * units;
            if (lane[r] >= 0) {
                o.put(at, first, lane[r] * units, units);
            } else if (fin != null) {
                o.put(at, fin, at, units);
            } else {
                zero(o, at, units);
            }
        }
        return out;
    }

    // ---- helpers --------------------------------------------------------------------------

    /** Copies row r's output at its k-th valid step to {@code to} at {@code at}. */
    private void copyOut(FloatBuffer[] ys, int r, int k, int units, FloatBuffer to, int at) {
        long from = at(lane[r], offset[r] + k);
        to.put(at, ys[chunkOf(from)], indexOf(from) * units, units);
    }

    /** Adds {@code units} values of {@code from} at {@code at} to row r's output gradient at its k-th valid step. */
    private void addIn(FloatBuffer[] d, int r, int k, int units, FloatBuffer from, int at) {
        long where = at(lane[r], offset[r] + k);
        int base = indexOf(where) * units;
        FloatBuffer to = d[chunkOf(where)];
        for (int u = 0; u < units; u++) {
            to.put(base + u, to.get(base + u) + from.get(at + u));
        }
    }

    private static final float[] ZEROS = new float[4096];

    /** Zeros {@code n} values from {@code at}, in bulk copies. */
    private static void zero(FloatBuffer b, int at, int n) {
        for (int done = 0; done < n; done += ZEROS.length) {
            b.put(at + done, ZEROS, 0, Math.min(ZEROS.length, n - done));
        }
    }

    /** The array's values, read and written in place: a dense float32 array from its buffer's start. */
    static FloatBuffer floats(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.offset() != 0 || !OneDnn.rowMajor(a)) {
            throw new IllegalArgumentException("PackedBatch reads dense float32 arrays");
        }
        return a.data().asNioFloat();
    }

    /** The array in float32 as {@link #floats} reads it: itself when it can, else a dense copy. */
    static INDArray dense(INDArray a) {
        return OneDnn.dense(a.castTo(DataType.FLOAT));
    }

    private static FloatBuffer[] floats(INDArray[] arrays) {
        FloatBuffer[] out = new FloatBuffer[arrays.length];
        for (int k = 0; k < arrays.length; k++) {
            out[k] = floats(arrays[k]);
        }
        return out;
    }
}
