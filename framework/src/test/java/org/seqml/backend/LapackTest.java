package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** LAPACK's QR equals ND4J's (the plain path) once both are normalized to a positive R diagonal. */
class LapackTest {

    @Test
    void qrMatchesND4JsAndGivesOrthonormalColumns() {
        Nd4j.getRandom().setSeed(11);
        INDArray a = Nd4j.randn(DataType.DOUBLE, 40, 7);
        INDArray[] fast = Lapack.qr(a);
        INDArray[] plain = Lapack.plain(a);
        INDArray qFast = fast[0].mulRowVector(Transforms.sign(fast[1], true));
        INDArray qPlain = plain[0].mulRowVector(Transforms.sign(plain[1], true));
        assertTrue(qFast.equalsWithEps(qPlain, 1e-10), "Q differs");
        assertTrue(Transforms.abs(fast[1], true).equalsWithEps(Transforms.abs(plain[1], true), 1e-10), "diag(R) differs");
        assertTrue(qFast.transpose().mmul(qFast).equalsWithEps(Nd4j.eye(7).castTo(DataType.DOUBLE), 1e-12));
        // Q R = A: with R's diagonal known, the first column is Q's first column times R_00
        assertTrue(qFast.getColumn(0).mul(Math.abs(fast[1].getDouble(0))).equalsWithEps(a.getColumn(0), 1e-10));
    }
}
