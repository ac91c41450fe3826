package org.seqml.regularizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.constraints.MaxNorm;
import org.seqml.constraints.MinMaxNorm;
import org.seqml.constraints.NonNeg;
import org.seqml.constraints.UnitNorm;
import org.seqml.layers.Dense;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.optimizers.SGD;
import org.seqml.training.FitOptions;

class RegularizationTest {
    private static final INDArray W = Nd4j.create(new double[][] {{1, -2}, {3, 0}});

    @Test
    void penaltiesFollowKerasDefinitions() {
        assertEquals(0.01 * 6, new L1().penalty(W), 1e-12);
        assertEquals(0.01 * 14, new L2().penalty(W), 1e-12, "no factor 1/2");
        assertEquals(0.1 * 6 + 0.2 * 14, new L1L2(0.1, 0.2).penalty(W), 1e-12);
        INDArray g = Nd4j.zeros(W.dataType(), 2, 2);
        new L1L2(0.1, 0.2).addGradient(W, g, 1.0);
        assertTrue(Nd4j.create(new double[][] {{0.1 + 0.4, -0.1 - 0.8}, {0.1 + 1.2, 0}}).equalsWithEps(g, 1e-12), g.toString());
    }

    @Test
    void theLossIncludesWeightAndActivityPenaltiesAndTheirGradients() {
        RandomSeed.set(2);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 2);
        Sequential plain = new Sequential(Input.of(3), new Dense(2));
        Sequential penalized = new Sequential(Input.of(3), new Dense(2).kernelRegularizer(new L2(0.5))
            .activityRegularizer(new L1(0.1)));
        penalized.setWeights(plain.getWeights());
        plain.compile(new SGD(0.1), "mse");
        penalized.compile(new SGD(0.1), "mse");
        double base = plain.evaluate(x, y).get("loss");
        INDArray kernel = plain.getWeights().get(0);
        double l2 = 0.5 * kernel.mul(kernel).sumNumber().doubleValue();
        double activity = 0.1 * org.nd4j.linalg.ops.transforms.Transforms.abs(plain.predict(x)).sumNumber().doubleValue() / 8;
        assertEquals(base + l2 + activity, penalized.evaluate(x, y).get("loss"), 1e-5);
        plain.trainOnBatch(x, y);
        penalized.trainOnBatch(x, y);
        assertTrue(penalized.getWeights().get(0).norm2Number().doubleValue()
            < plain.getWeights().get(0).norm2Number().doubleValue(), "the L2 penalty shrinks the kernel");
    }

    @Test
    void recurrentLayersTakeTheirOwnRegularizers() {
        LSTM lstm = new LSTM(3).recurrentRegularizer(new L2()).kernelRegularizer(new L1());
        lstm.apply(Input.of(4, 2));
        assertTrue(lstm.weights().get(1).regularizer() instanceof L2);
        assertTrue(lstm.weights().get(0).regularizer() instanceof L1);
        Dense d = new Dense(2).embeddingsRegularizer(new L2()).named("head");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.apply(Input.of(3)));
        assertTrue(e.getMessage().contains("Dense 'head' has no weight 'embeddings'"), e.getMessage());
    }

    @Test
    void constraintsProjectWeightsAfterEachStep() {
        INDArray w = Nd4j.create(new double[][] {{3, 0.1}, {4, 0.2}});   // column norms 5 and ~0.22
        INDArray m = w.dup();
        new MaxNorm(2.0).apply(m);
        assertEquals(2.0, m.getColumn(0).norm2Number().doubleValue(), 1e-6);
        assertEquals(w.getColumn(1), m.getColumn(1));
        INDArray u = w.dup();
        new UnitNorm().apply(u);
        assertEquals(1.0, u.getColumn(1).norm2Number().doubleValue(), 1e-6);
        INDArray half = w.dup();
        new MinMaxNorm(1, 2, 0.5, 0).apply(half);
        assertEquals(0.5 * 2 + 0.5 * 5, half.getColumn(0).norm2Number().doubleValue(), 1e-5);
        INDArray n = Nd4j.create(new double[] {-1, 2});
        new NonNeg().apply(n);
        assertEquals(Nd4j.create(new double[] {0, 2}), n);

        RandomSeed.set(4);
        Sequential model = new Sequential(Input.of(3), new Dense(2).kernelConstraint(new NonNeg()));
        model.compile(new SGD(1.0), "mse");
        model.fit(Nd4j.rand(DataType.FLOAT, 16, 3), Nd4j.rand(DataType.FLOAT, 16, 2).muli(-5), new FitOptions().verbose(0));
        assertTrue(model.getWeights().get(0).minNumber().doubleValue() >= 0);
    }

    @Test
    void classWeightsScaleEachSamplesLoss() {
        RandomSeed.set(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3);
        INDArray y = Nd4j.create(new double[][] {{1}, {0}, {1}, {0}}).castTo(DataType.FLOAT);
        Sequential a = new Sequential(Input.of(3), new Dense(1).activation("sigmoid"));
        Sequential b = new Sequential(Input.of(3), new Dense(1).activation("sigmoid"));
        b.setWeights(a.getWeights());
        a.compile(new SGD(0.5), "binary_crossentropy");
        b.compile(new SGD(0.5), "binary_crossentropy");
        a.fit(x, y, new FitOptions().batchSize(4).shuffle(false).verbose(0).classWeight(Map.of(1, 3.0)));
        b.fit(x, y, new FitOptions().batchSize(4).shuffle(false).verbose(0)
            .sampleWeight(Nd4j.create(new double[] {3, 1, 3, 1})));
        assertEquals(b.getWeights(), a.getWeights(), "class 1 weighing 3 = sample weights 3 on class-1 samples");
    }
}
