package org.seqml.io;

import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.Shape;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.optimizers.Adam;

/**
 * Wrote {@code src/test/resources/fixtures/classifier-v1.seqml} (format version 1) and printed the
 * predictions in {@link FixtureValues}. The fixture is frozen: do not regenerate it to make a test
 * pass; a change that breaks it breaks users' files.
 */
final class FixtureGenerator {
    private FixtureGenerator() {
    }

    public static void main(String[] args) throws Exception {
        RandomSeed.set(77);
        Sequential model = new Sequential("fixture", Input.of(Shape.UNKNOWN),
            new Embedding(10, 4).maskZero(true), new Bidirectional(new LSTM(3)), new Dense(1).activation("sigmoid"));
        model.compile(new Adam(0.01), "binary_crossentropy", "accuracy");
        INDArray x = Nd4j.create(new double[][] {{3, 1, 4, 1, 5, 0, 0}, {9, 2, 6, 5, 3, 5, 8}}).castTo(DataType.FLOAT);
        model.trainOnBatch(x, Nd4j.create(new double[][] {{1}, {0}}).castTo(DataType.FLOAT));
        model.save(Path.of(args[0]));
        INDArray p = model.predict(x);
        System.out.println(p.getDouble(0, 0) + ", " + p.getDouble(1, 0));
    }
}
