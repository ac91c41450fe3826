package org.seqml.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PadSequencesTest {

    @Test
    void padSequencesFollowsKerasDefaultsAndOptions() {
        List<int[]> seqs = List.of(new int[] {4, 2}, new int[] {7, 1, 9}, new int[] {5});
        assertEquals(Nd4j.createFromArray(new long[][] {{0, 4, 2}, {7, 1, 9}, {0, 0, 5}}), PadSequences.pad(seqs));
        INDArray post = PadSequences.pad(seqs, 2, PadSequences.Side.POST, PadSequences.Side.POST, -1);
        assertEquals(Nd4j.createFromArray(new long[][] {{4, 2}, {7, 1}, {5, -1}}), post);
        INDArray cutFront = PadSequences.pad(seqs, 2, PadSequences.Side.PRE, PadSequences.Side.PRE, 0);
        assertEquals(Nd4j.createFromArray(new long[][] {{4, 2}, {1, 9}, {0, 5}}), cutFront);
    }
}
