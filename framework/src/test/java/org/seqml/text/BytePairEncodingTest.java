package org.seqml.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Byte-pair encoding against a hand-worked corpus, round trips, and a model rebuilt from its
 * vocabulary and merges encoding as the learned one.
 */
class BytePairEncodingTest {
    /**
     * "ab ab ab abc": words ▁ab (3) and ▁abc (1). Pairs: ▁a 4, ab 4, bc 1; the tie goes to the pair
     * that sorts first, "a b" (▁ is U+2581): ab. Then ▁ ab 4: ▁ab. Then ▁ab c 1: fewer than two,
     * the end. Characters by count (a, b, ▁ at 4 in code order; c at 1 is under the minimum of 2,
     * so unknown).
     */
    @Test
    void learnsTheMergesWorkedByHand() {
        BytePairEncoding bpe = BytePairEncoding.learn(List.of("ab ab ab abc"), 100, false);
        assertEquals(List.of("", "[UNK]", "a", "b", "\u2581", "ab", "\u2581ab"), bpe.vocabulary());
        assertEquals(List.of("a b", "\u2581 ab"), bpe.merges());
        assertEquals(List.of("\u2581ab", "\u2581ab", "[UNK]"), bpe.tokenize("ab abc"));
        assertArrayEquals(new int[] {4, 3, 2}, bpe.encode("ba"));
        // with c kept (seen once, minimum 1) the last pair is still seen once: no third merge
        BytePairEncoding withC = BytePairEncoding.learn(List.of("ab ab ab abc"), 100, false, 1, false);
        assertEquals(List.of("", "[UNK]", "a", "b", "\u2581", "c", "ab", "\u2581ab"), withC.vocabulary());
        assertArrayEquals(new int[] {7, 7, 5}, withC.encode("ab abc"));
    }

    @Test
    void theVocabularySizeStopsTheMerges() {
        BytePairEncoding bpe = BytePairEncoding.learn(List.of("ab ab ab abc"), 6, false);
        assertEquals(List.of("a b"), bpe.merges());
        assertEquals(List.of("\u2581", "ab"), bpe.tokenize("ab"));
    }

    @Test
    void decodingGivesTheTextBackWithWhitespaceCollapsed() {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            corpus.add("En el principio crió Dios los cielos y la tierra. Y la tierra estaba desordenada y vacía " + i);
        }
        BytePairEncoding bpe = BytePairEncoding.learn(corpus, 60, true);
        String text = "Y la  tierra\testaba vacía y el principio 42.";
        assertEquals("y la tierra estaba vacía y el principio 42.", bpe.decode(bpe.encode(text)));
        assertEquals("la [UNK] tierra", bpe.decode(bpe.encode("la ~ tierra")), "a character never seen is unknown");
        assertTrue(bpe.encode("la tierra").length < "la tierra".length(), "merges shorten frequent words");
        assertEquals("", bpe.decode(new int[] {0, 0}));
        assertThrows(IllegalArgumentException.class, () -> bpe.decode(new int[] {bpe.vocabularySize()}));
    }

    @Test
    void aModelRebuiltFromItsPartsEncodesTheSame() {
        List<String> corpus = List.of("the lower newest widest", "low lower lowest", "newer wider new wide");
        BytePairEncoding learned = BytePairEncoding.learn(corpus, 40, false, 1, false);
        BytePairEncoding again = new BytePairEncoding(learned.vocabulary(), learned.merges(), false);
        for (String t : List.of("lowest newest", "widen the low", "xyz")) {
            assertArrayEquals(learned.encode(t), again.encode(t), t);
        }
        assertThrows(IllegalArgumentException.class, () -> new BytePairEncoding(List.of("", "[UNK]", "a"),
            List.of("a b"), false));
    }

    /** Split off, punctuation never joins a word's pieces, and only a piece after a space is marked. */
    @Test
    void punctuationSplitOffKeepsTheTextRestorable() {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            corpus.add("God said, \u201cLet there be light,\u201d and there was light.");
        }
        BytePairEncoding bpe = BytePairEncoding.learn(corpus, 200, true, 1, true);
        List<String> pieces = bpe.tokenize("there was light.");
        assertEquals(List.of("\u2581there", "\u2581was", "\u2581light", "."), pieces);
        assertTrue(bpe.tokenize("\u201clet").get(0).equals("\u2581\u201c"), bpe.tokenize("\u201clet").toString());
        String text = "god said, \u201clet there be light,\u201d and there was light.";
        assertEquals(text, bpe.decode(bpe.encode(text)));
        BytePairEncoding again = new BytePairEncoding(bpe.vocabulary(), bpe.merges(), true, true);
        assertArrayEquals(bpe.encode(text), again.encode(text));
    }
}
