package org.seqml.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TextTest {

    @Test
    void padSequencesFollowsKerasDefaultsAndOptions() {
        List<int[]> seqs = List.of(new int[] {4, 2}, new int[] {7, 1, 9}, new int[] {5});
        assertEquals(Nd4j.createFromArray(new long[][] {{0, 4, 2}, {7, 1, 9}, {0, 0, 5}}), PadSequences.pad(seqs));
        INDArray post = PadSequences.pad(seqs, 2, PadSequences.Side.POST, PadSequences.Side.POST, -1);
        assertEquals(Nd4j.createFromArray(new long[][] {{4, 2}, {7, 1}, {5, -1}}), post);
        INDArray cutFront = PadSequences.pad(seqs, 2, PadSequences.Side.PRE, PadSequences.Side.PRE, 0);
        assertEquals(Nd4j.createFromArray(new long[][] {{4, 2}, {1, 9}, {0, 5}}), cutFront);
    }

    @Test
    void adaptBuildsAFrequencyOrderedVocabularyAfterPaddingAndUnknown() {
        TextVectorization v = new TextVectorization().adapt(List.of("The cat sat.", "the CAT ran!", "a dog"));
        assertEquals(List.of("", "[UNK]", "the", "cat", "sat", "ran", "a", "dog"), v.vocabulary());
        assertArrayEquals(new int[] {2, 3, 1}, v.ids("The cat flew"));
        TextVectorization small = new TextVectorization().maxTokens(4).adapt(List.of("b a a c c c"));
        assertEquals(List.of("", "[UNK]", "c", "a"), small.vocabulary());
    }

    @Test
    void applyPadsOrCutsAtTheEnd() {
        TextVectorization v = new TextVectorization().outputSequenceLength(3).adapt(List.of("x y z w"));
        assertEquals(Nd4j.createFromArray(new long[][] {{2, 3, 0}, {2, 3, 4}}), v.apply(List.of("x y", "x y z w")));
        TextVectorization ragged = new TextVectorization().adapt(List.of("x y z"));
        assertEquals(3, ragged.apply(List.of("x", "x y z")).size(1), "padded to the longest of the call");
    }

    @Test
    void standardizeAndSplitOptions() {
        assertEquals(List.of("Hello,", "World!"), new TextVectorization().standardize(TextVectorization.Standardize.NONE)
            .tokens("Hello, World!"));
        assertEquals(List.of("h", "i", "!"), new TextVectorization().standardize(TextVectorization.Standardize.LOWER)
            .split(TextVectorization.Split.CHARACTER).tokens("Hi!"));
        assertEquals(List.of("dont", "stop"), new TextVectorization().tokens("Don't   stop"));
    }

    @Test
    void theVocabularySavesAndLoads(@TempDir Path dir) throws IOException {
        TextVectorization v = new TextVectorization().adapt(List.of("one two two three three three"));
        Path file = dir.resolve("vocab.txt");
        v.saveVocabulary(file);
        TextVectorization loaded = new TextVectorization().loadVocabulary(file);
        assertEquals(v.vocabulary(), loaded.vocabulary());
        assertArrayEquals(v.ids("three one four"), loaded.ids("three one four"));
        assertThrows(IllegalArgumentException.class, () -> new TextVectorization().setVocabulary(List.of("a", "b")));
    }
}
