package org.seqml.decoding;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Beam search for one sequence: keeps the {@code beamWidth} most probable partial outputs, all
 * advanced together as one batch, and finishes those that emit the end token. Finished outputs
 * are ranked by log-probability normalized by length, as in GNMT (Wu et al. 2016):
 * <pre>
 * score = log p(y) / lp(y),   lp(y) = ((5 + |y|) / 6)^alpha        (alpha 0: no normalization)
 * </pre>
 *
 * <pre>{@code
 * List<BeamSearch.Hypothesis> best = new BeamSearch(5, 0.6).decode(step, encoderStates, START, END, 30);
 * int[] translation = best.get(0).tokens();
 * }</pre>
 */
public final class BeamSearch {

    /** A finished output: its tokens (without start and end) and its normalized score. */
    public record Hypothesis(int[] tokens, double logProbability, double score) {
    }

    private final int beamWidth;
    private final double alpha;

    public BeamSearch(int beamWidth, double alpha) {
        if (beamWidth < 1) {
            throw new IllegalArgumentException("BeamSearch: beamWidth must be >= 1, got " + beamWidth);
        }
        this.beamWidth = beamWidth;
        this.alpha = alpha;
    }

    double normalized(double logP, int length) {
        return alpha == 0 ? logP : logP / Math.pow((5.0 + length) / 6.0, alpha);
    }

    /**
     * Decodes one sequence from {@code initialStates} (batch 1); returns the finished hypotheses,
     * best first (at most beamWidth; unfinished beams count as finished at maxLength).
     */
    public List<Hypothesis> decode(DecoderStep step, INDArray[] initialStates, int startToken, int endToken,
                                   int maxLength) {
        if (initialStates[0].size(0) != 1) {
            throw new IllegalArgumentException("BeamSearch decodes one sequence at a time; got states for a batch of "
                + initialStates[0].size(0) + ".");
        }
        List<int[]> beams = new ArrayList<>(List.of(new int[0]));
        double[] scores = {0.0};
        INDArray tokens = Nd4j.valueArrayOf(new long[] {1}, startToken, DataType.FLOAT);
        INDArray[] states = initialStates;
        List<Hypothesis> finished = new ArrayList<>();
        for (int t = 0; t < maxLength && !beams.isEmpty(); t++) {
            DecoderStep.Result r = step.next(tokens, states);
            long vocabulary = r.probabilities().size(1);
            // total log-probability of every (beam, next token) pair, ranked in one sort
            INDArray logP = Transforms.log(Transforms.max(r.probabilities().castTo(DataType.DOUBLE), 1e-30, true), false);
            logP.addiColumnVector(Nd4j.createFromArray(scores).reshape(scores.length, 1));
            INDArray[] sorted = Nd4j.sortWithIndices(logP.reshape(logP.length()).dup(), 0, false);
            long[] order = sorted[0].toLongVector();
            List<int[]> nextBeams = new ArrayList<>();
            List<Double> nextScores = new ArrayList<>();
            List<Integer> origins = new ArrayList<>();
            for (int c = 0; c < order.length && nextBeams.size() < beamWidth
                && finished.size() + nextBeams.size() < 2 * beamWidth; c++) {
                int beam = (int) (order[c] / vocabulary);
                int token = (int) (order[c] % vocabulary);
                double total = sorted[1].getDouble(c);
                int[] prefix = beams.get(beam);
                if (token == endToken) {
                    finished.add(new Hypothesis(prefix, total, normalized(total, prefix.length + 1)));
                } else {
                    int[] extended = java.util.Arrays.copyOf(prefix, prefix.length + 1);
                    extended[prefix.length] = token;
                    nextBeams.add(extended);
                    nextScores.add(total);
                    origins.add(beam);
                }
            }
            if (finished.size() >= beamWidth && (nextScores.isEmpty()
                || bestFinished(finished) >= normalized(nextScores.get(0), maxLength))) {
                break;   // no live beam can still beat the finished ones
            }
            beams = nextBeams;
            scores = nextScores.stream().mapToDouble(Double::doubleValue).toArray();
            INDArray from = Nd4j.createFromArray(origins.stream().mapToLong(Integer::longValue).toArray());
            states = gather(r.states(), from);
            tokens = Nd4j.createFromArray(beams.stream().mapToDouble(b -> b[b.length - 1]).toArray())
                .castTo(DataType.FLOAT);
        }
        for (int i = 0; i < beams.size(); i++) {
            finished.add(new Hypothesis(beams.get(i), scores[i], normalized(scores[i], beams.get(i).length)));
        }
        finished.sort(Comparator.comparingDouble(Hypothesis::score).reversed());
        return finished.subList(0, Math.min(beamWidth, finished.size()));
    }

    private static double bestFinished(List<Hypothesis> finished) {
        return finished.stream().mapToDouble(Hypothesis::score).max().orElse(Double.NEGATIVE_INFINITY);
    }

    /** Each state's rows for the surviving beams' origins. */
    private static INDArray[] gather(INDArray[] states, INDArray rows) {
        INDArray[] out = new INDArray[states.length];
        for (int k = 0; k < states.length; k++) {
            out[k] = Nd4j.exec(new Gather(states[k], rows, 0))[0];
        }
        return out;
    }
}
