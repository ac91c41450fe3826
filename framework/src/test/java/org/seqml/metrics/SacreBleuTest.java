package org.seqml.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * BLEU and chrF of detokenized text as sacreBLEU 2.6.0 computes them by default (the expected
 * figures printed by {@code sacrebleu.corpus_bleu}, {@code corpus_chrf} and its 13a tokenizer).
 */
class SacreBleuTest {
    @Test
    void thirteenATokenizationSplitsAsMteval() {
        assertEquals(List.of("Yahweh", "God", "said", ",", "\u201cBehold", ",", "the", "man", "has", "become", "like",
            "one", "of", "us", ".", "\u201d"), Bleu.tokenize13a("Yahweh God said, \u201cBehold, the man has become like one of us.\u201d"));
        assertEquals("It cost $ 3.50 , not 3,000 - 4,000 ( approx . ) & more !",
            String.join(" ", Bleu.tokenize13a("It cost $3.50, not 3,000-4,000 (approx.) &amp; more!")));
        assertEquals("He said : \" Go-now \" -- e . g . 10 - 20 .",
            String.join(" ", Bleu.tokenize13a("He said: \"Go-now\" -- e.g. 10-20.")));
    }

    /**
     * Two sentences: clipped matches 16, 11, 6, 2 of 18, 16, 14, 12 n-grams, 18 tokens against 19:
     * BP exp(1 - 19/18), BLEU = BP (16/18 11/16 6/14 2/12)^(1/4) = 43.2385.
     */
    @Test
    void corpusBleuMatchesSacreBleu() {
        List<String> hyp = List.of("the cat sat on the mat .", "In the beginning God created the heaven and the earth.");
        List<String> ref = List.of("the cat is on the mat .", "In the beginning, God created the heavens and the earth.");
        assertEquals(43.238494581642854, Bleu.corpus(hyp, ref), 1e-9);
        assertEquals(59.939541538078124, Bleu.corpus(List.of("a b c d e", "x y"), List.of("a b c d f", "x y z")), 1e-9);
        // no 4-gram in the hypothesis: 0, as sacreBLEU
        assertEquals(0.0, Bleu.corpus(List.of("the cat sat"), List.of("the dog sat down")), 1e-12);
    }

    @Test
    void corpusChrFMatchesSacreBleu() {
        List<String> hyp = List.of("the cat sat on the mat .", "In the beginning God created the heaven and the earth.");
        List<String> ref = List.of("the cat is on the mat .", "In the beginning, God created the heavens and the earth.");
        assertEquals(80.46919756199783, ChrF.corpus(hyp, ref), 1e-9);
        assertEquals(17.41921149767462, ChrF.corpus(List.of("the cat sat"), List.of("the dog sat down")), 1e-9);
        assertEquals(56.65113691504443, ChrF.corpus(List.of("\u00c9l dijo: \u00ab\u00a1S\u00ed!\u00bb"),
            List.of("\u00c9l dijo: \u00abNo.\u00bb")), 1e-9);
    }
}
