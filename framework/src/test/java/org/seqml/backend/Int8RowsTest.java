package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** An int8 table gives each looked-up row back within half a step of its row's scale (a power of 2^(1/16)). */
class Int8RowsTest {
    @Test
    void eachRowComesBackWithinHalfAStep() {
        Nd4j.getRandom().setSeed(3);
        INDArray table = Nd4j.rand(DataType.FLOAT, 50, 16).subi(0.5).muliColumnVector(
            Nd4j.linspace(DataType.FLOAT, 0.01, 3, 50).reshape(50, 1));
        table.getRow(7).assign(0);
        INDArray[] q = Int8Rows.quantize(table);
        assertEquals(DataType.INT8, q[0].dataType());
        long[] ids = {7, 0, 49, 3, 3, 20};
        INDArray out = Nd4j.create(DataType.FLOAT, ids.length, 16);
        Int8Rows.gather(q[0], q[1], ids, out);
        for (int k = 0; k < ids.length; k++) {
            INDArray row = table.getRow(ids[k]);
            // round(E s) / s is off by at most 0.5 / s, s >= 127 / max|row| / 2^(1/16) on the grid
            double bound = Math.pow(2, 1 / 16.0) * row.amaxNumber().doubleValue() / 254 + 1e-7;
            double worst = row.sub(out.getRow(k)).amaxNumber().doubleValue();
            assertTrue(worst <= bound, "row " + ids[k] + ": " + worst + " > " + bound);
        }
        assertEquals(0, out.getRow(0).amaxNumber().doubleValue(), 0, "an all-zero row stays zero");
        for (int r = 0; r < 50; r++) {
            if (r != 7) {
                int largest = q[0].getRow(r).amaxNumber().intValue();
                assertTrue(largest >= 122 && largest <= 127, "a row's largest |weight| maps to 122-127: " + largest);
                assertEquals(Int8Rows.gridScale(q[1].getFloat(r)), q[1].getFloat(r), 0f, "the scale is on the grid");
            }
        }
    }
}
