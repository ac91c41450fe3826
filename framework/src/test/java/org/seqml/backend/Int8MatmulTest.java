package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An int8 product stays within the rounding bound of its scales of the float product, on oneDNN
 * and in Java alike. With x̂ = x_q / s_x and ŵ = W_q / s_n, each off by at most half a step,
 * {@code |x̂ŵ - xw| <= 0.5/s_x |w| + 0.5/s_n |x| + 0.25/(s_x s_n)}, summed over k.
 */
class Int8MatmulTest {
    private static INDArray input(long m, long k, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, m, k).muli(0.7);
    }

    /** The bound above, per output element, for inputs within {@code range}. */
    private static INDArray bound(INDArray x, INDArray w, Int8Matmul q, double range) {
        double sx = 127 / range;
        INDArray absW = Transforms.abs(w, true);
        INDArray inv = Nd4j.ones(DataType.FLOAT, q.outputs()).divi(q.scales());   // 1 / s_n
        INDArray first = Nd4j.ones(DataType.FLOAT, x.size(0), x.size(1)).mmul(absW).muli(0.5 / sx);
        INDArray second = Transforms.abs(x, true).sum(true, 1).mmul(inv.reshape(1, -1)).muli(0.5);
        INDArray third = Nd4j.ones(DataType.FLOAT, x.size(0), 1).mmul(inv.reshape(1, -1)).muli(0.25 * x.size(1) / sx);
        return first.addi(second).addi(third).addi(1e-5);
    }

    private static void assertWithin(INDArray expected, INDArray actual, INDArray bound) {
        INDArray excess = Transforms.abs(expected.sub(actual), false).subi(bound);
        assertTrue(excess.maxNumber().doubleValue() <= 0, "beyond the bound by " + excess.maxNumber());
    }

    @Test
    void productIsWithinItsScalesBoundOnOneDnnAndInJava() {
        INDArray w = input(50, 23, 1).muli(Nd4j.linspace(DataType.FLOAT, 0.1, 2, 23).reshape(1, 23));
        INDArray x = input(37, 50, 2);
        Int8Matmul q = Int8Matmul.quantize(w);
        INDArray exact = x.mmul(w);
        INDArray fast = Nd4j.create(DataType.FLOAT, 37, 23);
        q.multiply(x, 0, fast, false);
        INDArray plain = Backend.withoutFusedKernels(() -> {
            INDArray y = Nd4j.create(DataType.FLOAT, 37, 23);
            q.multiply(x, 0, y, false);
            return y;
        });
        INDArray bound = bound(x, w, q, x.amaxNumber().doubleValue());
        assertWithin(exact, fast, bound);
        assertWithin(exact, plain, bound);
        // the same int32 sums, scaled in a different order
        assertTrue(fast.equalsWithEps(plain, 1e-5), "oneDNN and Java disagree");
        assertTrue(exact.sub(fast).amaxNumber().doubleValue() > 0, "the product did run in int8");
    }

    /** Past 65,536 values oneDNN quantizes too (a reorder); the same products as Java's. */
    @Test
    void largeProductsQuantizeOnOneDnnToTheSameResult() {
        INDArray w = input(120, 40, 10);
        Int8Matmul q = Int8Matmul.quantize(w);
        INDArray x = input(700, 120, 11);
        for (double range : new double[] {0, 3}) {
            INDArray fast = Nd4j.create(DataType.FLOAT, 700, 40);
            q.multiply(x, range, fast, false);
            INDArray plain = Backend.withoutFusedKernels(() -> {
                INDArray y = Nd4j.create(DataType.FLOAT, 700, 40);
                q.multiply(x, range, y, false);
                return y;
            });
            assertTrue(fast.equalsWithEps(plain, 1e-4), "range " + range);
            assertWithin(x.mmul(w), fast, bound(x, w, q, x.amaxNumber().doubleValue()));
            // a loop's step of a large batch: (K, M) in, (N, M) added into
            INDArray out = Nd4j.rand(DataType.FLOAT, 40, 700);
            INDArray expected = out.add(fast.transpose());
            q.multiplyTransposed(x.transpose(), range, out, true);
            assertTrue(expected.equalsWithEps(out, 1e-4), "transposed, range " + range);
        }
    }

    @Test
    void dynamicScalesAreEachSamplesOwnWhateverItsBatch() {
        Int8Matmul q = Int8Matmul.quantize(input(16, 8, 8));
        INDArray x = input(6, 16, 9);
        x.getRow(5).muli(40);   // a loud sample beside quiet ones
        INDArray together = Nd4j.create(DataType.FLOAT, 6, 8);
        q.multiply(x, 0, together, false);
        for (int r = 0; r < 6; r++) {
            INDArray alone = Nd4j.create(DataType.FLOAT, 1, 8);
            q.multiply(x.getRow(r, true), 0, alone, false);
            assertTrue(alone.equalsWithEps(together.getRow(r, true), 1e-6), "row " + r);
        }
    }

    @Test
    void staticRangeSaturatesLargerInputs() {
        INDArray w = input(8, 4, 3);
        Int8Matmul q = Int8Matmul.quantize(w);
        INDArray x = Nd4j.ones(DataType.FLOAT, 1, 8).muli(5);
        INDArray y = Nd4j.create(DataType.FLOAT, 1, 4);
        q.multiply(x, 2.0, y, false);   // inputs beyond 2 count as 2
        INDArray clipped = Nd4j.ones(DataType.FLOAT, 1, 8).muli(2).mmul(w);
        assertWithin(clipped, y, bound(Nd4j.ones(DataType.FLOAT, 1, 8).muli(2), w, q, 2.0));
    }

    @Test
    void transposedProductAccumulatesIntoAStepOfALoop() {
        INDArray w = input(16, 12, 4);
        Int8Matmul q = Int8Matmul.quantize(w);
        INDArray steps = Nd4j.rand(DataType.FLOAT, 5, 16, 7);   // (T, K, B), as a loop keeps them
        INDArray out = Nd4j.rand(DataType.FLOAT, 5, 12, 7);
        INDArray before = out.dup();
        INDArray x = steps.get(NDArrayIndex.point(3), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray y = out.get(NDArrayIndex.point(3), NDArrayIndex.all(), NDArrayIndex.all());
        q.multiplyTransposed(x, 1.0, y, true);
        INDArray expected = before.slice(3).add(w.transpose().mmul(x));
        assertWithin(expected.transpose(), out.slice(3).transpose(), bound(x.transpose(), w, q, 1.0));
        assertEquals(before.slice(2), out.slice(2), "the other steps are untouched");
        assertEquals(before.slice(4), out.slice(4));
    }

    @Test
    void severalThreadsShareTheWeights() throws Exception {
        INDArray w = input(32, 24, 5);
        Int8Matmul q = Int8Matmul.quantize(w);
        INDArray x = input(64, 32, 6);
        INDArray expected = Nd4j.create(DataType.FLOAT, 64, 24);
        q.multiply(x, 0, expected, false);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<INDArray>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(pool.submit(() -> {
                    INDArray y = Nd4j.create(DataType.FLOAT, 64, 24);
                    q.multiply(x, 0, y, false);
                    return y;
                }));
            }
            for (Future<INDArray> call : calls) {
                assertEquals(expected, call.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void wrongShapesAreRefusedBeforeTheKernel() {
        Int8Matmul q = Int8Matmul.quantize(input(8, 4, 7));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> q.multiply(Nd4j.ones(DataType.FLOAT, 2, 9), 0, Nd4j.create(DataType.FLOAT, 2, 4), false));
        assertTrue(e.getMessage().contains("(batch, 8)"), e.getMessage());
    }

    /** Inputs round to the nearest step, even on ties, and saturate: seen through an identity's product. */
    @Test
    void inputsRoundHalfToEvenAndSaturate() {
        float[] x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 126.5f, 200f, -300f};
        float[] q = {0, 2, 2, 0, -2, 126, 127, -128};
        Int8Matmul identity = Int8Matmul.quantize(Nd4j.eye(x.length).castTo(DataType.FLOAT));
        INDArray y = Nd4j.create(DataType.FLOAT, 1, x.length);
        identity.multiply(Nd4j.createFromArray(x).reshape(1, x.length), 127, y, false);   // one step per unit
        org.junit.jupiter.api.Assertions.assertArrayEquals(q, y.toFloatVector(), "multiply");
        INDArray rows = Nd4j.create(DataType.FLOAT, 1, x.length);
        identity.multiplyRows(x, 1, 127, rows);
        org.junit.jupiter.api.Assertions.assertArrayEquals(q, rows.toFloatVector(), "multiplyRows");
    }
}
