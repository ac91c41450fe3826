package org.seqml.initializers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

class InitializersTest {
    private static final long[] SHAPE = {200, 300};

    private static double std(INDArray a) {
        return a.stdNumber().doubleValue();
    }

    @Test
    void glorotAndHeHaveKerasVariance() {
        double glorot = Math.sqrt(2.0 / 500);
        double he = Math.sqrt(2.0 / 200);
        assertEquals(glorot, std(new GlorotUniform(1).initialize(SHAPE, DataType.FLOAT)), glorot * 0.03);
        assertEquals(glorot, std(new GlorotNormal(1).initialize(SHAPE, DataType.FLOAT)), glorot * 0.03);
        assertEquals(he, std(new HeUniform(1).initialize(SHAPE, DataType.FLOAT)), he * 0.03);
        assertEquals(he, std(new HeNormal(1).initialize(SHAPE, DataType.FLOAT)), he * 0.03);
        double limit = Math.sqrt(6.0 / 500);
        assertTrue(new GlorotUniform(2).initialize(SHAPE, DataType.FLOAT).amaxNumber().doubleValue() <= limit);
        double trunc = 2 * Math.sqrt(2.0 / 500) / 0.87962566103423978;
        assertTrue(new GlorotNormal(2).initialize(SHAPE, DataType.FLOAT).amaxNumber().doubleValue() <= trunc + 1e-6);
    }

    @Test
    void sameSeedSameValuesOtherSeedOtherValues() {
        assertEquals(new GlorotUniform(5).initialize(SHAPE, DataType.FLOAT), new GlorotUniform(5).initialize(SHAPE, DataType.FLOAT));
        assertNotEquals(new GlorotUniform(5).initialize(SHAPE, DataType.FLOAT), new GlorotUniform(6).initialize(SHAPE, DataType.FLOAT));
        assertEquals(new Orthogonal(1, 3).initialize(new long[] {4, 8}, DataType.FLOAT),
            new Orthogonal(1, 3).initialize(new long[] {4, 8}, DataType.FLOAT));
    }

    @Test
    void orthogonalGivesOrthonormalRowsOrColumnsTimesGain() {
        INDArray tall = new Orthogonal(2.0, 7).initialize(new long[] {12, 5}, DataType.DOUBLE);
        assertTrue(tall.transpose().mmul(tall).equalsWithEps(Nd4j.eye(5).castTo(DataType.DOUBLE).muli(4.0), 1e-9));
        INDArray wide = new Orthogonal(1.0, 7).initialize(new long[] {4, 16}, DataType.DOUBLE);
        assertTrue(wide.mmul(wide.transpose()).equalsWithEps(Nd4j.eye(4).castTo(DataType.DOUBLE), 1e-9));
    }

    @Test
    void uniformNormalAndConstantsFollowTheirDefaults() {
        INDArray u = new RandomUniform(1, 2, 3).initialize(SHAPE, DataType.FLOAT);
        assertTrue(u.minNumber().doubleValue() >= 1 && u.maxNumber().doubleValue() <= 2);
        assertEquals(0.05, std(new RandomNormal(0, 0.05, 3).initialize(SHAPE, DataType.FLOAT)), 0.002);
        assertEquals(0.0, Transforms.abs(Initializer.get("zeros").initialize(SHAPE, DataType.FLOAT)).sumNumber().doubleValue());
        assertEquals(60000.0, Initializer.get("ones").initialize(SHAPE, DataType.FLOAT).sumNumber().doubleValue());
        assertEquals(2.5, new Constant(2.5).initialize(new long[] {3}, DataType.FLOAT).getDouble(1), 0);
        assertTrue(Initializer.get("he_normal") instanceof HeNormal);
    }

    @Test
    void fansFollowKeras() {
        assertEquals(3, Initializer.fans(new long[] {3, 4})[0]);
        assertEquals(4, Initializer.fans(new long[] {3, 4})[1]);
        assertEquals(5, Initializer.fans(new long[] {5})[1]);
        assertEquals(2 * 3 * 4, Initializer.fans(new long[] {2, 3, 4, 5})[0]);
    }
}
