package org.seqml.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.callbacks.EarlyStopping;
import org.seqml.layers.Dense;
import org.seqml.layers.InputLayer;
import org.seqml.layers.merging.Concatenate;
import org.seqml.training.FitOptions;

/** What a Keras user types works as in Keras. */
class KerasHabitsTest {
    private static Model twoInputs() {
        RandomSeed.set(2);
        SymbolicTensor a = Input.of("a", 3);
        SymbolicTensor b = Input.of("b", 2);
        Model m = new Model(List.of(a, b), List.of(new Dense(1).apply(new Concatenate().apply(a, b))));
        m.compile("sgd", "mse");
        return m;
    }

    @Test
    void aMultiInputModelPredictsAndEvaluatesWithoutABatchSizeAndTakesInputsByName() {
        Model m = twoInputs();
        INDArray a = Nd4j.rand(DataType.FLOAT, 5, 3);
        INDArray b = Nd4j.rand(DataType.FLOAT, 5, 2);
        INDArray[] byArrays = m.predict(new INDArray[] {a, b});
        INDArray[] byName = m.predict(Map.of("b", b, "a", a), 32);
        assertEquals(byArrays[0], byName[0]);
        INDArray[] y = {Nd4j.rand(DataType.FLOAT, 5, 1)};
        assertEquals(m.evaluate(new INDArray[] {a, b}, y), m.evaluate(Map.of("a", a, "b", b), y));
        m.fit(Map.of("a", a, "b", b), y, new FitOptions().epochs(1).verbose(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> m.predict(Map.of("a", a, "c", b), 32));
        assertTrue(e.getMessage().contains("missing [b]") && e.getMessage().contains("[c]"), e.getMessage());
    }

    @Test
    void aSequentialListsItsLayersWithoutTheInputLayer() {
        Sequential s = new Sequential(Input.of(3), new Dense(4), new Dense(1));
        assertEquals(2, s.layers().size());
        assertTrue(s.layers().stream().noneMatch(l -> l instanceof InputLayer));
        assertTrue(twoInputs().layers().stream().anyMatch(l -> l instanceof InputLayer), "a functional model keeps them");
    }

    @Test
    void earlyStoppingWithKerasDefaultsWatchesValidationLoss() {
        Sequential s = new Sequential(Input.of(3), new Dense(1));
        s.compile("sgd", "mse");
        INDArray x = Nd4j.rand(DataType.FLOAT, 20, 3);
        org.seqml.callbacks.History h = s.fit(x, x.sum(true, 1), new FitOptions().epochs(3).verbose(0)
            .validationSplit(0.25).callbacks(new EarlyStopping()));
        assertTrue(h.history().containsKey("val_loss"));
        assertTrue(h.history().get("loss").size() >= 1 && h.history().get("loss").size() <= 3);
    }
}
