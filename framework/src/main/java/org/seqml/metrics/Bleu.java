package org.seqml.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU (Papineni et al. 2002), accumulated sentence by sentence:
 * <pre>
 * p_n  = sum over sentences of n-gram matches clipped by the reference counts
 *        / sum of the hypotheses' n-grams,                 n = 1..maxOrder (4)
 * BP   = 1 if c > r else exp(1 - r / c)     c: hypothesis length, r: closest reference length (summed)
 * BLEU = BP * exp(mean_n log p_n)           (0 when some p_n is 0; no smoothing)
 * </pre>
 *
 * <pre>{@code
 * Bleu bleu = new Bleu();
 * bleu.add(List.of(List.of("the", "cat", "is", "on", "the", "mat")), List.of("the", "cat", "sat", "on", "the", "mat"));
 * double score = bleu.score();
 * }</pre>
 */
public final class Bleu {
    private final int maxOrder;
    private final long[] matches;
    private final long[] totals;
    private long hypothesisLength;
    private long referenceLength;

    public Bleu() {
        this(4);
    }

    public Bleu(int maxOrder) {
        this.maxOrder = maxOrder;
        this.matches = new long[maxOrder];
        this.totals = new long[maxOrder];
    }

    /** Adds one sentence: its reference translations and the hypothesis. */
    public <T> void add(List<List<T>> references, List<T> hypothesis) {
        hypothesisLength += hypothesis.size();
        int closest = references.get(0).size();
        for (List<T> r : references) {
            int d = Math.abs(r.size() - hypothesis.size());
            int best = Math.abs(closest - hypothesis.size());
            if (d < best || d == best && r.size() < closest) {
                closest = r.size();
            }
        }
        referenceLength += closest;
        for (int n = 1; n <= maxOrder; n++) {
            Map<List<T>, Integer> hyp = ngrams(hypothesis, n);
            Map<List<T>, Integer> maxRef = new HashMap<>();
            for (List<T> r : references) {
                ngrams(r, n).forEach((g, c) -> maxRef.merge(g, c, Math::max));
            }
            for (Map.Entry<List<T>, Integer> e : hyp.entrySet()) {
                matches[n - 1] += Math.min(e.getValue(), maxRef.getOrDefault(e.getKey(), 0));
                totals[n - 1] += e.getValue();
            }
        }
    }

    private static <T> Map<List<T>, Integer> ngrams(List<T> tokens, int n) {
        Map<List<T>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }

    /** The corpus BLEU so far, in [0, 1]. */
    public double score() {
        double logSum = 0;
        for (int n = 0; n < maxOrder; n++) {
            if (matches[n] == 0 || totals[n] == 0) {
                return 0.0;
            }
            logSum += Math.log((double) matches[n] / totals[n]);
        }
        double bp = hypothesisLength > referenceLength ? 1.0
            : Math.exp(1.0 - (double) referenceLength / Math.max(hypothesisLength, 1));
        return bp * Math.exp(logSum / maxOrder);
    }

    /**
     * The corpus BLEU so far as sacreBLEU reports it by default, in [0, 100]: an order with no
     * match counts {@code 100 / (2^k total)} for the k-th such order ("exp" smoothing), orders
     * past the longest hypothesis n-gram count 0, and no match at all scores 0.
     */
    public double sacreScore() {
        boolean any = false;
        for (long m : matches) {
            any |= m > 0;
        }
        if (!any) {
            return 0.0;
        }
        double smooth = 1;
        double logSum = 0;
        for (int n = 0; n < maxOrder; n++) {
            if (totals[n] == 0) {
                return 0.0;   // sacreBLEU's log of a precision left at 0
            }
            double p;
            if (matches[n] == 0) {
                smooth *= 2;
                p = 100.0 / (smooth * totals[n]);
            } else {
                p = 100.0 * matches[n] / totals[n];
            }
            logSum += Math.log(p);
        }
        double bp = hypothesisLength >= referenceLength ? 1.0
            : Math.exp(1.0 - (double) referenceLength / Math.max(hypothesisLength, 1));
        return bp * Math.exp(logSum / maxOrder);
    }

    /**
     * Corpus BLEU of detokenized texts as sacreBLEU computes it by default (13a tokenization, one
     * reference each, exp smoothing), in [0, 100]: {@code sacrebleu.corpus_bleu(hypotheses, [references])}.
     */
    public static double corpus(List<String> hypotheses, List<String> references) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException("Bleu.corpus: " + hypotheses.size() + " hypotheses but "
                + references.size() + " references; give one reference per hypothesis");
        }
        Bleu bleu = new Bleu();
        for (int i = 0; i < hypotheses.size(); i++) {
            bleu.add(List.of(tokenize13a(references.get(i))), tokenize13a(hypotheses.get(i)));
        }
        return bleu.sacreScore();
    }

    private static final java.util.regex.Pattern SYMBOLS = java.util.regex.Pattern.compile(
        "([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])");
    private static final java.util.regex.Pattern PERIOD_COMMA_AFTER = java.util.regex.Pattern.compile("([^0-9])([\\.,])");
    private static final java.util.regex.Pattern PERIOD_COMMA_BEFORE = java.util.regex.Pattern.compile("([\\.,])([^0-9])");
    private static final java.util.regex.Pattern DASH_AFTER_DIGIT = java.util.regex.Pattern.compile("([0-9])(-)");

    /**
     * mteval-v13a's tokenization, sacreBLEU's default: HTML entities of quotes and brackets
     * undone, ASCII symbols split off, periods and commas split off unless between digits, a dash
     * after a digit split off.
     */
    public static List<String> tokenize13a(String line) {
        String s = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
        if (s.contains("&")) {
            s = s.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        }
        s = " " + s + " ";
        s = SYMBOLS.matcher(s).replaceAll(" $1 ");
        s = PERIOD_COMMA_AFTER.matcher(s).replaceAll("$1 $2 ");
        s = PERIOD_COMMA_BEFORE.matcher(s).replaceAll(" $1 $2");
        s = DASH_AFTER_DIGIT.matcher(s).replaceAll("$1 $2 ");
        String t = s.strip();
        return t.isEmpty() ? List.of() : List.of(t.split("\\s+"));
    }
}
