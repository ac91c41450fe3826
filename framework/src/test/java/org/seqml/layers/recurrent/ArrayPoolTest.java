package org.seqml.layers.recurrent;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.layers.Forward;
import org.seqml.models.Graph;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;

class ArrayPoolTest {

    @Test
    void aReturnedArrayIsReusedAndALiveOneIsNot() {
        ArrayPool pool = new ArrayPool();
        ArrayPool.Lease first = pool.lease();
        INDArray a = first.take(DataType.FLOAT, 3, 4);
        ArrayPool.Lease second = pool.lease();
        assertNotSame(a, second.take(DataType.FLOAT, 3, 4), "two calls in flight get different arrays");
        pool.giveBack(first);
        assertSame(a, pool.lease().take(DataType.FLOAT, 3, 4), "a returned array is reused");
        assertThrows(IllegalStateException.class, () -> first.take(DataType.FLOAT, 1));
    }

    @Test
    void aSharedLayerCalledTwiceKeepsBothCallsIntactUntilBackward() {
        LSTM shared = new LSTM(3).returnSequences(true);
        SymbolicTensor a = Input.of(4, 2);
        SymbolicTensor b = Input.of(4, 2);
        Model model = new Model(java.util.List.of(a, b), java.util.List.of(shared.apply(a), shared.apply(b)));
        Graph graph = model.graph();
        INDArray xa = Nd4j.rand(DataType.FLOAT, 2, 4, 2);
        INDArray xb = Nd4j.rand(DataType.FLOAT, 2, 4, 2);
        Graph.Run run = graph.forward(new INDArray[] {xa, xb}, true);
        INDArray[] dx = graph.backward(run, new INDArray[] {Nd4j.ones(DataType.FLOAT, 2, 4, 3), null});
        // the same gradient as a lone call of the first input
        Forward alone = shared.call(new INDArray[] {xa}, new INDArray[1], true);
        INDArray expected = shared.backward(alone, new INDArray[] {Nd4j.ones(DataType.FLOAT, 2, 4, 3)})[0];
        assertTrue(expected.equalsWithEps(dx[0], 1e-6));
        shared.release(alone);
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> shared.backward(alone, new INDArray[] {Nd4j.ones(DataType.FLOAT, 2, 4, 3)}));
        assertTrue(e.getMessage().contains("released"), e.getMessage());
    }
}
