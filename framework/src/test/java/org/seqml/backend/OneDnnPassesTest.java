package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.seqml.backend.OneDnnPasses.In.array;
import static org.seqml.backend.OneDnnPasses.In.scalar;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.OneDnnPasses.Op;

/** oneDNN's fused element-wise passes against ND4J and float64 arithmetic. */
class OneDnnPassesTest {

    private static INDArray positive(long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape).addi(0.5);
    }

    @Test
    void eachOperationMatchesNd4jExactly() {
        INDArray a = positive(37, 5);
        INDArray b = Nd4j.rand(DataType.FLOAT, 37, 5).subi(0.5);
        INDArray[] expected = {a.add(b), a.sub(b), a.mul(b), a.div(b), Transforms.max(a, b, true)};
        Op[] ops = {Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MAX};
        for (int k = 0; k < ops.length; k++) {
            INDArray out = Nd4j.zeros(DataType.FLOAT, 37, 5);
            OneDnnPasses p = OneDnnPasses.with(3, 0).pass(ops[k], array(0), array(1)).into(2).build();
            assertTrue(p.run(new INDArray[] {a, b, out}, new double[0]), "took oneDNN");
            assertEquals(expected[k], out, ops[k].toString());
        }
    }

    @Test
    void scalarsAreReadAtEachRunWithoutNewPrimitives() {
        INDArray x = positive(100);
        INDArray out = Nd4j.zeros(DataType.FLOAT, 100);
        OneDnnPasses p = OneDnnPasses.with(2, 1).pass(Op.MUL, array(0), scalar(0)).into(1).build();
        p.run(new INDArray[] {x, out}, new double[] {2});
        assertEquals(x.mul(2), out);
        p.run(new INDArray[] {x, out}, new double[] {-3});
        assertEquals(x.mul(-3), out);
    }

    @Test
    void stepsChainInOrderAndPlusOldAddsTheScaledOldValue() {
        INDArray x = positive(64, 3);
        INDArray y = Nd4j.rand(DataType.FLOAT, 64, 3).subi(0.5);
        INDArray dst = Nd4j.rand(DataType.FLOAT, 64, 3);
        INDArray old = dst.castTo(DataType.DOUBLE);
        // dst = (1 / sqrt(x + 0.25)) * y - 1.5 + 0.5 dst
        OneDnnPasses p = OneDnnPasses.with(3, 2)
            .pass(Op.ADD, array(0), scalar(0)).sqrt().reciprocal().then(Op.MUL, array(1)).then(Op.SUB, scalar(1))
            .plusOld(0.5).into(2).build();
        assertTrue(p.run(new INDArray[] {x, y, dst}, new double[] {0.25, 1.5}));
        INDArray expected = Transforms.sqrt(x.castTo(DataType.DOUBLE).add(0.25), false).rdivi(1)
            .muli(y.castTo(DataType.DOUBLE)).subi(1.5).addi(old.mul(0.5));
        double diff = expected.sub(dst.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= 4 * Math.ulp(expected.amaxNumber().floatValue()), "largest difference " + diff);
    }

    @Test
    void passesRunInOrderInPlaceAndOnEveryLength() {
        // a = a * a; b = b + a: the second pass reads the first one's result
        OneDnnPasses p = OneDnnPasses.with(2, 0)
            .pass(Op.MUL, array(0), array(0)).into(0)
            .pass(Op.ADD, array(1), array(0)).into(1).build();
        for (long n : new long[] {7, 1000}) {
            INDArray a = positive(n);
            INDArray b = positive(n);
            INDArray expected = b.add(a.mul(a));
            assertTrue(p.run(new INDArray[] {a, b}, new double[0]));
            assertTrue(expected.equalsWithEps(b, 1e-6), "length " + n);
        }
    }

    @Test
    void declinesViewsDoublesAndLengthsThatDifferLeavingThemUnchanged() {
        OneDnnPasses p = OneDnnPasses.with(2, 0).pass(Op.ADD, array(0), array(1)).into(0).build();
        INDArray whole = positive(10);
        INDArray before = whole.dup();
        INDArray view = whole.get(NDArrayIndex.interval(5, 10));
        assertFalse(p.run(new INDArray[] {view, positive(5)}, new double[0]), "a view");
        assertEquals(before, whole);
        INDArray d = Nd4j.rand(DataType.DOUBLE, 4);
        assertFalse(p.run(new INDArray[] {d, d.dup()}, new double[0]), "float64");
        assertFalse(p.run(new INDArray[] {positive(4), positive(5)}, new double[0]), "lengths differ");
        assertThrows(IllegalArgumentException.class, () -> p.run(new INDArray[] {positive(4)}, new double[0]));
    }

    @Test
    void refusesPassesItCannotBuild() {
        assertThrows(IllegalArgumentException.class, () -> OneDnnPasses.with(1, 1).pass(Op.ADD, scalar(0), array(0)));
        assertThrows(IllegalArgumentException.class, () -> OneDnnPasses.with(1, 0).pass(Op.ADD, array(0), array(1)));
        assertThrows(IllegalStateException.class, () -> OneDnnPasses.with(1, 0).into(0));
        assertThrows(IllegalStateException.class, () -> OneDnnPasses.with(1, 0).pass(Op.ADD, array(0), array(0)).build());
    }
}
