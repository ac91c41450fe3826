package org.seqml.text;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Backend;

/** What a text entrance does with the ids inside the graph: checks their range, passes them on in floatX. */
final class EntranceIds {
    private EntranceIds() {
    }

    /** The ids in floatX; refused, naming the layer, when one lies outside [0, size). */
    static INDArray checked(String layer, INDArray ids, int size) {
        if (!ids.isEmpty()) {
            double min = ids.minNumber().doubleValue();
            double max = ids.maxNumber().doubleValue();
            if (min < 0 || max >= size || Double.isNaN(min) || Double.isNaN(max)) {
                throw new IllegalArgumentException(layer + ": its vocabulary has ids [0, " + size + ") but the input"
                    + " holds ids in [" + min + ", " + max + "]. Feed strings through the model's text entry points,"
                    + " or ids that this layer's apply(texts) made.");
            }
        }
        return ids.dataType() == Backend.floatX() ? ids : ids.castTo(Backend.floatX());
    }
}
