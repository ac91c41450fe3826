package org.seqml.training;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.layers.Dense;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Sequential;
import org.seqml.models.SymbolicTensor;

/** Each kind of bad input gets an error naming the layer, the expected and the actual shape, and a fix. */
class BadInputTest {

    private static Model sequenceClassifier() {
        SymbolicTensor x = Input.of("series", 10, 3);
        SymbolicTensor pooled = new GlobalAveragePooling1D().named("pool").apply(x);
        return new Model(x, new Dense(4).activation("softmax").named("classes").apply(pooled));
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void wrongRankNamesTheInputTheLayerAndBothShapes() {
        Model model = sequenceClassifier();
        model.compile("adam", "categorical_crossentropy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> model.fit(Nd4j.rand(DataType.FLOAT, 8, 10), Nd4j.zeros(DataType.FLOAT, 8, 4), 4, 1));
        assertMessage(e, "'series'", "GlobalAveragePooling1D 'pool'", "(None, 10, 3)", "[8, 10]", "add a feature axis");
    }

    @Test
    void wrongFeatureSizeNamesTheInputTheLayerAndBothShapes() {
        Model model = sequenceClassifier();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> model.predict(Nd4j.rand(DataType.FLOAT, 8, 10, 5)));
        assertMessage(e, "'series'", "'pool'", "(None, 10, 3)", "[8, 10, 5]");
    }

    @Test
    void labelsThatDoNotMatchTheLossNameTheOutputAndSayWhatToUse() {
        Model model = sequenceClassifier();
        model.compile("adam", "categorical_crossentropy", "accuracy");
        INDArray ids = Nd4j.create(new double[] {0, 1, 2, 3, 0, 1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> model.fit(Nd4j.rand(DataType.FLOAT, 8, 10, 3), ids, new FitOptions().verbose(0)));
        assertMessage(e, "'classes'", "categorical_crossentropy", "[8]", "[8, 4]", "sparse_categorical_crossentropy");
    }

    @Test
    void nanInTheInputIsReportedWithItsSample() {
        Model model = sequenceClassifier();
        model.compile("adam", "categorical_crossentropy");
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 10, 3);
        x.putScalar(new long[] {5, 2, 1}, Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> model.fit(x, Nd4j.zeros(DataType.FLOAT, 8, 4), 4, 1));
        assertMessage(e, "'series'", "NaN", "sample 5");
    }

    @Test
    void usingAModelBeforeCompileSaysToCompile() {
        Model model = sequenceClassifier();
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> model.fit(Nd4j.rand(DataType.FLOAT, 8, 10, 3), Nd4j.zeros(DataType.FLOAT, 8, 4), 4, 1));
        assertMessage(e, "must be compiled before fit()", "model.compile(");
        assertThrows(IllegalStateException.class,
            () -> model.evaluate(Nd4j.rand(DataType.FLOAT, 8, 10, 3), Nd4j.zeros(DataType.FLOAT, 8, 4)));
    }

    @Test
    void mismatchedSampleCountsAreRejected() {
        Model model = sequenceClassifier();
        model.compile("adam", "categorical_crossentropy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> model.fit(Nd4j.rand(DataType.FLOAT, 8, 10, 3), Nd4j.zeros(DataType.FLOAT, 7, 4), 4, 1));
        assertMessage(e, "7 samples", "8");
    }

    @Test
    void wrongNumberOfInputArraysIsRejected() {
        Sequential model = new Sequential(Input.of(3), new Dense(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> model.predict(new INDArray[] {Nd4j.rand(DataType.FLOAT, 2, 3), Nd4j.rand(DataType.FLOAT, 2, 3)}, 2));
        assertMessage(e, "1 input", "2 array");
    }
}
