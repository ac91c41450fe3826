package org.seqml.decoding;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Greedy decoding: at each step every sequence of the batch takes its most probable next token,
 * until it emits {@code endToken} or reaches {@code maxLength}.
 *
 * <pre>{@code
 * List<int[]> outputs = GreedyDecoder.decode(step, encoderStates, START, END, 30);
 * }</pre>
 */
public final class GreedyDecoder {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives, whichever class comes first
    }

    private GreedyDecoder() {
    }

    /** The decoded token ids of each sequence (without start and end tokens). */
    public static List<int[]> decode(DecoderStep step, INDArray[] initialStates, int startToken, int endToken,
                                     int maxLength) {
        int batch = (int) initialStates[0].size(0);
        INDArray tokens = Nd4j.valueArrayOf(new long[] {batch}, startToken, DataType.FLOAT);
        INDArray[] states = initialStates;
        List<List<Integer>> out = new ArrayList<>();
        boolean[] done = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            out.add(new ArrayList<>());
        }
        for (int t = 0; t < maxLength; t++) {
            DecoderStep.Result r = step.next(tokens, states);
            INDArray best = r.probabilities().argMax(1);
            int[] ids = best.toIntVector();
            boolean all = true;
            for (int b = 0; b < batch; b++) {
                if (!done[b]) {
                    if (ids[b] == endToken) {
                        done[b] = true;
                    } else {
                        out.get(b).add(ids[b]);
                    }
                }
                all &= done[b];
            }
            if (all) {
                break;
            }
            tokens = best.castTo(DataType.FLOAT);
            states = r.states();
        }
        List<int[]> result = new ArrayList<>();
        for (List<Integer> seq : out) {
            result.add(seq.stream().mapToInt(Integer::intValue).toArray());
        }
        return result;
    }
}
