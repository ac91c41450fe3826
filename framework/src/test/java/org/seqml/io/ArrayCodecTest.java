package org.seqml.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.backend.Int8Rows;

/** Each encoding round-trips exactly, and is chosen only for arrays it holds exactly. */
class ArrayCodecTest {

    private static INDArray roundTrip(INDArray a, List<byte[]> entries, String encoding) throws ModelFileException {
        var spec = ArrayCodec.write(a, entries);
        assertEquals(encoding, spec.get("encoding").asText(), a.length() + " values");
        INDArray back = ArrayCodec.read(spec, Map.of(spec.get("entry").asText(), entries.get(entries.size() - 1)));
        assertArrayEquals(a.shape(), back.shape());
        assertArrayEquals(a.data().asFloat(), back.data().asFloat(), 0f, "bit for bit");
        return back;
    }

    @Test
    void powersOfTheSixteenthRootOfTwoTakeAByteEachAndComeBackExactly() throws ModelFileException {
        // an int8 embedding's row scales: 127 / max|row| rounded down to the grid
        Nd4j.getRandom().setSeed(4);
        float[] peaks = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1000).muli(0.5f).addi(0.01f).toFloatVector();
        float[] scales = new float[peaks.length];
        for (int i = 0; i < peaks.length; i++) {
            scales[i] = Int8Rows.gridScale(127f / peaks[i]);
            assertEquals(true, scales[i] <= 127f / peaks[i] && scales[i] * 1.0444f > 127f / peaks[i], "row " + i);
        }
        List<byte[]> entries = new ArrayList<>();
        roundTrip(Nd4j.createFromArray(scales).reshape(500, 2), entries, "pow2");
        assertEquals(1000, entries.get(0).length, "a byte a value");

        float[] almost = scales.clone();
        almost[17] = Math.nextUp(almost[17]);   // one value off the grid: stored as it is
        roundTrip(Nd4j.createFromArray(almost), entries, "dense");
        float[] wide = scales.clone();
        wide[3] = Int8Rows.gridValue(-300);   // 2^(-300/16): the exponents span more than a byte
        roundTrip(Nd4j.createFromArray(wide), entries, "dense");
        float[] negative = scales.clone();
        negative[5] = -negative[5];
        roundTrip(Nd4j.createFromArray(negative), entries, "dense");
    }
}
