package org.seqml.text;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keras's {@code pad_sequences}: token-id sequences of different lengths into one
 * {@code (samples, maxlen)} array. Keras's defaults: {@code maxlen} the longest sequence, padding
 * and truncating at the start ({@link Side#PRE}), pad value 0.
 *
 * <pre>{@code
 * INDArray x = PadSequences.pad(List.of(new int[] {4, 2}, new int[] {7, 1, 9}));          // [[0 4 2], [7 1 9]]
 * INDArray y = PadSequences.pad(ids, 100, Side.POST, Side.POST, 0);
 * }</pre>
 */
public final class PadSequences {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives, whichever class comes first
    }


    /** Which end gets padded or cut. */
    public enum Side { PRE, POST }

    private PadSequences() {
    }

    /** Pads at the start to the longest sequence, with 0. */
    public static INDArray pad(List<int[]> sequences) {
        return pad(sequences, -1, Side.PRE, Side.PRE, 0);
    }

    /**
     * Pads (or cuts) every sequence to {@code maxlen} ({@code -1}: the longest), padding at
     * {@code padding}, cutting long ones at {@code truncating}, filling with {@code value}.
     */
    public static INDArray pad(List<int[]> sequences, int maxlen, Side padding, Side truncating, int value) {
        if (maxlen == 0 || maxlen < -1) {
            throw new IllegalArgumentException("PadSequences: the length must be positive, or -1 for the longest"
                + " sequence; got " + maxlen);
        }
        int len = maxlen;
        if (len < 0) {
            len = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
        }
        int[] flat = new int[sequences.size() * len];
        java.util.Arrays.fill(flat, value);
        for (int i = 0; i < sequences.size(); i++) {
            int[] s = sequences.get(i);
            int keep = Math.min(s.length, len);
            int from = truncating == Side.PRE ? s.length - keep : 0;
            int to = padding == Side.PRE ? len - keep : 0;
            System.arraycopy(s, from, flat, i * len + to, keep);
        }
        return Nd4j.createFromArray(flat).reshape(sequences.size(), len).castTo(DataType.INT64);
    }
}
