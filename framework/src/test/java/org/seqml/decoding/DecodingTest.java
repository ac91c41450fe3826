package org.seqml.decoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A bigram "decoder" where greedy decoding goes astray: from the start, A (0.6) beats B (0.4), but
 * B then ends at once (0.9) while A wanders; the best whole output is [B] (p = 0.36).
 */
class DecodingTest {
    private static final int END = 0;
    private static final int START = 1;
    private static final int A = 2;
    private static final int B = 3;
    private static final INDArray BIGRAM = Nd4j.create(new double[][] {
        {1, 0, 0, 0}, {0, 0, 0.6, 0.4}, {0.3, 0, 0.35, 0.35}, {0.9, 0, 0.05, 0.05}});

    /** Next-token probabilities are the rows of the last tokens; the state counts the steps. */
    private static final DecoderStep STEP = (tokens, states) -> new DecoderStep.Result(
        Nd4j.exec(new Gather(BIGRAM, tokens.castTo(DataType.INT64), 0))[0], new INDArray[] {states[0].add(1)});

    @Test
    void greedyTakesTheLocallyBestTokenAndStopsAtEnd() {
        List<int[]> out = GreedyDecoder.decode(STEP, new INDArray[] {Nd4j.zeros(2, 1)}, START, END, 5);
        assertArrayEquals(new int[] {A, A, A, A, A}, out.get(0), "greedy never reaches the end");
        assertEquals(2, out.size());
    }

    @Test
    void beamSearchFindsTheMostProbableWholeOutput() {
        List<BeamSearch.Hypothesis> best = new BeamSearch(2, 0).decode(STEP, new INDArray[] {Nd4j.zeros(1, 1)},
            START, END, 5);
        assertArrayEquals(new int[] {B}, best.get(0).tokens());
        assertEquals(Math.log(0.36), best.get(0).logProbability(), 1e-9);
        assertTrue(best.size() <= 2);
        double greedy = Math.log(0.6) + 4 * Math.log(0.35);   // [A, A, A, A, A], cut at maxLength
        double narrow = new BeamSearch(1, 0).decode(STEP, new INDArray[] {Nd4j.zeros(1, 1)}, START, END, 5).get(0)
            .logProbability();
        assertTrue(best.get(0).logProbability() >= narrow && narrow >= greedy, "wider beams never do worse");
    }

    /**
     * Two tables, chosen per sequence by its state (0 or 1). In the second, from the start A (0.7)
     * beats the end (0.3), and after A the end (0.35 in all) beats B (0.28): a beam of one finishes
     * [A] with p = 0.35 and stops there.
     */
    private static final INDArray TABLES = Nd4j.concat(0, BIGRAM, Nd4j.create(new double[][] {
        {1, 0, 0, 0}, {0.3, 0, 0.7, 0}, {0.5, 0, 0.1, 0.4}, {0.9, 0, 0.05, 0.05}}));
    private static final DecoderStep CHOSEN = (tokens, states) -> new DecoderStep.Result(
        Nd4j.exec(new Gather(TABLES, tokens.reshape(-1, 1).add(states[0].mul(4)).reshape(-1).castTo(DataType.INT64),
            0))[0], new INDArray[] {states[0].dup()});

    @Test
    void aStoppedSearchReportsItsFinishedOutputsOnly() {
        List<BeamSearch.Hypothesis> best = new BeamSearch(1, 0).decode(CHOSEN, new INDArray[] {Nd4j.ones(1, 1)},
            START, END, 5);
        assertEquals(1, best.size());
        assertArrayEquals(new int[] {A}, best.get(0).tokens());
        assertEquals(Math.log(0.35), best.get(0).logProbability(), 1e-9, "the finished [A], not the live beam [A]");
    }

    @Test
    void aBatchIsSearchedAsEachSequenceAlone() {
        double[] chosen = {0, 1, 0, 1, 1};
        for (int width : new int[] {1, 2, 3}) {
            BeamSearch search = new BeamSearch(width, 0.6);
            List<List<BeamSearch.Hypothesis>> all = search.decodeAll(CHOSEN,
                new INDArray[] {Nd4j.createFromArray(chosen).reshape(chosen.length, 1)}, START, END, 5);
            assertEquals(chosen.length, all.size());
            for (int s = 0; s < chosen.length; s++) {
                List<BeamSearch.Hypothesis> alone = search.decode(CHOSEN,
                    new INDArray[] {Nd4j.createFromArray(chosen[s]).reshape(1, 1)}, START, END, 5);
                assertEquals(alone.size(), all.get(s).size(), "width " + width + ", sequence " + s);
                for (int h = 0; h < alone.size(); h++) {
                    assertArrayEquals(alone.get(h).tokens(), all.get(s).get(h).tokens());
                    assertEquals(alone.get(h).score(), all.get(s).get(h).score(), 1e-12);
                }
            }
            if (width > 1) {
                assertArrayEquals(new int[] {B}, all.get(0).get(0).tokens());   // the tables differ per sequence
            }
            assertArrayEquals(new int[] {A}, all.get(1).get(0).tokens());
        }
    }

    @Test
    void lengthNormalizationIsGnmts() {
        BeamSearch gnmt = new BeamSearch(3, 0.6);
        assertEquals(Math.log(0.2) / Math.pow((5.0 + 7) / 6, 0.6), gnmt.normalized(Math.log(0.2), 7), 1e-12);
        assertEquals(Math.log(0.2), new BeamSearch(3, 0).normalized(Math.log(0.2), 7), 1e-12);
        assertTrue(gnmt.normalized(-3.0, 10) > gnmt.normalized(-3.0, 2), "the same log p over more tokens ranks higher");
    }
}
