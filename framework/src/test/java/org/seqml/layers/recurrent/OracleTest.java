package org.seqml.layers.recurrent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.layers.Parameter;
import org.seqml.models.Graph;
import org.seqml.backend.Backend;
import org.seqml.models.Model;
import org.seqml.testing.GradientCheck;
import org.seqml.testing.OracleCase;

/**
 * Every case of ../shared/oracles against both independent implementations, in float32: outputs
 * within 1e-5, gradients (every weight and the input) within 1e-4; each on oneDNN's fast path
 * (where the case allows it) and on seqml's own loop.
 */
class OracleTest {

    static Stream<OracleCase> tfjs() {
        return OracleCase.all("tfjs").stream();
    }

    static Stream<OracleCase> torch() {
        return OracleCase.all("torch").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tfjs")
    void matchesTensorFlowJs(OracleCase c) {
        bothPaths(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("torch")
    void matchesPyTorch(OracleCase c) {
        bothPaths(c);
    }

    /** The oneDNN path where the case allows it, and the reference loop. */
    private static void bothPaths(OracleCase c) {
        check(c, true);
        Backend.withoutFusedKernels(() -> {
            check(c, false);
            return null;
        });
    }

    private static void check(OracleCase c, boolean fused) {
        Model model = c.model(DataType.FLOAT);
        Graph graph = model.graph();
        INDArray x = c.x(DataType.FLOAT);
        List<INDArray> initial = c.initialState(DataType.FLOAT);
        INDArray[] inputs = new INDArray[1 + initial.size()];
        inputs[0] = x;
        for (int i = 0; i < initial.size(); i++) {
            inputs[1 + i] = initial.get(i);
        }
        Graph.Run run = graph.forward(inputs, false);
        if (fused && !org.seqml.backend.Switches.portable()) {
            padded(graph, run).forEach(f -> assertTrue(RNN.ranOnOneDnn(f), c + ": a padded batch ran on the loop"));
        }
        INDArray[] outputs = run.outputs();
        JsonNode expectedOutputs = c.expected.get("outputs");
        assertEquals(expectedOutputs.size(), outputs.length, c + ": number of outputs");
        for (int k = 0; k < outputs.length; k++) {
            assertClose(OracleCase.array(expectedOutputs.get(k), DataType.FLOAT), outputs[k], 1e-5, c + " output " + k);
        }
        INDArray[] r = GradientCheck.projections(outputs);
        double loss = 0;
        for (int k = 0; k < outputs.length; k++) {
            loss += outputs[k].castTo(DataType.DOUBLE).mul(r[k].castTo(DataType.DOUBLE)).sumNumber().doubleValue();
        }
        assertEquals(c.expected.get("loss").asDouble(), loss, 1e-4, c + " loss");

        List<Parameter> params = graph.parameters();
        params.forEach(Parameter::zeroGrad);
        INDArray[] dx = graph.backward(run, r);
        JsonNode grads = c.expected.get("grads");
        assertEquals(grads.size(), params.size(), c + ": number of weights");
        for (int i = 0; i < params.size(); i++) {
            assertClose(OracleCase.array(grads.get(i), DataType.FLOAT), params.get(i).grad(), 1e-4,
                c + " gradient of weight " + i + " (" + params.get(i).name() + ")");
        }
        JsonNode gx = c.expected.get("grad_x");
        if (gx != null && !gx.isNull()) {
            assertClose(OracleCase.array(gx, DataType.FLOAT), dx[0], 1e-4, c + " gradient of x");
        }
    }

    /**
     * The forwards of the recurrent layers (each direction of a Bidirectional) that met a padded
     * batch and have a fused form: oneDNN must have run them (packed).
     */
    private static List<org.seqml.layers.Forward> padded(Graph graph, Graph.Run run) {
        List<org.seqml.layers.Forward> out = new java.util.ArrayList<>();
        for (org.seqml.models.Node node : graph.nodes()) {
            org.seqml.layers.Forward f = graph.forwardOf(run, node.outputs().get(0));
            if (f == null || f.inputMask() == null || f.inputMask().minNumber().doubleValue() != 0) {
                continue;
            }
            if (node.layer() instanceof RNN<?> rnn && rnn.fusedCell() != null) {
                out.add(f);
            } else if (node.layer() instanceof Bidirectional bi && bi.config().forwardLayer().fusedCell() != null) {
                out.addAll(List.of(Bidirectional.directions(f)));
            }
        }
        return out;
    }

    private static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double worst = Transforms.abs(expected.sub(actual.castTo(expected.dataType())), false).maxNumber().doubleValue();
        assertTrue(worst <= tolerance, what + ": max difference " + worst + " > " + tolerance + "\nexpected " + expected
            + "\nactual " + actual);
    }
}
