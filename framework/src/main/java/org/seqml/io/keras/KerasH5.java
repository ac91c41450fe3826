package org.seqml.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.backend.Backend;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;

/**
 * Loads a model saved by Keras 2 ({@code model.save("m.h5")}, legacy HDF5) into seqml, weights
 * included, so it predicts what Keras predicted:
 * <pre>{@code
 * Model model = KerasH5.load(Path.of("model.h5"));
 * INDArray y = model.predict(x);
 * }</pre>
 * The file's root attributes hold {@code keras_version} and {@code model_config} (JSON); the group
 * {@code model_weights} holds one group per layer whose attribute {@code weight_names} lists its
 * datasets in {@code get_weights()} order, which is seqml's order too. A weights-only file
 * ({@code model.save_weights}, {@code layer_names} at the root) loads with its JSON config:
 * {@link #load(Path, Path)}. Sequential configs (Keras 2's list form and the later
 * {@code {"layers": [...]}} form) and functional configs ({@link KerasGraph}) are read.
 */
public final class KerasH5 {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KerasH5() {
    }

    /** A whole model saved by {@code model.save} in HDF5. */
    public static Model load(Path file) {
        Backend.init();
        try (HdfFile h5 = open(file)) {
            String config = text(h5.getAttribute("model_config"), file, "model_config");
            Model model = build(JSON.readTree(config), file, version(h5));
            loadWeights(h5, "model_weights/", model, file);
            return model;
        } catch (IOException e) {
            throw new KerasImportException(file + ": not a readable Keras file: " + e.getMessage(), e);
        } catch (io.jhdf.exceptions.HdfException e) {
            throw unreadable(file, e);
        }
    }

    /** Weights saved by {@code model.save_weights} in HDF5, with the model's JSON config. */
    public static Model load(Path weightsFile, Path configJson) {
        Backend.init();
        try (HdfFile h5 = open(weightsFile)) {
            Model model = build(JSON.readTree(Files.readString(configJson)), configJson, version(h5));
            loadWeights(h5, "", model, weightsFile);
            return model;
        } catch (IOException e) {
            throw new KerasImportException(weightsFile + ": not a readable Keras file: " + e.getMessage(), e);
        } catch (io.jhdf.exceptions.HdfException e) {
            throw unreadable(weightsFile, e);
        }
    }

    /** The HDF5 file, or an error naming it when it is missing, a directory or not HDF5 at all. */
    private static HdfFile open(Path file) {
        if (Files.isDirectory(file)) {
            throw new KerasImportException(file + " is a directory: give the path of the .h5 file Keras saved");
        }
        if (!Files.isRegularFile(file)) {
            throw new KerasImportException(file + " does not exist");
        }
        return new HdfFile(file);
    }

    /** HDF5's own errors, as what they mean here. */
    private static KerasImportException unreadable(Path file, RuntimeException e) {
        return new KerasImportException(file + " cannot be read as HDF5: it is empty, truncated or not an HDF5 file."
            + " Save the model again from Keras (model.save(\"name.h5\")).", e);
    }

    private static String version(HdfFile h5) {
        Attribute a = h5.getAttribute("keras_version");
        return a == null ? "" : String.valueOf(a.getData());
    }

    private static String text(Attribute a, Path file, String what) {
        if (a == null) {
            throw new KerasImportException(file + ": no '" + what + "' attribute: not a Keras model.save file"
                + " (for save_weights files, pass the JSON config too)");
        }
        Object data = a.getData();
        return data instanceof String s ? s : new String((byte[]) data, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A Sequential config as a functional chain from its input shape. */
    static Model build(JsonNode spec, Path file, String kerasVersion) {
        String cls = spec.path("class_name").asText();
        if (cls.equals("Model") || cls.equals("Functional")) {
            return new KerasGraph(file, new KerasLayers(file.getFileName().toString(), kerasVersion)).build(spec.get("config"));
        }
        if (!cls.equals("Sequential")) {
            throw new KerasImportException(file + ": a Keras " + cls + " model; seqml imports Sequential and functional"
                + " models");
        }
        JsonNode config = spec.get("config");
        JsonNode layers = config.isArray() ? config : config.get("layers");
        KerasLayers mapping = new KerasLayers(file.getFileName().toString(), kerasVersion);
        SymbolicTensor input = null;
        SymbolicTensor x = null;
        for (JsonNode layerSpec : layers) {
            String layerClass = layerSpec.get("class_name").asText();
            JsonNode c = layerSpec.get("config");
            if (x == null) {
                input = input(c, file);
                x = input;
                if (layerClass.equals("InputLayer")) {
                    continue;
                }
            }
            x = mapping.layer(layerClass, c).apply(x);
        }
        return new Model(input, x);
    }

    static SymbolicTensor input(JsonNode c, Path file) {
        JsonNode shape = c.has("batch_input_shape") ? c.get("batch_input_shape") : c.get("batch_shape");
        if (shape == null || !shape.isArray()) {
            throw new KerasImportException(file + ": the first layer has no batch_input_shape or batch_shape");
        }
        long[] sample = new long[shape.size() - 1];
        for (int i = 1; i < shape.size(); i++) {
            // None: sequences of any length (tf.keras's usual way to save a variable-length model); a
            // layer that needs the size (a recurrent layer's features) says so when it is built
            sample[i - 1] = shape.get(i).isNull() ? org.seqml.Shape.UNKNOWN : shape.get(i).asLong();
        }
        return Input.of(sample);
    }

    /** Each layer's weights from {@code <prefix><layer>/}, by its weight_names, checked by shape. */
    private static void loadWeights(HdfFile h5, String prefix, Model model, Path file) {
        for (Layer layer : model.layers()) {
            List<Parameter> params = layer.weights();
            if (params.isEmpty()) {
                continue;
            }
            Node group = h5.getByPath(prefix + layer.name());
            Attribute names = group == null ? null : group.getAttribute("weight_names");
            if (names == null) {
                throw new KerasImportException(file + ": no weights for layer '" + layer.name() + "'");
            }
            List<String> weightNames = strings(names.getData());
            List<INDArray> values = new ArrayList<>();
            for (String w : weightNames) {
                values.add(array(h5.getDatasetByPath(prefix + layer.name() + "/" + w)));
            }
            assign(layer, weightNames, values, file);
        }
    }

    /**
     * Puts the file's values (labelled for messages by their names or paths in the file) into the
     * layer's weights, in order, after checking their count and shapes.
     */
    static void assign(Layer layer, List<String> labels, List<INDArray> values, Path file) {
        List<Parameter> params = layer.weights();
        if (values.size() != params.size()) {
            throw new KerasImportException(file + ": layer '" + layer.name() + "' has " + values.size()
                + " weights in the file " + labels + ", seqml's layer has " + params.size() + " " + params);
        }
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            INDArray value = fitted(values.get(i), p);
            if (!Arrays.equals(value.shape(), p.value().shape())) {
                throw new KerasImportException(file + ": weight '" + labels.get(i) + "' of layer '" + layer.name()
                    + "' has shape " + Arrays.toString(value.shape()) + ", seqml expects "
                    + Arrays.toString(p.value().shape()) + " (" + p.name() + ")");
            }
            p.value().assign(value.castTo(p.value().dataType()));
        }
    }

    private static List<String> strings(Object data) {
        List<String> out = new ArrayList<>();
        if (data instanceof String[] a) {
            out.addAll(Arrays.asList(a));
        } else if (data instanceof String s) {
            out.add(s);
        } else if (data instanceof Object[] a) {
            for (Object o : a) {
                out.add(o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o));
            }
        }
        return out;
    }

    /** Keras's scalar weights (Attention's scale, shape ()) go into seqml's shape-(1) weight. */
    static INDArray fitted(INDArray value, Parameter p) {
        return value.rank() == 0 && p.value().length() == 1 ? value.reshape(p.value().shape()) : value;
    }

    /** A dataset as an ND4J array of its shape (HDF5 is row-major, as ND4J's 'c' order). */
    static INDArray array(Dataset ds) {
        long[] shape = Arrays.stream(ds.getDimensions()).asLongStream().toArray();
        Object flat = ds.isScalar() ? ds.getData() : ds.getDataFlat();
        INDArray a;
        if (flat instanceof Number n) {
            a = Nd4j.scalar(n.floatValue());
        } else if (flat instanceof float[] f) {
            a = Nd4j.create(f, shape, 'c');
        } else if (flat instanceof double[] d) {
            a = Nd4j.create(d, shape, 'c');
        } else {
            throw new KerasImportException(ds.getPath() + ": weights of type " + ds.getJavaType() + " are not supported");
        }
        return a;
    }
}
