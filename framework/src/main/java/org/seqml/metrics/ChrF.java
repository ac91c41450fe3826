package org.seqml.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus chrF (Popovic, 2015) as sacreBLEU computes it by default: character n-grams of orders
 * 1 to 6 with whitespace removed, their matches clipped by the reference's counts and summed
 * over the corpus, then precision and recall averaged over the orders that occur and combined
 * with recall weighted beta = 2 times:
 * <pre>
 * P_n, R_n = matches_n / hypothesis n-grams, matches_n / reference n-grams     (summed over sentences)
 * P, R     = mean over n of P_n, R_n
 * chrF     = 100 (1 + beta^2) P R / (beta^2 P + R)
 * </pre>
 *
 * <pre>{@code
 * double score = ChrF.corpus(hypotheses, references);   // sacrebleu.corpus_chrf(hypotheses, [references])
 * }</pre>
 */
public final class ChrF {
    private static final int ORDER = 6;
    private static final double BETA = 2;
    private final long[] hyp = new long[ORDER];
    private final long[] ref = new long[ORDER];
    private final long[] match = new long[ORDER];

    /** Adds one sentence and its reference. */
    public void add(String hypothesis, String reference) {
        String h = hypothesis.replaceAll("\\s+", "");
        String r = reference.replaceAll("\\s+", "");
        int[] hc = h.codePoints().toArray();
        int[] rc = r.codePoints().toArray();
        for (int n = 1; n <= ORDER; n++) {
            Map<String, Integer> hn = ngrams(hc, n);
            Map<String, Integer> rn = ngrams(rc, n);
            for (Map.Entry<String, Integer> e : hn.entrySet()) {
                hyp[n - 1] += e.getValue();
                match[n - 1] += Math.min(e.getValue(), rn.getOrDefault(e.getKey(), 0));
            }
            for (int c : rn.values()) {
                ref[n - 1] += c;
            }
        }
    }

    private static Map<String, Integer> ngrams(int[] chars, int n) {
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i + n <= chars.length; i++) {
            out.merge(new String(chars, i, n), 1, Integer::sum);
        }
        return out;
    }

    /** The corpus chrF so far, in [0, 100]. */
    public double score() {
        double p = 0;
        double r = 0;
        int orders = 0;
        for (int n = 0; n < ORDER; n++) {
            if (hyp[n] > 0 && ref[n] > 0) {
                p += (double) match[n] / hyp[n];
                r += (double) match[n] / ref[n];
                orders++;
            }
        }
        if (orders == 0) {
            return 0;
        }
        p /= orders;
        r /= orders;
        double f2 = BETA * BETA;
        return p + r == 0 ? 0 : 100 * (1 + f2) * p * r / (f2 * p + r);
    }

    /** Corpus chrF of these texts, one reference each. */
    public static double corpus(List<String> hypotheses, List<String> references) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException("ChrF.corpus: " + hypotheses.size() + " hypotheses but "
                + references.size() + " references; give one reference per hypothesis");
        }
        ChrF chrf = new ChrF();
        for (int i = 0; i < hypotheses.size(); i++) {
            chrf.add(hypotheses.get(i), references.get(i));
        }
        return chrf.score();
    }
}
