package org.seqml.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.seqml.layers.Layer;

/**
 * Fresh, unbuilt copies of layers from their configs, as Keras's {@code clone_model} makes them:
 * the same class, name, options, regularizers and constraints, no weights. What rebuilds a model
 * with other shapes (structured pruning) starts here.
 *
 * <pre>{@code
 * Layer again = LayerCopy.of(model.getLayer("dense"));
 * Layer narrower = LayerCopy.withUnits(model.getLayer("lstm"), 16);
 * }</pre>
 */
public final class LayerCopy {
    private LayerCopy() {
    }

    /** An unbuilt copy of {@code layer}. */
    public static Layer of(Layer layer) {
        return rebuild(LayerCodec.encode(layer), layer);
    }

    /**
     * An unbuilt copy of a layer with a {@code units} option (Dense, the recurrent layers) or of a
     * Bidirectional wrapper (both directions), with {@code units} units.
     */
    public static Layer withUnits(Layer layer, int units) {
        if (units <= 0) {
            throw new IllegalArgumentException("LayerCopy: units must be positive, got " + units);
        }
        ObjectNode node = LayerCodec.encode(layer);
        JsonNode config = node.path("config");
        boolean set = false;
        if (config.has("units")) {
            ((ObjectNode) config).put("units", units);
            set = true;
        }
        for (String inner : new String[] {"forwardLayer", "backwardLayer", "layer"}) {
            JsonNode innerConfig = config.path(inner).path("config");
            if (innerConfig.has("units")) {
                ((ObjectNode) innerConfig).put("units", units);
                set = true;
            }
        }
        if (!set) {
            throw new IllegalArgumentException("LayerCopy: " + layer.describe() + " has no units to change");
        }
        return rebuild(node, layer);
    }

    private static Layer rebuild(ObjectNode node, Layer layer) {
        try {
            return LayerCodec.decode(node);
        } catch (ModelFileException e) {
            throw new IllegalArgumentException("LayerCopy: cannot copy " + layer.describe() + ": " + e.getMessage(), e);
        }
    }
}
