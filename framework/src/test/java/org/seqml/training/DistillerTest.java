package org.seqml.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.RandomSeed;
import org.seqml.callbacks.History;
import org.seqml.layers.Dense;
import org.seqml.losses.BinaryCrossentropy;
import org.seqml.losses.CategoricalCrossentropy;
import org.seqml.losses.DistillationLoss;
import org.seqml.losses.Loss;
import org.seqml.losses.SparseCategoricalCrossentropy;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Sequential;
import org.seqml.optimizers.Adam;

class DistillerTest {

    /** Central differences of the reduced loss against its analytic gradient, in double. */
    private static void gradientCheck(Loss loss, INDArray labels, INDArray out) {
        INDArray g = loss.evaluate(labels, out, null, null, true).gradient();
        double h = 1e-6;
        for (int i = 0; i < out.length(); i++) {
            double v = out.getDouble(i);
            out.putScalar(i, v + h);
            double up = loss.compute(labels, out);
            out.putScalar(i, v - h);
            double down = loss.compute(labels, out);
            out.putScalar(i, v);
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, g.getDouble(i), 1e-6 * Math.max(1, Math.abs(numeric)), loss.kerasName() + " element " + i);
        }
    }

    private static INDArray softmax(INDArray logits) {
        return Transforms.softmax(logits, true);
    }

    @Test
    void theDistillationLossGradientMatchesFiniteDifferences() {
        Nd4j.getRandom().setSeed(3);
        INDArray student = softmax(Nd4j.randn(DataType.DOUBLE, 4, 5));
        INDArray teacher = softmax(Nd4j.randn(DataType.DOUBLE, 4, 5).muli(2));
        INDArray ids = Nd4j.createFromArray(new double[][] {{1}, {0}, {4}, {2}});
        gradientCheck(new DistillationLoss(new SparseCategoricalCrossentropy(), 0.3, 4),
            Nd4j.concat(1, ids, teacher), student.dup());
        INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, 4, 5);
        oneHot.putScalar(0, 1, 1).putScalar(1, 0, 1).putScalar(2, 4, 1).putScalar(3, 2, 1);
        gradientCheck(new DistillationLoss(new CategoricalCrossentropy(), 0.5, 2.5),
            Nd4j.concat(1, oneHot, teacher), student.dup());
        gradientCheck(new DistillationLoss(new CategoricalCrossentropy().fromLogits(true), 0.2, 3),
            Nd4j.concat(1, oneHot, Nd4j.randn(DataType.DOUBLE, 4, 5)), Nd4j.randn(DataType.DOUBLE, 4, 5));
        INDArray p = Transforms.sigmoid(Nd4j.randn(DataType.DOUBLE, 6, 2));
        INDArray pt = Transforms.sigmoid(Nd4j.randn(DataType.DOUBLE, 6, 2));
        INDArray bits = Nd4j.rand(DataType.DOUBLE, 6, 2).gt(0.5).castTo(DataType.DOUBLE);
        gradientCheck(new DistillationLoss(new BinaryCrossentropy(), 0.1, 5), Nd4j.concat(1, bits, pt), p);
    }

    @Test
    void transferSamplesTrainOnTheTeacherAloneAndTheGradientStillMatches() {
        Nd4j.getRandom().setSeed(5);
        INDArray student = softmax(Nd4j.randn(DataType.DOUBLE, 4, 3));
        INDArray teacher = softmax(Nd4j.randn(DataType.DOUBLE, 4, 3).muli(2));
        double u = DistillationLoss.UNLABELED;
        INDArray ids = Nd4j.createFromArray(new double[][] {{1}, {u}, {2}, {u}});
        DistillationLoss loss = new DistillationLoss(new SparseCategoricalCrossentropy(), 0.4, 2);
        gradientCheck(loss, Nd4j.concat(1, ids, teacher), student.dup());
        // per sample: the labeled rows are alpha * hard + (1 - alpha) * T^2 KL, the unlabeled rows the KL term alone
        INDArray per = loss.elementwise(Nd4j.concat(1, ids, teacher), student);
        DistillationLoss klOnly = new DistillationLoss(new SparseCategoricalCrossentropy(), 0, 2);
        INDArray kl = klOnly.elementwise(Nd4j.concat(1, Nd4j.zeros(DataType.DOUBLE, 4, 1), teacher), student).muli(0.6);
        INDArray ce = new SparseCategoricalCrossentropy().elementwise(Nd4j.createFromArray(new double[][] {{1}, {0}, {2}, {0}}),
            student).muli(0.4);
        assertEquals(kl.getDouble(1), per.getDouble(1), 1e-12);
        assertEquals(kl.getDouble(3), per.getDouble(3), 1e-12);
        assertEquals(kl.getDouble(0) + ce.getDouble(0), per.getDouble(0), 1e-12);
        assertEquals(kl.getDouble(2) + ce.getDouble(2), per.getDouble(2), 1e-12);
        INDArray p = Transforms.sigmoid(Nd4j.randn(DataType.DOUBLE, 5, 1));
        INDArray pt = Transforms.sigmoid(Nd4j.randn(DataType.DOUBLE, 5, 1));
        INDArray bits = Nd4j.createFromArray(new double[][] {{1}, {u}, {0}, {u}, {1}});
        gradientCheck(new DistillationLoss(new BinaryCrossentropy(), 0.3, 3), Nd4j.concat(1, bits, pt), p);
        // metrics compare a transfer sample with the teacher's decision
        INDArray metric = new DistillationLoss(new BinaryCrossentropy(), 0.3, 3).metricLabels(Nd4j.concat(1, bits, pt), p);
        for (int r = 0; r < 5; r++) {
            double expected = bits.getDouble(r) == u ? (pt.getDouble(r) > 0.5 ? 1 : 0) : bits.getDouble(r);
            assertEquals(expected, metric.getDouble(r, 0), 0, "row " + r);
        }
        INDArray sparse = loss.metricLabels(Nd4j.concat(1, ids, teacher), student);
        assertEquals(teacher.getRow(1).argMax().getDouble(0), sparse.getDouble(1, 0), 0);
        assertEquals(1, sparse.getDouble(0, 0), 0);
    }

    @Test
    void alphaOneIsTheHardLossAndAlphaZeroIsTemperatureScaledKl() {
        INDArray logitsS = Nd4j.createFromArray(new double[][] {{1, 2, 0.5}, {-1, 0, 3}});
        INDArray logitsT = Nd4j.createFromArray(new double[][] {{2, 0, 1}, {0, 0, 1}});
        INDArray ids = Nd4j.createFromArray(new double[][] {{1}, {2}});
        INDArray labels = Nd4j.concat(1, ids, softmax(logitsT));
        INDArray p = softmax(logitsS);
        Loss hard = new SparseCategoricalCrossentropy();
        assertEquals(hard.compute(ids, p), new DistillationLoss(hard, 1, 4).compute(labels, p), 1e-9);
        double t = 4;
        INDArray a = softmax(logitsT.div(t));
        INDArray q = softmax(logitsS.div(t));
        double kl = a.mul(Transforms.log(a.div(q))).sum(1).meanNumber().doubleValue() * t * t;
        assertEquals(kl, new DistillationLoss(hard, 0, t).compute(labels, p), 1e-6);
    }

    private static INDArray[] data(long seed) {
        RandomSeed.set(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, 256, 6);
        INDArray y = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3))
            .argMax(1).castTo(DataType.FLOAT).reshape(256, 1);
        return new INDArray[] {x, y};
    }

    private static Model classifier(int hidden, long seed) {
        RandomSeed.set(seed);
        Model m = new Sequential(Input.of(6), new Dense(hidden).activation("relu"), new Dense(3).activation("softmax"));
        m.compile(new Adam(0.02), "sparse_categorical_crossentropy", "accuracy");
        return m;
    }

    @Test
    void theStudentTrainsThroughOrdinaryFitWithMetricsOnTheHardLabels() {
        INDArray[] d = data(1);
        Model teacher = classifier(64, 2);
        // 80 epochs (0.98 alone): at 40 it reached 0.898 in one full-suite run, where other tests ran first
        teacher.fit(d[0], d[1], new FitOptions().epochs(80).batchSize(32).verbose(0));
        double teacherAccuracy = teacher.evaluate(d[0], d[1]).get("accuracy");
        assertTrue(teacherAccuracy > 0.9, "teacher " + teacherAccuracy);

        Distiller distiller = new Distiller(teacher, classifier(8, 3)).alpha(0.1).temperature(3);
        distiller.compile(new Adam(0.02), "sparse_categorical_crossentropy", "accuracy");
        java.util.List<Integer> epochs = new java.util.ArrayList<>();
        History h = distiller.fit(d[0], d[1], new FitOptions().epochs(30).batchSize(32).verbose(0).validationSplit(0.2)
            .callbacks(new org.seqml.callbacks.LambdaCallback().onEpochEnd((e, logs) -> epochs.add(e))));
        assertEquals(30, epochs.size(), "callbacks run");
        assertTrue(h.history().containsKey("val_accuracy"), h.history().keySet().toString());
        Map<String, Double> scores = distiller.evaluate(d[0], d[1]);
        assertTrue(scores.get("accuracy") > 0.85, scores.toString());
        INDArray agree = distiller.student().predict(d[0]).argMax(1).eq(teacher.predict(d[0]).argMax(1));
        assertTrue(agree.castTo(DataType.FLOAT).meanNumber().doubleValue() > 0.85, "the student follows the teacher");
    }

    @Test
    void aTransferSetTeachesTheStudentWhatFewLabelsCannot() {
        INDArray[] d = data(1);
        Model teacher = classifier(64, 2);
        teacher.fit(d[0], d[1], new FitOptions().epochs(80).batchSize(32).verbose(0));
        INDArray fewX = d[0].get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 12), org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray fewY = d[1].get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 12), org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray unlabeled = d[0].get(org.nd4j.linalg.indexing.NDArrayIndex.interval(12, 256), org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray[] test = data(9);

        Model alone = classifier(8, 3);
        alone.fit(fewX, fewY, new FitOptions().epochs(60).batchSize(32).verbose(0));
        double aloneAccuracy = alone.evaluate(test[0], test[1]).get("accuracy");

        Distiller distiller = new Distiller(teacher, classifier(8, 3)).alpha(0.5).temperature(2);
        distiller.compile(new Adam(0.02), "sparse_categorical_crossentropy", "accuracy");
        History h = distiller.fit(fewX, fewY, unlabeled, new FitOptions().epochs(60).batchSize(32).verbose(0)
            .validationSplit(0.25));
        assertTrue(h.history().containsKey("val_accuracy"), h.history().keySet().toString());
        distiller.student().compile(new Adam(), "sparse_categorical_crossentropy", "accuracy");
        double distilledAccuracy = distiller.student().evaluate(test[0], test[1]).get("accuracy");
        assertTrue(distilledAccuracy > 0.85 && distilledAccuracy > aloneAccuracy + 0.05,
            "distilled " + distilledAccuracy + ", labels alone " + aloneAccuracy);
        assertThrows(IllegalArgumentException.class, () -> distiller.fit(fewX, fewY,
            Nd4j.rand(DataType.FLOAT, 5, 4), new FitOptions().verbose(0)));
    }

    @Test
    void mismatchedOutputsAndClassWeightsAreRefused() {
        INDArray[] d = data(1);
        Model teacher = classifier(8, 2);
        RandomSeed.set(4);
        Model twoClasses = new Sequential(Input.of(6), new Dense(2).activation("softmax"));
        Distiller wrong = new Distiller(teacher, twoClasses);
        wrong.compile(new Adam(), "sparse_categorical_crossentropy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> wrong.fit(d[0], d[1], new FitOptions().verbose(0)));
        assertTrue(e.getMessage().contains("teacher gives 3") && e.getMessage().contains("student 2"), e.getMessage());
        Distiller ok = new Distiller(teacher, classifier(4, 5));
        ok.compile(new Adam(), "sparse_categorical_crossentropy");
        assertThrows(IllegalArgumentException.class, () -> ok.fit(d[0], d[1], new FitOptions().verbose(0)
            .classWeight(Map.of(0, 2.0))));
        assertThrows(IllegalArgumentException.class, () -> new Distiller(teacher, teacher));
        assertThrows(IllegalArgumentException.class, () -> ok.temperature(0));
        assertThrows(IllegalArgumentException.class, () -> ok.alpha(1.5));
    }
}
