package org.seqml.metrics;

import java.util.List;

/**
 * Error rates of sequence outputs against one or more references, accumulated over a test set:
 * <pre>
 * token error rate    = sum of edit distances (to the closest reference) / sum of those references' lengths
 *                       (word error rate over words; phoneme error rate over phonemes)
 * sequence error rate = fraction of outputs that match no reference exactly
 *                       (the "word error rate" of grapheme-to-phoneme: a word is wrong unless its
 *                       whole pronunciation matches one of the dictionary's)
 * </pre>
 * The edit distance is Levenshtein's (insertions, deletions and substitutions cost 1).
 *
 * <pre>{@code
 * ErrorRate phonemes = new ErrorRate();
 * phonemes.add(List.of(List.of("K", "AE1", "T")), List.of("K", "AH0", "T"));
 * phonemes.tokenErrorRate();     // 1/3
 * phonemes.sequenceErrorRate();  // 1.0
 * }</pre>
 */
public final class ErrorRate {
    private long edits;
    private long referenceTokens;
    private long sequences;
    private long wrongSequences;

    /** Adds one output and its acceptable references. */
    public <T> void add(List<List<T>> references, List<T> hypothesis) {
        int best = Integer.MAX_VALUE;
        int bestLength = 0;
        for (List<T> r : references) {
            int d = distance(r, hypothesis);
            if (d < best) {
                best = d;
                bestLength = r.size();
            }
        }
        edits += best;
        referenceTokens += bestLength;
        sequences++;
        if (best != 0) {
            wrongSequences++;
        }
    }

    public double tokenErrorRate() {
        return referenceTokens == 0 ? 0.0 : (double) edits / referenceTokens;
    }

    public double sequenceErrorRate() {
        return sequences == 0 ? 0.0 : (double) wrongSequences / sequences;
    }

    /** Levenshtein distance, two rows of dynamic programming. */
    public static <T> int distance(List<T> a, List<T> b) {
        int[] previous = new int[b.size() + 1];
        int[] current = new int[b.size() + 1];
        for (int j = 0; j <= b.size(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.size(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.size(); j++) {
                int substitution = previous[j - 1] + (a.get(i - 1).equals(b.get(j - 1)) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.size()];
    }
}
