package org.seqml.backend;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Masked mean and max over the time axis of a {@code (batch, time, features)} float32 sequence,
 * forward and backward, in one pass over the values each. ND4J's route (broadcast the mask, multiply,
 * reduce over the middle axis; argmax, one-hot, permute, multiply, reduce) took 25 and 41 ms for the
 * spam classifier's (64, 200, 64) batch; the global pooling layers call this for float32 input and
 * keep ND4J's route for the rest (float64), which tests compare this one with.
 * <pre>
 * mean[b, f] = sum_t m[b, t] x[b, t, f] / max(1, sum_t m[b, t])
 * max[b, f]  = x[b, t*, f],  t* = the first t with m[b, t] = 1 of largest x[b, t, f] (t* = 0 when none)
 * </pre>
 * The loops read a step's features into a Java array first: C2 runs the sum and the max over an
 * array in vector registers, and element by element over a direct buffer.
 */
public final class TimePooling {
    private TimePooling() {
    }

    /** Whether this path takes the input: float32 (its mask any type, or none). */
    public static boolean takes(INDArray x) {
        return x.dataType() == DataType.FLOAT && x.rank() == 3;
    }

    /** {mean (batch, features), count (batch, 1): the valid steps per row, at least 1}. */
    public static INDArray[] mean(INDArray x, INDArray mask) {
        int b = (int) x.size(0);
        int t = (int) x.size(1);
        int f = (int) x.size(2);
        FloatBuffer in = PackedBatch.floats(PackedBatch.dense(x));
        float[] m = weights(mask, b, t);
        INDArray y = Nd4j.create(DataType.FLOAT, b, f);
        float[] counts = new float[b];
        float[] out = new float[b * f];
        float[] sum = new float[f];
        float[] step = new float[f];
        for (int r = 0; r < b; r++) {
            java.util.Arrays.fill(sum, 0f);
            float n = 0;
            for (int s = 0; s < t; s++) {
                float w = m[r * t + s];
                if (w == 0) {
                    continue;
                }
                n += w;
                // a step's features into an array, where the loop below runs in vector registers
                in.get((r * t + s) * f, step, 0, f);
                for (int c = 0; c < f; c++) {
                    sum[c] += w * step[c];
                }
            }
            float div = n == 0 ? 1 : n;
            for (int c = 0; c < f; c++) {
                out[r * f + c] = sum[c] / div;
            }
            counts[r] = div;
        }
        y.data().asNioFloat().put(out);
        return new INDArray[] {y, Nd4j.createFromArray(counts).reshape(b, 1)};
    }

    /** The mean's input gradient: dx[b, t, :] = m[b, t] dy[b, :] / count[b]. */
    public static INDArray meanBackward(INDArray dy, INDArray mask, INDArray count, long time) {
        int b = (int) dy.size(0);
        int f = (int) dy.size(1);
        int t = (int) time;
        FloatBuffer g = PackedBatch.floats(PackedBatch.dense(dy));
        float[] m = weights(mask, b, t);
        float[] n = count.castTo(DataType.FLOAT).dup('c').data().asFloat();
        INDArray dx = Nd4j.create(DataType.FLOAT, b, t, f);
        FloatBuffer out = dx.data().asNioFloat();
        for (int r = 0; r < b; r++) {
            for (int s = 0; s < t; s++) {
                float w = m[r * t + s] / n[r];
                int at = (r * t + s) * f;
                for (int c = 0; c < f; c++) {
                    out.put(at + c, w * g.get(r * f + c));
                }
            }
        }
        return dx;
    }

    /**
     * {max (batch, features), the winning steps (batch, features) as int32, or null unless
     * {@code winners}: only the backward reads them, and finding them costs a second pass).
     */
    public static INDArray[] max(INDArray x, INDArray mask, boolean winners) {
        int b = (int) x.size(0);
        int t = (int) x.size(1);
        int f = (int) x.size(2);
        FloatBuffer in = PackedBatch.floats(PackedBatch.dense(x));
        float[] m = weights(mask, b, t);
        INDArray y = Nd4j.create(DataType.FLOAT, b, f);
        float[] out = new float[b * f];
        float[] best = new float[f];
        float[] step = new float[f];
        for (int r = 0; r < b; r++) {
            java.util.Arrays.fill(best, Float.NEGATIVE_INFINITY);
            boolean any = false;
            for (int s = 0; s < t; s++) {
                if (m[r * t + s] == 0) {
                    continue;
                }
                any = true;
                in.get((r * t + s) * f, step, 0, f);
                for (int c = 0; c < f; c++) {
                    best[c] = Math.max(best[c], step[c]);
                }
            }
            if (!any) {
                in.get(r * t * f, best, 0, f);   // no valid step: the first, as the offset route picks
            }
            System.arraycopy(best, 0, out, r * f, f);
        }
        y.data().asNioFloat().put(out);
        return new INDArray[] {y, winners ? winners(in, m, out, b, t, f) : null};
    }

    /** The winning steps of {@link #max}'s result for {@code x} and its mask (for a backward after an inference pass). */
    public static INDArray winners(INDArray x, INDArray mask, INDArray max) {
        int b = (int) x.size(0);
        int t = (int) x.size(1);
        int f = (int) x.size(2);
        return winners(PackedBatch.floats(PackedBatch.dense(x)), weights(mask, b, t),
            max.castTo(DataType.FLOAT).dup('c').data().asFloat(), b, t, f);
    }

    /** Per row and feature, the first valid step holding the max (0 when none does, as a row without valid steps). */
    private static INDArray winners(FloatBuffer in, float[] m, float[] max, int b, int t, int f) {
        int[] winners = new int[b * f];
        float[] step = new float[f];
        for (int r = 0; r < b; r++) {
            int first = r * f;
            java.util.Arrays.fill(winners, first, first + f, -1);
            int open = f;
            for (int s = 0; s < t && open > 0; s++) {
                if (m[r * t + s] == 0) {
                    continue;
                }
                in.get((r * t + s) * f, step, 0, f);
                for (int c = 0; c < f; c++) {
                    if (winners[first + c] < 0 && step[c] == max[first + c]) {
                        winners[first + c] = s;
                        open--;
                    }
                }
            }
            for (int c = 0; c < f; c++) {
                winners[first + c] = Math.max(0, winners[first + c]);
            }
        }
        return Nd4j.createFromArray(winners).reshape(b, f);
    }

    /** The max's input gradient: dy[b, f] at (b, winner[b, f], f), zeros elsewhere. */
    public static INDArray maxBackward(INDArray dy, INDArray winners, long time) {
        int b = (int) dy.size(0);
        int f = (int) dy.size(1);
        int t = (int) time;
        FloatBuffer g = PackedBatch.floats(PackedBatch.dense(dy));
        int[] w = winners.reshape(winners.length()).toIntVector();
        INDArray dx = Nd4j.zeros(DataType.FLOAT, b, t, f);
        FloatBuffer out = dx.data().asNioFloat();
        for (int r = 0; r < b; r++) {
            for (int c = 0; c < f; c++) {
                out.put((r * t + w[r * f + c]) * f + c, g.get(r * f + c));
            }
        }
        return dx;
    }

    /** The mask as (batch * time) floats, ones for none. */
    private static float[] weights(INDArray mask, int b, int t) {
        if (mask == null) {
            float[] ones = new float[b * t];
            java.util.Arrays.fill(ones, 1f);
            return ones;
        }
        return mask.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }
}
