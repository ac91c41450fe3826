package org.seqml.examples.seq2seq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.RandomSeed;

class AttentionSeq2SeqTest {

    /**
     * Decoding runs the trained layers one step at a time; fed the same previous tokens, its
     * probabilities must be the training model's, step by step (this checks that the step model
     * carries the decoder's states in the order {@code encode} and {@code next} use).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void steppingThroughTheDecoderGivesTheTrainingModelsProbabilities(boolean inputFeeding) {
        RandomSeed.set(11);
        AttentionSeq2Seq s2s = new AttentionSeq2Seq(9, 7, 5, 4, 0.2, 2, inputFeeding);
        INDArray sources = AttentionSeq2Seq.batchOf(new int[] {1, 4, 8, 2}, new int[] {3, 3, 5, 7});
        INDArray previous = AttentionSeq2Seq.batchOf(new int[] {1, 4, 6}, new int[] {1, 3, 3});
        INDArray taught = s2s.training().predict(new INDArray[] {sources, previous}, 2)[0];

        INDArray[] states = s2s.encode(sources);
        assertEquals(inputFeeding ? 4 : 3, states.length);
        for (int t = 0; t < 3; t++) {
            AttentionSeq2Seq.Next out = s2s.next(previous.getColumn(t).dup(), states);
            INDArray expected = taught.get(NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all());
            assertArrayEquals(expected.toFloatMatrix()[0], out.probabilities().toFloatMatrix()[0], 1e-5f);
            assertArrayEquals(expected.toFloatMatrix()[1], out.probabilities().toFloatMatrix()[1], 1e-5f);
            assertEquals(4, out.attention().size(1));
            assertEquals(1.0, out.attention().getRow(0).sumNumber().doubleValue(), 1e-5);
            assertEquals(states.length, out.states().length);
            states = out.states();
        }
    }
}
