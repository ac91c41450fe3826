package org.seqml.examples.compression;

import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Unlabeled mails for distillation, made from the training mails as Tang et al. (2019, "Distilling
 * task-specific knowledge from BERT into simple neural networks") make their transfer set: each
 * copy of a mail has every token replaced by {@code [UNK]} with probability {@code unknown}, and
 * with probability {@code window} is cut to a random stretch of 20-80 % of its tokens. Such a copy
 * may no longer read as its mail's label says (a harmless stretch of a spam mail); the teacher
 * labels it as it reads, which is what the student learns from it.
 *
 * <pre>{@code
 * INDArray transfer = TransferSet.of(trainIds, 2, 0.2, 0.3, 7);
 * distiller.fit(trainIds, trainLabels, transfer, options);
 * }</pre>
 */
public final class TransferSet {
    /** TextVectorization's ids: 0 pads, 1 is [UNK]. */
    private static final int PAD = 0;
    private static final int UNKNOWN = 1;

    private TransferSet() {
    }

    /**
     * {@code copies} augmented copies of each row of {@code ids} ((mails, length) token ids, padded
     * after with 0), copy after copy: (copies * mails, length), in the ids' type.
     */
    public static INDArray of(INDArray ids, int copies, double unknown, double window, long seed) {
        if (ids == null || ids.rank() != 2) {
            throw new IllegalArgumentException("TransferSet.of: ids must be (mails, length) token ids, got "
                + (ids == null ? "null" : java.util.Arrays.toString(ids.shape())));
        }
        if (copies < 1 || !(unknown >= 0 && unknown <= 1) || !(window >= 0 && window <= 1)) {
            throw new IllegalArgumentException("TransferSet.of: copies >= 1 and probabilities in [0, 1], got copies "
                + copies + ", unknown " + unknown + ", window " + window);
        }
        long[][] rows = ids.toLongMatrix();
        int n = rows.length;
        int length = (int) ids.size(1);
        long[][] out = new long[n * copies][length];
        Random random = new Random(seed);
        for (int c = 0; c < copies; c++) {
            for (int i = 0; i < n; i++) {
                long[] row = rows[i];
                int used = 0;
                while (used < length && row[used] != PAD) {
                    used++;
                }
                int from = 0;
                int to = used;
                if (used > 4 && random.nextDouble() < window) {
                    int width = Math.max(2, (int) (used * (0.2 + 0.6 * random.nextDouble())));
                    from = random.nextInt(used - width + 1);
                    to = from + width;
                }
                long[] copy = out[c * n + i];
                for (int k = from; k < to; k++) {
                    copy[k - from] = random.nextDouble() < unknown ? UNKNOWN : row[k];
                }
            }
        }
        return Nd4j.createFromArray(out).castTo(ids.dataType());
    }
}
