package org.seqml.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Sequential;
import org.seqml.optimizers.Adam;
import org.seqml.testing.LayerContract;
import org.seqml.training.FitOptions;

class BytePairTokenizerTest {
    private static final List<String> TEXTS = List.of("win a free prize now", "free entry, win cash!",
        "claim your free prize", "urgent: win cash now", "see you at lunch", "are we still on for tonight?",
        "call me when you get home", "lunch at noon then");

    private static INDArray labels() {
        return Nd4j.createFromArray(new float[][] {{1}, {1}, {1}, {1}, {0}, {0}, {0}, {0}});
    }

    private static BytePairTokenizer tokenizer() {
        return new BytePairTokenizer(BytePairEncoding.learn(TEXTS, 60, true, 1, true));
    }

    @Test
    void applyGivesTheEncodingsPiecesPaddedOrCutAtTheEnd() {
        BytePairTokenizer t = tokenizer();
        int[] free = t.tokenize("free prize");
        assertArrayEquals(t.encoding().encode("free prize"), free);
        INDArray ids = t.apply(List.of("free prize", "a"));
        assertArrayEquals(new long[] {2, free.length}, ids.shape(), "padded to the longest");
        assertEquals(0.0, ids.getDouble(1, free.length - 1), "padding 0 at the end");
        INDArray cut = t.sequenceLength(2).apply(List.of("free prize", "a"));
        assertArrayEquals(new long[] {2, 2}, cut.shape());
        assertEquals(free[1], cut.getInt(0, 1));
        assertEquals("free prize", t.detokenize(free), "the pieces join back into the text");
        assertEquals(t.name(), t.sequenceLength(5).name(), "an option keeps the name");
    }

    @Test
    void aModelThatStartsWithItTrainsOnRawStringsAndKeepsThePiecesWhenSaved(@TempDir Path dir) throws IOException {
        org.seqml.RandomSeed.set(5);
        BytePairTokenizer pieces = tokenizer().sequenceLength(12);
        Sequential model = new Sequential(pieces, new Embedding(pieces.vocabularySize(), 8).maskZero(true),
            new LSTM(8), new Dense(1).activation("sigmoid"));
        model.compile(new Adam(0.05), "binary_crossentropy", "accuracy");
        model.fit(TEXTS, labels(), new FitOptions().batchSize(4).epochs(30).verbose(0));
        assertEquals(1.0, model.evaluate(TEXTS, labels()).get("accuracy"), 1e-9);
        assertEquals(pieces.apply(List.of("free cash")), model.vectorize(List.of("free cash")));

        Path file = dir.resolve("pieces.seqml");
        model.save(file);
        Model loaded = Model.load(file);
        BytePairTokenizer back = (BytePairTokenizer) loaded.layers().stream()
            .filter(l -> l instanceof BytePairTokenizer).findFirst().orElseThrow();
        assertEquals(pieces.config(), back.config(), "merges, vocabulary and options");
        List<String> fresh = List.of("WIN a freebie!", "lunch, tonight?", "zebras never seen");
        assertEquals(model.predict(fresh), loaded.predict(fresh), "the loaded model makes the same pieces");
    }

    @Test
    void badIdsAndOptionsAreRefusedNamingTheLayer() {
        BytePairTokenizer t = tokenizer();
        INDArray wrong = Nd4j.createFromArray(new float[][] {{2, 3, 500}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.call(wrong));
        assertTrue(e.getMessage().contains(t.name()) && e.getMessage().contains("500"), e.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
            () -> t.sequenceLength(5).apply(Input.of(7)));
        assertTrue(shape.getMessage().contains("sequenceLength is 5"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.apply(List.of()));
        IllegalArgumentException nullText = assertThrows(IllegalArgumentException.class,
            () -> t.apply(java.util.Arrays.asList("a", null)));
        assertTrue(nullText.getMessage().contains("text 1"), nullText.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.sequenceLength(0));
    }

    @Test
    void itPassesTheLayerContract() {
        BytePairTokenizer t = tokenizer().sequenceLength(6);
        LayerContract.check(t, new long[][] {{6}}, t.apply(List.of("win a free prize", "see you", "lunch")));
    }
}
