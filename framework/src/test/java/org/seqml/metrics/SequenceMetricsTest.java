package org.seqml.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceMetricsTest {
    private static List<String> words(String s) {
        return List.of(s.split(" "));
    }

    @Test
    void bleuFollowsPapineni() {
        Bleu same = new Bleu();
        same.add(List.of(words("the cat is on the mat")), words("the cat is on the mat"));
        assertEquals(1.0, same.score(), 1e-12);
        // p1 = 5/6, p2 = 3/5, p3 = 1/4 (worked by hand); no 4-gram matches
        Bleu three = new Bleu(3);
        three.add(List.of(words("the cat is on the mat")), words("the cat sat on the mat"));
        assertEquals(Math.cbrt(5.0 / 6 * 3.0 / 5 * 1.0 / 4), three.score(), 1e-12);
        Bleu four = new Bleu();
        four.add(List.of(words("the cat is on the mat")), words("the cat sat on the mat"));
        assertEquals(0.0, four.score());
        // brevity: a 3-word hypothesis for a 6-word reference, all n-grams right
        Bleu brief = new Bleu(2);
        brief.add(List.of(words("the cat is on the mat")), words("the cat is"));
        assertEquals(Math.exp(1 - 6.0 / 3), brief.score(), 1e-12);
    }

    @Test
    void errorRatesUseTheClosestReference() {
        ErrorRate rate = new ErrorRate();
        rate.add(List.of(words("K AE1 T"), words("K AH0 T")), words("K AH0 T"));
        rate.add(List.of(words("D AO1 G")), words("D AA1 G Z"));
        assertEquals(2.0 / 6, rate.tokenErrorRate(), 1e-12, "0 edits on 3, then 2 edits on 3");
        assertEquals(0.5, rate.sequenceErrorRate(), 1e-12);
        assertEquals(3, ErrorRate.distance(words("a b c"), words("x y z")));
        assertEquals(2, ErrorRate.distance(words("a b c d"), words("a c d e")));
    }
}
