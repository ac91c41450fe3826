package org.seqml.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.Shape;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Sequential;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.testing.LayerContract;
import org.seqml.training.FitOptions;

class TextVectorizationTest {

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

    private static final List<String> SPAM = List.of("win a free prize now", "free entry win cash",
        "claim your free prize", "urgent win cash now");
    private static final List<String> HAM = List.of("see you at lunch", "are we still on for tonight",
        "call me when you get home", "lunch at noon then");

    private static List<String> texts() {
        List<String> all = new ArrayList<>(SPAM);
        all.addAll(HAM);
        return all;
    }

    private static INDArray labels() {
        return Nd4j.createFromArray(new float[][] {{1}, {1}, {1}, {1}, {0}, {0}, {0}, {0}});
    }

    private static Sequential textModel(TextVectorization vectorize) {
        Sequential model = new Sequential(vectorize, new Embedding(vectorize.vocabularySize(), 8).maskZero(true),
            new LSTM(8), new Dense(1).activation("sigmoid"));
        model.compile(new Adam(0.05), "binary_crossentropy", "accuracy");
        return model;
    }

    @Test
    void aModelThatStartsWithItTrainsAndPredictsOnRawStrings() {
        org.seqml.RandomSeed.set(5);
        TextVectorization vectorize = new TextVectorization().outputSequenceLength(6).adapt(texts());
        Sequential model = textModel(vectorize);
        model.fit(texts(), labels(), new FitOptions().batchSize(4).epochs(30).verbose(0));
        assertEquals(1.0, model.evaluate(texts(), labels()).get("accuracy"), 1e-9);
        INDArray p = model.predict(List.of("free cash prize now", "see you tonight"));
        assertArrayEquals(new long[] {2, 1}, p.shape());
        assertTrue(p.getDouble(0) > 0.5 && p.getDouble(1) < 0.5, p.toString());
        assertEquals(model.predict(vectorize.apply(List.of("free cash prize now"))), model.predict(List.of(
            "free cash prize now")), "the ids and the strings are the same input");
        assertEquals(vectorize.apply(List.of("free cash")), model.vectorize(List.of("free cash")));
    }

    @Test
    void aSavedModelKeepsTheOptionsAndVocabularyAndTakesStringsAgain(@TempDir Path dir) throws IOException {
        TextVectorization vectorize = new TextVectorization().maxTokens(40).outputSequenceLength(5)
            .split(TextVectorization.Split.WHITESPACE).standardize(TextVectorization.Standardize.LOWER).adapt(texts());
        Sequential model = textModel(vectorize);
        model.fit(texts(), labels(), new FitOptions().batchSize(4).epochs(2).verbose(0));
        Path file = dir.resolve("spam.seqml");
        model.save(file);
        Model loaded = Model.load(file);
        TextVectorization back = (TextVectorization) loaded.layers().stream()
            .filter(l -> l instanceof TextVectorization).findFirst().orElseThrow();
        assertEquals(vectorize.config(), back.config(), "options and vocabulary");
        List<String> fresh = List.of("WIN a free prize!", "lunch, tonight?", "words never seen");
        assertEquals(model.predict(fresh), loaded.predict(fresh), "the loaded model takes the same strings");
        // the file keeps a vocabulary as one string of lines; one whose tokens hold line breaks
        // (characters split from raw text) as an array
        for (List<String> vocabulary : List.of(List.of("", "[UNK]", "a", "b c"), List.of("", "[UNK]", "a", "\n", "x\ny"))) {
            TextVectorization chars = new TextVectorization().outputSequenceLength(3).setVocabulary(vocabulary);
            Path f = dir.resolve("chars" + vocabulary.size() + ".seqml");
            Sequential m = textModel(chars);
            m.predict(List.of("a"));   // built
            m.save(f);
            TextVectorization read = (TextVectorization) Model.load(f).layers().stream()
                .filter(l -> l instanceof TextVectorization).findFirst().orElseThrow();
            assertEquals(vocabulary, read.vocabulary(), "the vocabulary back, item for item");
        }
    }

    @Test
    void aFunctionalModelTakesStringsWhenItsInputGoesToIt() {
        TextVectorization vectorize = new TextVectorization().adapt(texts());
        SymbolicTensor ids = Input.of(Shape.UNKNOWN);
        SymbolicTensor y = new Dense(1).apply(new GlobalAveragePooling1D().apply(
            new Embedding(vectorize.vocabularySize(), 4).maskZero(true).apply(vectorize.apply(ids))));
        Model model = new Model(ids, y);
        assertArrayEquals(new long[] {3, 1}, model.predict(List.of("a", "win cash", "see you at lunch now")).shape());
    }

    @Test
    void stringsForAModelWithoutItAreRefusedWithTheFix() {
        Sequential model = new Sequential(Input.of(4), new Embedding(10, 4), new GlobalAveragePooling1D(),
            new Dense(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.predict(List.of("x")));
        assertTrue(e.getMessage().contains("TextVectorization") && e.getMessage().contains("Embedding 'embedding"),
            e.getMessage());
    }

    @Test
    void idsOutsideItsVocabularyAreRefusedNamingTheLayer() {
        TextVectorization vectorize = new TextVectorization().adapt(texts());
        INDArray wrong = Nd4j.createFromArray(new float[][] {{2, 3, 500}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vectorize.call(wrong));
        assertTrue(e.getMessage().contains(vectorize.name()) && e.getMessage().contains("500"), e.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
            () -> new TextVectorization().outputSequenceLength(5).apply(Input.of(7)));
        assertTrue(shape.getMessage().contains("outputSequenceLength is 5"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> vectorize.apply(List.of()));
        assertThrows(IllegalArgumentException.class, () -> vectorize.tokens(null));
        assertThrows(IllegalArgumentException.class, () -> new TextVectorization().maxTokens(3).adapt(texts())
            .setVocabulary(List.of("", "[UNK]", "a", "b")));
    }

    @Test
    void itPassesTheLayerContract() {
        TextVectorization vectorize = new TextVectorization().outputSequenceLength(4).adapt(texts());
        INDArray ids = vectorize.apply(List.of("win a free prize", "see you", "lunch at noon then"));
        LayerContract.check(vectorize, new long[][] {{4}}, ids);
    }

    @Test
    void aThreadThatVectorizesWhileAnotherAdaptsSeesOneWholeVocabulary() throws Exception {
        TextVectorization vectorize = new TextVectorization().adapt(List.of("a b c"));
        List<String> probe = List.of("a b c d e");
        Thread adapter = new Thread(() -> {
            for (int i = 0; i < 200; i++) {
                vectorize.adapt(i % 2 == 0 ? List.of("d e a b c d e") : List.of("a b c"));
            }
        });
        adapter.start();
        while (adapter.isAlive()) {
            INDArray ids = vectorize.apply(probe);
            String seen = ids.toString();
            assertTrue(seen.equals(Nd4j.createFromArray(new long[][] {{2, 3, 4, 1, 1}}).toString())
                || seen.equals(Nd4j.createFromArray(new long[][] {{4, 5, 6, 2, 3}}).toString()), seen);
        }
        adapter.join();
    }
}
