package org.seqml.backend;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keras's default GRU ({@code reset_after}, tanh and sigmoid) in int8, for which oneDNN 2.5.2 has no
 * int8 kernel: the input product of every step at once and each step's recurrent product on
 * {@link Int8Matmul} (int8 weights, a scale per gate column; the state quantized with range 1, as
 * tanh bounds it), the gate math in Java over the whole batch:
 * <pre>
 * xz = x W + [b_in_z + b_rec_z, b_in_r + b_rec_r, b_in_h]      (T*B, 3U), once
 * hz = h U                                                      (B, 3U), each step, int8
 * z  = sigmoid(xz_z + hz_z)      r = sigmoid(xz_r + hz_r)
 * hh = tanh(xz_h + r (hz_h + b_rec_h))
 * h  = z h + (1 - z) hh
 * </pre>
 * The sigmoid is evaluated as {@code 1 / (1 + e^-v)} with {@code e^-v} from a degree-6 Taylor
 * polynomial at {@code -v / 64} squared six times, which Java's compiler vectorizes (a call of
 * {@code Math.exp} per element took ten times as long); its error stays below 2e-6 (tanh, as
 * {@code 2 sigmoid(2v) - 1}, below 4e-6), far inside the int8 products' own. The layer's loop with
 * the same int8 products ({@code LoopInt8}) is the reference; this replaced its dozen ND4J
 * operations and two layout changes per step.
 */
final class Int8GruLoop {
    private Int8GruLoop() {
    }

    /**
     * The quantized layer: its products, its inputs' range, and its bias as the steps add it: the
     * input product's (3U: Keras's input row, with the recurrent row's z and r parts folded in) and
     * the candidate's recurrent part (U), zeros without a bias.
     */
    record Weights(Int8Matmul kernel, Int8Matmul recurrent, double inputRange, float[] inputBias,
                   float[] recurrentBiasH) {
        /** From the layer's bias (2, 3U) in Keras's layout, or null. */
        static Weights of(Int8Matmul kernel, Int8Matmul recurrent, double inputRange, INDArray bias) {
            int u = (int) recurrent.inputs();
            float[] in = new float[3 * u];
            float[] candidate = new float[u];
            if (bias != null) {
                float[] input = bias.getRow(0).toFloatVector();
                float[] rec = bias.getRow(1).toFloatVector();
                for (int j = 0; j < 3 * u; j++) {
                    in[j] = input[j] + (j < 2 * u ? rec[j] : 0f);
                }
                System.arraycopy(rec, 2 * u, candidate, 0, u);
            }
            return new Weights(kernel, recurrent, inputRange, in, candidate);
        }

        int units() {
            return recurrentBiasH.length;
        }
    }

    /**
     * Runs {@code x} (batch, time, in) from {@code h0} (batch, units; null for zeros), right to left
     * when {@code reverse}: {y (batch, time, units) aligned with the input steps, the final h}.
     */
    static INDArray[] forward(Weights w, INDArray x, INDArray h0, boolean reverse) {
        int b = (int) x.size(0);
        int t = (int) x.size(1);
        int u = w.units();
        int width = 3 * u;
        INDArray xz = CallScope.uninitialized(DataType.FLOAT, (long) b * t, width);
        w.kernel().multiply(OneDnn.dense(x.castTo(DataType.FLOAT)).reshape((long) b * t, x.size(2)), w.inputRange(),
            xz, false);
        xz.addiRowVector(Nd4j.createFromArray(w.inputBias()));
        FloatBuffer inputs = PackedBatch.floats(xz);
        float[] h = new float[b * u];
        if (h0 != null) {
            PackedBatch.floats(PackedBatch.dense(h0)).get(0, h);
        }
        INDArray hz = CallScope.uninitialized(DataType.FLOAT, b, width);
        FloatBuffer hzOut = PackedBatch.floats(hz);
        INDArray y = CallScope.uninitialized(DataType.FLOAT, b, t, u);
        FloatBuffer out = PackedBatch.floats(y);
        float[] xs = new float[b * width];
        float[] hs = new float[b * width];
        float[] z = new float[b * u];
        float[] reset = new float[b * u];
        float[] candidate = new float[b * u];
        OneDnn.run(() -> {   // the steps' products run on these threads, without asking again
            for (int s = 0; s < t; s++) {
                int step = reverse ? t - 1 - s : s;
                w.recurrent().multiplyRows(h, b, 1, hz);
                hzOut.get(0, hs);
                for (int r = 0; r < b; r++) {
                    inputs.get((r * t + step) * width, xs, r * width, width);
                }
                step(xs, hs, w.recurrentBiasH(), h, b, u, z, reset, candidate);
                for (int r = 0; r < b; r++) {
                    out.put((r * t + step) * u, h, r * u, u);
                }
            }
        });
        return new INDArray[] {y, Nd4j.createFromArray(h).reshape(b, u)};
    }

    /**
     * One step's gates for every row: h (rows, units) from the input and recurrent products (rows,
     * 3U); {@code z}, {@code reset} and {@code candidate} are scratch of h's size. The gates are
     * gathered by row, then each function runs over the whole batch in one loop, which Java's
     * compiler vectorizes (a loop per row and gate took half as long again).
     */
    static void step(float[] xs, float[] hs, float[] recurrentBiasH, float[] h, int rows, int u, float[] z,
                     float[] reset, float[] candidate) {
        int width = 3 * u;
        int n = rows * u;
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            int at = r * u;
            for (int j = 0; j < u; j++) {
                z[at + j] = xs[o + j] + hs[o + j];
            }
            for (int j = 0; j < u; j++) {
                reset[at + j] = xs[o + u + j] + hs[o + u + j];
            }
        }
        for (int i = 0; i < n; i++) {
            z[i] = sigmoid(z[i]);
        }
        for (int i = 0; i < n; i++) {
            reset[i] = sigmoid(reset[i]);
        }
        for (int r = 0; r < rows; r++) {
            int o = r * width + 2 * u;
            int at = r * u;
            for (int j = 0; j < u; j++) {
                candidate[at + j] = xs[o + j] + reset[at + j] * (hs[o + j] + recurrentBiasH[j]);
            }
        }
        for (int i = 0; i < n; i++) {   // tanh(v) = 2 sigmoid(2 v) - 1
            candidate[i] = 2 * sigmoid(2 * candidate[i]) - 1;
        }
        for (int i = 0; i < n; i++) {
            h[i] = z[i] * h[i] + (1 - z[i]) * candidate[i];
        }
    }

    /** 1 / (1 + e^-v), e^-v as (p(-v / 64))^64 with p e's Taylor polynomial of degree 6 (see the class). */
    static float sigmoid(float v) {
        float a = Math.max(-40f, Math.min(40f, -v)) * (1f / 64);
        float e = 1f + a * (1f + a * (1f / 2 + a * (1f / 6 + a * (1f / 24 + a * (1f / 120 + a * (1f / 720))))));
        e *= e;
        e *= e;
        e *= e;
        e *= e;
        e *= e;
        e *= e;
        return 1f / (1f + e);
    }
}
