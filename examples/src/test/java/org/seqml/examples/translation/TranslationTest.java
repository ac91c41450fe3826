package org.seqml.examples.translation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On a generated corpus in the Ding format (the real one is GPL and fetched, never committed). */
class TranslationTest {
    @TempDir
    Path dir;

    /** "Der Hund ist rot." :: "The dog is red." for every noun, adjective and tense: 50 pairs. */
    private Path corpus() throws IOException {
        String[][] nouns = {{"Hund", "dog"}, {"Katze", "cat"}, {"Haus", "house"}, {"Auto", "car"}, {"Baum", "tree"}};
        String[][] adjectives = {{"rot", "red"}, {"groß", "big"}, {"klein", "small"}, {"alt", "old"}, {"neu", "new"}};
        String[][] verbs = {{"ist", "is"}, {"war", "was"}};
        List<String> lines = new ArrayList<>(List.of("# comment :: not a pair", "Haus {n} :: house"));
        for (String[] n : nouns) {
            for (String[] a : adjectives) {
                for (String[] v : verbs) {
                    lines.add("Der " + n[0] + " " + v[0] + " " + a[0] + ". :: The " + n[1] + " " + v[1] + " " + a[1] + ".");
                }
            }
        }
        Path file = dir.resolve("de-en");
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void sentencePairsAreTheAlignedSensesThatAreShortSentences() throws IOException {
        Path file = dir.resolve("ding");
        Files.write(file, List.of(
            "# Version :: 1.9",
            "Ja. | Nein! {n} | Gut? :: Yes. | No! | Good?",
            "Komm her! | Geh! :: Come here!",
            "Das ist ein sehr langer Satz mit vielen Wörtern. :: That is a very long sentence with many words.",
            "Ja. :: Yes."), StandardCharsets.UTF_8);
        List<SentencePairs.Pair> pairs = SentencePairs.read(file, 5);
        assertEquals(List.of(new SentencePairs.Pair("Ja.", "Yes."), new SentencePairs.Pair("Gut?", "Good?")), pairs);
        assertEquals(List.of("she’s", "full", "of", "it", "."), SentencePairs.tokens("She’s full of it."));
    }

    @Test
    void aQuickRunTranslatesAndDrawsItsAttention() throws IOException {
        Path out = dir.resolve("out");
        Translation.Result r = Translation.run(new Translation.Options(30, 16, 16, 0, 8, 10, 100, 6, 3, 2, 1, 0, corpus(), out));
        assertEquals(38, r.trainPairs());
        assertTrue(r.bleu() >= 0 && r.bleu() <= 1, "BLEU " + r.bleu());
        assertTrue(r.greedyBleu() >= 0 && r.greedyBleu() <= 1, "greedy BLEU " + r.greedyBleu());
        List<Double> loss = r.history().history().get("loss");
        assertTrue(loss.get(loss.size() - 1) < loss.get(0) / 2, "training loss falls: " + loss);
        assertEquals(2, r.samples().size());
        for (Translation.Sample s : r.samples()) {
            assertTrue(s.attention().length == s.output().size() + 1, "a row per output token and one for END");
            for (double[] row : s.attention()) {
                assertEquals(s.german().size(), row.length);
                assertEquals(1.0, java.util.Arrays.stream(row).sum(), 1e-4, "attention weights sum to 1");
            }
        }
        assertTrue(Files.size(out.resolve("attention-01.png")) > 0 && Files.exists(out.resolve("de-en.seqml")));
    }
}
