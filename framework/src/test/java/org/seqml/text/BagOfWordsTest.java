package org.seqml.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.layers.Dense;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.text.TextVectorization.OutputMode;
import org.seqml.training.FitOptions;

/**
 * Keras's bag-of-words modes of TextVectorization (multi_hot, count, tf_idf, ngrams), checked
 * against values worked by hand on a three-text corpus.
 */
class BagOfWordsTest {
    /** the: 4 times in 3 texts; cat: 2 in 2; sat, dog, and, hat: 1 in 1 each. */
    private static final List<String> CORPUS = List.of("The cat sat", "the dog", "the cat and the hat");

    private static float[] row(TextVectorization v, String text) {
        return v.apply(List.of(text)).toFloatVector();
    }

    @Test
    void multiHotAndCountPutUnknownTokensInColumnZero() {
        TextVectorization multi = new TextVectorization().outputMode(OutputMode.MULTI_HOT).adapt(CORPUS);
        assertEquals(List.of("[UNK]", "the", "cat", "sat", "dog", "and", "hat"), multi.vocabulary());
        assertArrayEquals(new float[] {1, 1, 1, 0, 0, 0, 0}, row(multi, "the cat the bird"));
        TextVectorization count = new TextVectorization().outputMode(OutputMode.COUNT).adapt(CORPUS);
        assertArrayEquals(new float[] {2, 2, 1, 0, 0, 0, 0}, row(count, "the cat the bird fish"));
    }

    @Test
    void tfIdfWeighsCountsByLogOfOnePlusDocumentsOverOnePlusDocumentFrequency() {
        TextVectorization v = new TextVectorization().outputMode(OutputMode.TF_IDF).adapt(CORPUS);
        double the = Math.log(1 + 3.0 / 4);   // in all 3 texts
        double cat = Math.log(1 + 3.0 / 3);   // in 2
        double once = Math.log(1 + 3.0 / 2);  // sat, dog, and, hat: in 1
        double unknown = (the + cat + 4 * once) / 6;   // the mean of the tokens' idf, as Keras
        assertArrayEquals(new double[] {unknown, the, cat, once, once, once, once}, v.idfWeights(), 1e-12);
        float[] r = row(v, "the cat the bird");
        assertArrayEquals(new float[] {(float) unknown, (float) (2 * the), (float) cat, 0, 0, 0, 0}, r, 1e-6f);
    }

    @Test
    void ngramsFollowTheTokensAndMaxTokensCountsUnknown() {
        TextVectorization bigrams = new TextVectorization().ngrams(2);
        assertEquals(List.of("the", "cat", "sat", "the cat", "cat sat"), bigrams.tokens("The cat sat"));
        TextVectorization small = new TextVectorization().outputMode(OutputMode.MULTI_HOT).maxTokens(3).adapt(CORPUS);
        assertEquals(List.of("[UNK]", "the", "cat"), small.vocabulary(), "maxTokens counts [UNK], not padding");
        TextVectorization wide = new TextVectorization().outputMode(OutputMode.COUNT).maxTokens(10).padToMaxTokens(true)
            .adapt(CORPUS);
        assertEquals(10, wide.apply(List.of("the dog")).size(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new TextVectorization().outputMode(OutputMode.MULTI_HOT).outputSequenceLength(5));
        assertTrue(e.getMessage().contains("outputSequenceLength is for outputMode INT"), e.getMessage());
        IllegalArgumentException idf = assertThrows(IllegalArgumentException.class,
            () -> new TextVectorization().outputMode(OutputMode.TF_IDF).setVocabulary(List.of("[UNK]", "a")));
        assertTrue(idf.getMessage().contains("idf"), idf.getMessage());
    }

    /** A bag of words into Dense(1, sigmoid), a logistic regression, learns from strings and saves its idf. */
    @Test
    void aBagOfWordsModelTrainsOnTextsAndSavesItsVocabularyAndIdf(@TempDir Path dir) throws Exception {
        List<String> texts = List.of("win money now", "free money", "meeting at noon", "lunch at noon", "win free prize",
            "see you at the meeting");
        INDArray labels = Nd4j.createFromArray(new float[] {1, 1, 0, 0, 1, 0}).reshape(6, 1);
        TextVectorization v = new TextVectorization().outputMode(OutputMode.TF_IDF).ngrams(2).adapt(texts);
        SymbolicTensor in = Input.of(v.vocabularySize());
        Model model = new Model(in, new Dense(1).activation("sigmoid").apply(v.apply(in)));
        model.compile(new Adam(0.1), "binary_crossentropy", "accuracy");
        model.fit(texts, labels, new FitOptions().epochs(30).batchSize(6).verbose(0));
        assertEquals(1.0, model.evaluate(texts, labels).get("accuracy"), 1e-9);
        Path file = dir.resolve("bag.seqml");
        model.save(file);
        Model loaded = Model.load(file);
        INDArray again = loaded.predict(List.of("free money at noon"));
        assertEquals(model.predict(List.of("free money at noon")), again);
        TextVectorization reread = (TextVectorization) loaded.layers().stream()
            .filter(l -> l instanceof TextVectorization).findFirst().orElseThrow();
        assertArrayEquals(v.idfWeights(), reread.idfWeights(), 1e-12);
        assertEquals(DataType.FLOAT, again.dataType());
    }
}
