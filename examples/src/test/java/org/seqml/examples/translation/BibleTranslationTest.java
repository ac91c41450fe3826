package org.seqml.examples.translation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Bible translation example end to end on a slice (seconds): it trains, decodes and scores. */
class BibleTranslationTest {
    @Test
    void aShortRunTrainsDecodesScoresAndAgainFromItsSavedWeights(@TempDir Path dir) {
        Path weights = dir.resolve("bible.weights");
        BibleTranslation.Result r = BibleTranslation.run(new BibleTranslation.Options(1, 16, 16, 0, 32, 1000, 60, 100,
            2, 2, 3, 0, weights, dir.resolve("charts"), 1.0));
        assertEquals(10, r.testPairs());
        assertTrue(r.trainPairs() > 50 && r.trainPairs() <= 100, "pairs within 60 pieces: " + r.trainPairs());
        assertTrue(r.bleu() >= 0 && r.bleu() <= 100 && r.chrf() >= 0 && r.chrf() <= 100, r.bleu() + " " + r.chrf());
        assertEquals(2, r.samples().size());
        assertTrue(r.history().get("loss").get(0) > 0);
        assertTrue(Files.exists(weights));
        assertTrue(Files.exists(dir.resolve("charts/training.png")));
        assertTrue(Files.exists(dir.resolve("charts/attention-02.png")), "one heat map per sample");

        BibleTranslation.Result again = BibleTranslation.run(new BibleTranslation.Options(1, 16, 16, 0, 32, 1000, 60,
            100, 2, 2, 3, 0, weights, null, 1.0));
        assertTrue(again.history().epochs().isEmpty(), "loaded, not trained");
        assertEquals(r.bleu(), again.bleu(), 0.0);
        assertEquals(r.chrf(), again.chrf(), 0.0);
        assertEquals(r.samples().get(1)[2], again.samples().get(1)[2]);
    }
}
