package org.seqml.decoding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Ops;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Beam search: keeps each sequence's {@code beamWidth} most probable partial outputs and finishes
 * those that emit the end token. Finished outputs are ranked by log-probability normalized by
 * length, as in GNMT (Wu et al. 2016):
 * <pre>
 * score = log p(y) / lp(y),   lp(y) = ((5 + |y|) / 6)^alpha        (alpha 0: no normalization)
 * </pre>
 * A sequence stops when it has {@code beamWidth} finished outputs and none of its live beams can
 * still beat the best of them; at {@code maxLength} its live beams count as finished.
 * {@link #decodeAll} searches a whole batch of sequences at once: every live beam of every
 * sequence is one row of a single decoder call per step (decoding G2P's 12k test words one at a
 * time made 30 calls a word).
 *
 * <pre>{@code
 * List<BeamSearch.Hypothesis> best = new BeamSearch(5, 0.6).decode(step, encoderStates, START, END, 30);
 * int[] translation = best.get(0).tokens();
 * }</pre>
 */
public final class BeamSearch {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives, whichever class comes first
    }


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
     * best first (at most beamWidth).
     */
    public List<Hypothesis> decode(DecoderStep step, INDArray[] initialStates, int startToken, int endToken,
                                   int maxLength) {
        if (initialStates[0].size(0) != 1) {
            throw new IllegalArgumentException("BeamSearch.decode searches one sequence; got states for a batch of "
                + initialStates[0].size(0) + " (use decodeAll).");
        }
        return decodeAll(step, initialStates, startToken, endToken, maxLength).get(0);
    }

    /**
     * Decodes every sequence of the batch in {@code initialStates}; returns each one's finished
     * hypotheses, best first (at most beamWidth), in the batch's order.
     */
    public List<List<Hypothesis>> decodeAll(DecoderStep step, INDArray[] initialStates, int startToken, int endToken,
                                            int maxLength) {
        int batch = (int) initialStates[0].size(0);
        List<Search> searches = new ArrayList<>();
        for (int s = 0; s < batch; s++) {
            searches.add(new Search());
        }
        List<Search> live = new ArrayList<>(searches);
        INDArray tokens = Nd4j.valueArrayOf(new long[] {batch}, startToken, DataType.FLOAT);
        INDArray[] states = initialStates;
        for (int t = 0; t < maxLength && !live.isEmpty(); t++) {
            DecoderStep.Result r = step.next(tokens, states);
            // each row's best 2 * beamWidth continuations: a sequence keeps at most that many
            // candidates, and any of its overall best is among its own row's best
            INDArray logP = Transforms.log(Transforms.max(r.probabilities().castTo(DataType.DOUBLE), 1e-30, true), false);
            int k = (int) Math.min(2L * beamWidth, logP.size(1));
            INDArray[] top = Ops.topK(logP, k);
            double[][] values = top[0].toDoubleMatrix();
            int[][] ids = top[1].toIntMatrix();
            List<Long> origins = new ArrayList<>();
            List<Float> nextTokens = new ArrayList<>();
            List<Search> stillLive = new ArrayList<>();
            int row = 0;
            for (Search s : live) {
                int rows = s.beams.size();
                s.advance(Arrays.copyOfRange(values, row, row + rows), Arrays.copyOfRange(ids, row, row + rows),
                    endToken, maxLength);
                for (int b = 0; b < s.beams.size(); b++) {
                    origins.add((long) row + s.origins[b]);
                    int[] beam = s.beams.get(b);
                    nextTokens.add((float) beam[beam.length - 1]);
                }
                if (!s.beams.isEmpty()) {
                    stillLive.add(s);
                }
                row += rows;
            }
            live = stillLive;
            if (live.isEmpty()) {
                break;
            }
            states = gather(r.states(), Nd4j.createFromArray(origins.toArray(Long[]::new)));
            float[] next = new float[nextTokens.size()];
            for (int i = 0; i < next.length; i++) {
                next[i] = nextTokens.get(i);
            }
            tokens = Nd4j.createFromArray(next);
        }
        List<List<Hypothesis>> out = new ArrayList<>();
        for (Search s : searches) {
            out.add(s.result());
        }
        return out;
    }

    /** One sequence's beams, their scores and finished outputs. */
    private final class Search {
        List<int[]> beams = new ArrayList<>(List.of(new int[0]));
        double[] scores = {0.0};
        int[] origins = {0};
        final List<Hypothesis> finished = new ArrayList<>();

        /**
         * One step from each beam's best continuations (values: their log-probabilities, best
         * first); afterwards {@code beams} holds the survivors (empty when the search is over) and
         * {@code origins} the beam each came from.
         */
        void advance(double[][] values, int[][] ids, int endToken, int maxLength) {
            List<double[]> candidates = new ArrayList<>();   // {total, beam, token}
            for (int b = 0; b < values.length; b++) {
                for (int j = 0; j < values[b].length; j++) {
                    candidates.add(new double[] {scores[b] + values[b][j], b, ids[b][j]});
                }
            }
            candidates.sort(Comparator.comparingDouble((double[] c) -> c[0]).reversed());
            List<int[]> nextBeams = new ArrayList<>();
            List<Double> nextScores = new ArrayList<>();
            List<Integer> nextOrigins = new ArrayList<>();
            for (int c = 0; c < candidates.size() && nextBeams.size() < beamWidth
                && finished.size() + nextBeams.size() < 2 * beamWidth; c++) {
                double total = candidates.get(c)[0];
                int beam = (int) candidates.get(c)[1];
                int token = (int) candidates.get(c)[2];
                int[] prefix = beams.get(beam);
                if (token == endToken) {
                    finished.add(new Hypothesis(prefix, total, normalized(total, prefix.length + 1)));
                } else {
                    int[] extended = Arrays.copyOf(prefix, prefix.length + 1);
                    extended[prefix.length] = token;
                    nextBeams.add(extended);
                    nextScores.add(total);
                    nextOrigins.add(beam);
                }
            }
            boolean beaten = finished.size() >= beamWidth && (nextScores.isEmpty()
                || bestFinished() >= normalized(nextScores.get(0), maxLength));
            // no live beam can still beat the finished ones: they are dropped, not counted as finished
            beams = beaten ? List.of() : nextBeams;
            scores = beaten ? new double[0] : nextScores.stream().mapToDouble(Double::doubleValue).toArray();
            origins = beaten ? new int[0] : nextOrigins.stream().mapToInt(Integer::intValue).toArray();
        }

        private double bestFinished() {
            return finished.stream().mapToDouble(Hypothesis::score).max().orElse(Double.NEGATIVE_INFINITY);
        }

        /** The finished outputs, with live beams (cut at maxLength) counting as finished; best first. */
        List<Hypothesis> result() {
            List<Hypothesis> all = new ArrayList<>(finished);
            for (int i = 0; i < beams.size(); i++) {
                all.add(new Hypothesis(beams.get(i), scores[i], normalized(scores[i], beams.get(i).length)));
            }
            all.sort(Comparator.comparingDouble(Hypothesis::score).reversed());
            return all.subList(0, Math.min(beamWidth, all.size()));
        }
    }

    /** Each state's rows for the surviving beams' origins. */
    private static INDArray[] gather(INDArray[] states, INDArray rows) {
        INDArray[] out = new INDArray[states.length];
        for (int k = 0; k < states.length; k++) {
            out[k] = Ops.gather(states[k], rows, 0);
        }
        return out;
    }
}
