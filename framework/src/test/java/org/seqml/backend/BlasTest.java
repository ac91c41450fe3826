package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The direct BLAS path against ND4J's own product (the plain reference), on the views the recurrent loop uses. */
class BlasTest {

    private static void assertSameProduct(INDArray a, boolean ta, INDArray b, boolean tb, INDArray c) {
        INDArray expected = (ta ? a.transpose() : a).mmul(tb ? b.transpose() : b).muli(0.5).addi(c.mul(2.0));
        Blas.gemm(a, ta, b, tb, 0.5, c, 2.0);
        assertTrue(expected.equalsWithEps(c, 1e-4 * Math.max(1, expected.amaxNumber().doubleValue())),
            "expected\n" + expected + "\ngot\n" + c);
    }

    @Test
    void matchesNd4jOnWholeMatricesInEveryTransposition() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    INDArray a = Nd4j.rand(type, ta ? 7 : 5, ta ? 5 : 7);
                    INDArray b = Nd4j.rand(type, tb ? 3 : 7, tb ? 7 : 3);
                    assertSameProduct(a, ta, b, tb, Nd4j.rand(type, 5, 3));
                }
            }
        }
    }

    @Test
    void largeFloatProductsOnOneDnnMatchNd4jInEveryTranspositionAndOnViews() {
        // 320 x 256 x 210 multiply-adds: past the size from which float products go to oneDNN's sgemm
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                INDArray a = Nd4j.rand(DataType.FLOAT, ta ? 256 : 320, ta ? 320 : 256);
                INDArray b = Nd4j.rand(DataType.FLOAT, tb ? 210 : 256, tb ? 256 : 210);
                assertSameProduct(a, ta, b, tb, Nd4j.rand(DataType.FLOAT, 320, 210));
            }
        }
        INDArray wide = Nd4j.rand(DataType.FLOAT, 330, 300);
        INDArray a = wide.get(NDArrayIndex.interval(5, 325), NDArrayIndex.interval(10, 266));   // (320, 256), row stride 300
        INDArray c = Nd4j.rand(DataType.FLOAT, 320, 400).get(NDArrayIndex.all(), NDArrayIndex.interval(100, 310));
        assertSameProduct(a, false, Nd4j.rand(DataType.FLOAT, 256, 210), false, c);
    }

    @Test
    void matchesNd4jOnTimeStepsRowRunsAndColumnBlocks() {
        INDArray steps = Nd4j.rand(DataType.FLOAT, 4, 12, 6);          // (T, G*U, B)
        INDArray kernel = Nd4j.rand(DataType.FLOAT, 4, 12);           // (U, G*U)
        INDArray h = Nd4j.rand(DataType.FLOAT, 3, 4, 6);              // (T, U, B)
        INDArray step = steps.slice(2);
        assertSameProduct(kernel, true, h.slice(1), false, step);
        INDArray rows = step.get(NDArrayIndex.interval(4, 8), NDArrayIndex.all());
        INDArray columns = kernel.get(NDArrayIndex.all(), NDArrayIndex.interval(4, 8));
        assertSameProduct(columns, true, h.slice(2), false, rows);
        INDArray batchMajor = Nd4j.rand(DataType.FLOAT, 6, 3, 4);     // (B, T, F): step 1 has row stride T*F
        INDArray xStep = batchMajor.get(NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.all());
        assertSameProduct(xStep, false, Nd4j.rand(DataType.FLOAT, 4, 5), false, Nd4j.rand(DataType.FLOAT, 6, 5));
    }

    @Test
    void addColumnSumsAddsEachColumnsSumIntoVectorsRowsAndColumnsOfMatrices() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray wide = Nd4j.rand(type, 9, 11);
            INDArray rows = wide.get(NDArrayIndex.interval(1, 8), NDArrayIndex.interval(2, 7));   // (7, 5), row stride 11
            INDArray[] targets = {
                Nd4j.rand(type, 5),                                                    // a bias
                Nd4j.rand(type, 3, 5).getRow(1),                                        // a row of GRU's (2, 3U) bias
                Nd4j.rand(type, 5, 4).getColumn(2),                                     // strided
            };
            for (INDArray into : targets) {
                INDArray expected = into.add(rows.sum(0).reshape(into.shape()));
                Blas.addColumnSums(rows, into);
                assertTrue(expected.equalsWithEps(into, 1e-5), "expected\n" + expected + "\ngot\n" + into);
            }
            INDArray whole = Nd4j.rand(type, 4, 6);
            INDArray into = Nd4j.zeros(type, 6);
            Blas.addColumnSums(whole, into);
            assertTrue(whole.sum(0).equalsWithEps(into, 1e-5));
        }
    }

    @Test
    void rejectsShapesThatDoNotAgree() {
        assertThrows(IllegalArgumentException.class,
            () -> Blas.gemm(Nd4j.rand(DataType.FLOAT, 2, 3), false, Nd4j.rand(DataType.FLOAT, 2, 3), false, 1, Nd4j.rand(DataType.FLOAT, 2, 3), 0));
    }

    @Test
    void addRowsAddsEachRowIntoItsIdRepeatedIdsAddingUpAsScatterAddDoes() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray into = Nd4j.rand(type, 7, 5);
            INDArray rows = Nd4j.rand(type, 6, 5);
            long[] ids = {3, 0, 3, 6, 3, 1};
            INDArray expected = into.dup();
            for (int k = 0; k < ids.length; k++) {   // the plain reference, one row at a time
                expected.getRow(ids[k]).addi(rows.getRow(k));
            }
            Blas.addRows(rows, ids, into);
            assertTrue(expected.equalsWithEps(into, 1e-6), type + ": expected\n" + expected + "\ngot\n" + into);
        }
        // a column block of a wider matrix goes through its row stride
        INDArray wide = Nd4j.zeros(DataType.FLOAT, 4, 8);
        INDArray block = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5));
        Blas.addRows(Nd4j.ones(DataType.FLOAT, 2, 3), new long[] {1, 1}, block);
        assertTrue(wide.sumNumber().doubleValue() == 6.0 && wide.getFloat(1, 2) == 2f && wide.getFloat(1, 5) == 0f,
            "wide\n" + wide);
    }

    @Test
    void addRowsRejectsIdsOutsideTheTable() {
        INDArray into = Nd4j.zeros(DataType.FLOAT, 3, 2);
        assertThrows(IllegalArgumentException.class, () -> Blas.addRows(Nd4j.ones(DataType.FLOAT, 1, 2), new long[] {3}, into));
        assertThrows(IllegalArgumentException.class, () -> Blas.addRows(Nd4j.ones(DataType.FLOAT, 1, 2), new long[] {-1}, into));
        assertThrows(IllegalArgumentException.class, () -> Blas.addRows(Nd4j.ones(DataType.FLOAT, 2, 2), new long[] {0}, into));
    }

    @Test
    void gatherRowsCopiesTheRowOfEachIdAsGatherDoes() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray table = Nd4j.rand(type, 7, 5);
            long[] ids = {3, 0, 3, 6};
            INDArray expected = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.shape.Gather(table,
                Nd4j.createFromArray(ids), 0))[0];
            INDArray into = Nd4j.rand(type, 4, 5);
            Blas.gatherRows(table, ids, into);
            assertTrue(expected.equals(into), type + ": expected\n" + expected + "\ngot\n" + into);
            // views: a block of rows and columns of a wider table, into a column block; the byte
            // offsets start inside each buffer and step by the row strides
            INDArray big = Nd4j.rand(type, 10, 8);
            INDArray blockTable = big.get(NDArrayIndex.interval(2, 9), NDArrayIndex.interval(1, 6));
            INDArray wide = Nd4j.zeros(type, 5, 9);
            INDArray blockInto = wide.get(NDArrayIndex.interval(1, 5), NDArrayIndex.interval(3, 8));
            Blas.gatherRows(blockTable, ids, blockInto);
            for (int k = 0; k < ids.length; k++) {
                assertEquals(blockTable.getRow(ids[k]), blockInto.getRow(k), type + " view row " + k);
            }
            assertEquals(0.0, wide.getRow(0).sumNumber().doubleValue() + wide.getColumn(2).sumNumber().doubleValue()
                + wide.getColumn(8).sumNumber().doubleValue(), type + ": wrote outside the view\n" + wide);
        }
        INDArray table = Nd4j.rand(DataType.FLOAT, 3, 2);
        assertThrows(IllegalArgumentException.class, () -> Blas.gatherRows(table, new long[] {3}, Nd4j.zeros(DataType.FLOAT, 1, 2)));
        assertThrows(IllegalArgumentException.class, () -> Blas.gatherRows(table, new long[] {0}, Nd4j.zeros(DataType.FLOAT, 2, 2)));
    }

    @Test
    void valuesAtAndAddAtReadAndAddAtFlatPositionsAsGatherAndScatterAddDo() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray a = Nd4j.rand(type, 6, 7);
            long[] positions = {3, 40, 3, 0, 41};
            INDArray flat = a.reshape(a.length());
            double[] expected = new double[positions.length];
            for (int i = 0; i < positions.length; i++) {
                expected[i] = flat.getDouble(positions[i]);
            }
            assertArrayEquals(expected, Blas.valuesAt(a, positions), 0.0, type.toString());
            INDArray sum = a.dup();
            double[] updates = {1, 2, 4, 8, 16};
            Blas.addAt(a, positions, updates);
            sum.reshape(sum.length()).putScalar(3, sum.reshape(sum.length()).getDouble(3) + 5);   // 1 + 4: repeated
            sum.reshape(sum.length()).putScalar(40, sum.reshape(sum.length()).getDouble(40) + 2);
            sum.reshape(sum.length()).putScalar(0, sum.reshape(sum.length()).getDouble(0) + 8);
            sum.reshape(sum.length()).putScalar(41, sum.reshape(sum.length()).getDouble(41) + 16);
            assertTrue(sum.equalsWithEps(a, 1e-6), type + ": expected\n" + sum + "\ngot\n" + a);
        }
        // rows of a larger array (a view starting inside its buffer), and a column-major array
        // (the ND4J ops' path): both by the flat c-order position
        INDArray big = Nd4j.rand(DataType.FLOAT, 10, 4);
        INDArray rows = big.get(NDArrayIndex.interval(5, 10), NDArrayIndex.all());
        assertEquals(rows.getDouble(1, 2), Blas.valuesAt(rows, new long[] {6})[0], 0.0);
        Blas.addAt(rows, new long[] {6}, new double[] {10});
        assertEquals(rows.getDouble(1, 2), big.getDouble(6, 2), 0.0);
        INDArray f = Nd4j.rand(DataType.FLOAT, 3, 4).dup('f');
        assertEquals(f.getDouble(1, 2), Blas.valuesAt(f, new long[] {6})[0], 0.0);
        double before = f.getDouble(1, 2);
        Blas.addAt(f, new long[] {6}, new double[] {1});
        assertEquals(before + 1, f.getDouble(1, 2), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Blas.valuesAt(f, new long[] {12}));
        assertThrows(IllegalArgumentException.class, () -> Blas.addAt(f, new long[] {-1}, new double[] {1}));
    }

    @Test
    void withBetaZeroTheOutputIsOnlyWrittenSoItMayHoldAnything() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 3, 4);
        INDArray b = Nd4j.rand(DataType.FLOAT, 4, 5);
        INDArray c = Nd4j.valueArrayOf(new long[] {3, 5}, Float.NaN, DataType.FLOAT);
        Blas.gemm(a, false, b, false, 1.0, c, 0.0);
        assertTrue(a.mmul(b).equalsWithEps(c, 1e-5), "got\n" + c);
    }
}
