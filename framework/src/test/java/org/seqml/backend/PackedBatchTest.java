package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** How a masked batch is laid out in lanes and chunks, and its inputs and outputs moved there and back. */
class PackedBatchTest {
    /** Rows of these lengths, each padded after its run. */
    private static INDArray mask(int time, int... lengths) {
        INDArray m = Nd4j.zeros(DataType.FLOAT, lengths.length, time);
        for (int r = 0; r < lengths.length; r++) {
            for (int t = 0; t < lengths[r]; t++) {
                m.putScalar(r, t, 1);
            }
        }
        return m;
    }

    @Test
    void shortRowsShareLanesOnlyWhenAllowed() {
        INDArray m = mask(80, 10, 80, 39, 0, 40, 20);
        // first fit, longest first, a reset step before a lane's second row: 80 | 40 + 39 | 20 + 10
        PackedBatch shared = PackedBatch.of(m, false, 32, PackedBatch.Layout.LANES);
        assertEquals(3, shared.lanes());
        PackedBatch own = PackedBatch.of(m, false, 32, PackedBatch.Layout.ROWS);
        assertEquals(5, own.lanes(), "a lane per row with steps (the empty row none)");
        // rows added in eights, at most the batch's 6: one chunk of 6 lanes, 80 steps
        assertArrayEquals(new int[] {6}, own.rows);
        assertArrayEquals(new int[] {80}, own.steps);
        // a few lanes fewer for the rest: one call (48 x 2 lane-steps cost less than a call)
        PackedBatch fine = PackedBatch.of(mask(80, 80, 70, 60, 50, 40, 30, 20, 10, 80, 80), false, 16,
            PackedBatch.Layout.ROWS);
        assertArrayEquals(new int[] {10}, fine.rows);
        assertArrayEquals(new int[] {80}, fine.steps);
        // many lanes fewer for long: the first 16 steps of 8 lanes join (24 x 16 = 384 lane-steps
        // added), the next 16 would pass 512: a call of their own
        int[] lengths = new int[32];
        java.util.Arrays.fill(lengths, 10);
        java.util.Arrays.fill(lengths, 0, 8, 80);
        PackedBatch split = PackedBatch.of(mask(80, lengths), false, 16, PackedBatch.Layout.ROWS);
        assertArrayEquals(new int[] {32, 8}, split.rows);
        assertArrayEquals(new int[] {0, 32}, split.begin);
        assertArrayEquals(new int[] {32, 48}, split.steps);
    }

    @Test
    void exactChunksEndAtEveryRowsEndAndPlainOnesCarryNoExtraFeatures() {
        PackedBatch exact = PackedBatch.of(mask(80, 10, 80, 39, 0, 40, 39), false, 32, PackedBatch.Layout.EXACT);
        assertArrayEquals(new int[] {5, 4, 2, 1}, exact.rows);
        assertArrayEquals(new int[] {0, 10, 39, 40}, exact.begin);
        assertArrayEquals(new int[] {10, 29, 1, 40}, exact.steps);
        INDArray x = Nd4j.ones(DataType.FLOAT, 6, 80, 3);
        assertArrayEquals(new long[] {5, 10, 3}, exact.pack(x)[0].shape());
        assertArrayEquals(new long[] {2, 80, 3}, PackedBatch.of(mask(80, 10, 80), false, 32, PackedBatch.Layout.PLAIN)
            .pack(Nd4j.ones(DataType.FLOAT, 2, 80, 3))[0].shape(), "rows added in eights, at most the batch's 2");
    }

    @Test
    void inputsGoToTheirLanesWithTheCarryAndResetFeatures() {
        INDArray m = mask(6, 2, 6, 3);
        INDArray x = Nd4j.arange(3 * 6).castTo(DataType.FLOAT).reshape(3, 6, 1).addi(1);
        PackedBatch p = PackedBatch.of(m, false, 32, PackedBatch.Layout.LANES);
        INDArray[] in = p.pack(x);
        assertEquals(1, in.length);
        // lane 0: row 1 (6 steps), then 2 past its end (packed to 8 steps); lane 1: row 2, reset, row 0
        float[][] lane0 = {{7, 0, 0}, {8, 0, 0}, {9, 0, 0}, {10, 0, 0}, {11, 0, 0}, {12, 0, 0}, {0, 1, 0}, {0, 1, 0}};
        float[][] lane1 = {{13, 0, 0}, {14, 0, 0}, {15, 0, 0}, {0, 0, 1}, {1, 0, 0}, {2, 0, 0}, {0, 1, 0}, {0, 1, 0}};
        // and a third lane, all carry: lanes are added in eights, up to the batch's 3
        assertArrayEquals(new long[] {3, 8, 3}, in[0].shape());
        for (int j = 0; j < 8; j++) {
            assertArrayEquals(lane0[j], in[0].slice(0).getRow(j).toFloatVector(), "lane 0 step " + j);
            assertArrayEquals(lane1[j], in[0].slice(1).getRow(j).toFloatVector(), "lane 1 step " + j);
            assertArrayEquals(new float[] {0, 1, 0}, in[0].slice(2).getRow(j).toFloatVector(), "lane 2 step " + j);
        }
        // the outputs come back to their rows: y = the packed input's first feature
        INDArray y = in[0].get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
            org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup('c');
        INDArray seq = p.sequence(new INDArray[] {y}, 1, false);
        assertArrayEquals(new float[] {1, 2, 2, 2, 2, 2}, seq.slice(0).toFloatVector());
        assertArrayEquals(new float[] {7, 8, 9, 10, 11, 12}, seq.slice(1).toFloatVector());
        assertArrayEquals(new float[] {13, 14, 15, 0, 0, 0}, p.sequence(new INDArray[] {y}, 1, true).slice(2)
            .toFloatVector());
    }

    @Test
    void holesArePackedAwayAndGoBackwardsReversesEachRow() {
        INDArray m = Nd4j.createFromArray(new float[][] {{0, 1, 1, 0, 1, 0}});
        INDArray x = Nd4j.arange(6).castTo(DataType.FLOAT).reshape(1, 6, 1);
        INDArray[] forward = PackedBatch.of(m, false, 32, PackedBatch.Layout.ROWS).pack(x);
        assertArrayEquals(new float[] {1, 2, 4}, java.util.Arrays.copyOf(forward[0].reshape(8, 3).getColumn(0)
            .toFloatVector(), 3));
        INDArray[] backward = PackedBatch.of(m, true, 32, PackedBatch.Layout.ROWS).pack(x);
        assertArrayEquals(new float[] {4, 2, 1}, java.util.Arrays.copyOf(backward[0].reshape(8, 3).getColumn(0)
            .toFloatVector(), 3));
        assertNull(PackedBatch.of(Nd4j.createFromArray(new float[][] {{1, 0.5f}}), false, 32, PackedBatch.Layout.ROWS));
    }

    @Test
    void outputsComeBackFromSeveralChunksWithHolesPrePaddingAndReversal() {
        int time = 80;
        int batch = 32;
        float[][] m = new float[batch][time];
        for (int r = 0; r < batch; r++) {
            int length = r < 8 ? time : 10;
            for (int t = 0; t < length; t++) {
                m[r][r == 3 ? time - 1 - t : t] = 1;   // row 3 padded before its steps
            }
        }
        m[0][40] = 0;   // holes: a run broken inside a chunk, and at a chunk's edge
        m[1][31] = 0;
        m[1][32] = 0;
        INDArray mask = Nd4j.createFromArray(m);
        INDArray x = Nd4j.arange(batch * time).castTo(DataType.FLOAT).reshape(batch, time, 1).addi(1);
        for (boolean reverse : new boolean[] {false, true}) {
            PackedBatch p = PackedBatch.of(mask, reverse, 16, PackedBatch.Layout.ROWS);
            assertEquals(2, p.chunks(), "the long rows go on in a chunk of their own");
            INDArray[] in = p.pack(x);
            INDArray[] y = new INDArray[in.length];
            for (int c = 0; c < in.length; c++) {   // an identity kernel: each step's output is its input
                y[c] = in[c].get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup('c');
            }
            for (boolean zeroAfter : new boolean[] {false, true}) {
                INDArray seq = p.sequence(y, 1, zeroAfter);
                for (int r = 0; r < batch; r++) {
                    float[] expected = new float[time];
                    float last = 0;
                    for (int q = 0; q < time; q++) {   // processing order
                        int t = reverse ? time - 1 - q : q;
                        boolean valid = m[r][t] == 1;
                        last = valid ? x.getFloat(r, t, 0) : last;
                        expected[q] = valid || !zeroAfter ? last : 0;
                    }
                    assertArrayEquals(expected, seq.slice(r).toFloatVector(),
                        "row " + r + (reverse ? ", reversed" : "") + (zeroAfter ? ", zeros after" : ""));
                }
            }
        }
    }
}
