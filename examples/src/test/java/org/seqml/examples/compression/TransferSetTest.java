package org.seqml.examples.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TransferSetTest {
    private static final INDArray IDS = Nd4j.createFromArray(new long[][] {
        {5, 6, 7, 8, 9, 10, 11, 12, 0, 0}, {20, 21, 22, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}})
        .castTo(DataType.INT32);

    @Test
    void withoutChangesTheCopiesAreTheMails() {
        INDArray copies = TransferSet.of(IDS, 2, 0, 0, 1);
        assertEquals(DataType.INT32, copies.dataType());
        assertEquals(IDS, copies.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3),
            org.nd4j.linalg.indexing.NDArrayIndex.all()));
        assertEquals(IDS, copies.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 6),
            org.nd4j.linalg.indexing.NDArrayIndex.all()));
    }

    @Test
    void eachCopyIsAStretchOfItsMailWithSomeTokensUnknownAndPaddedAfter() {
        long[][] mails = IDS.toLongMatrix();
        long[][] copies = TransferSet.of(IDS, 50, 0.3, 1, 7).toLongMatrix();
        int unknown = 0;
        int tokens = 0;
        for (int k = 0; k < copies.length; k++) {
            long[] mail = mails[k % 3];
            long[] copy = copies[k];
            int used = 0;
            while (used < copy.length && copy[used] != 0) {
                used++;
            }
            for (int j = used; j < copy.length; j++) {
                assertEquals(0, copy[j], "padding after the tokens, copy " + k);
            }
            // the copy's tokens are mail[from .. from + used), each kept or [UNK]
            boolean found = used == 0;
            for (int from = 0; from + used <= mail.length && !found; from++) {
                boolean fits = true;
                for (int j = 0; j < used && fits; j++) {
                    fits = mail[from + j] != 0 && (copy[j] == 1 || copy[j] == mail[from + j]);
                }
                found = fits;
            }
            assertTrue(found, "copy " + k + " is a stretch of its mail");
            if (k % 3 == 0) {
                assertTrue(used >= 2 && used <= 8 * 0.8 + 1, "a window of 20-80 %: " + used);
            }
            for (int j = 0; j < used; j++) {
                unknown += copy[j] == 1 ? 1 : 0;
            }
            tokens += used;
        }
        assertEquals(0.3, unknown / (double) tokens, 0.1, "the share of [UNK]");
        assertEquals(TransferSet.of(IDS, 3, 0.3, 0.5, 9), TransferSet.of(IDS, 3, 0.3, 0.5, 9), "the seed decides");
        assertThrows(IllegalArgumentException.class, () -> TransferSet.of(IDS, 0, 0.1, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> TransferSet.of(IDS.reshape(3, 10, 1), 1, 0.1, 0.1, 1));
    }
}
