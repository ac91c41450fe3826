package org.seqml.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An array of a model file as a zip entry and its spec in {@code model.json}, little-endian, in
 * one of three encodings, chosen per array:
 * <pre>
 * dense   every value                                              (the default)
 * sparse  a bitmap of the nonzero positions, then the nonzero values  (half or more zeros)
 * bits    the bitmap alone: an array of zeros and ones (pruning masks)
 * pow2    a byte k - offset per value, each value 2^(k/16)             (an int8 embedding's row scales)
 * </pre>
 * so a pruned weight of sparsity s takes about (1 - s) * width + 1/8 bytes per value instead of
 * width. Files without an encoding (all before it) are dense.
 */
final class ArrayCodec {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Below this many values the bitmap's saving is not worth a second layout. */
    private static final long MIN_SPARSE = 64;

    private ArrayCodec() {
    }

    /** Encodes {@code a} as the next entry of {@code entries}; returns its spec. */
    static ObjectNode write(INDArray a, List<byte[]> entries) {
        if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE && a.dataType() != DataType.INT8) {
            throw new IllegalArgumentException("cannot save arrays of " + a.dataType());
        }
        ObjectNode node = JSON.objectNode();
        node.put("entry", "arrays/" + entries.size());
        node.put("dtype", a.dataType().name());
        ArrayNode shape = node.putArray("shape");
        for (long d : a.shape()) {
            shape.add(d);
        }
        if (a.dataType() == DataType.INT8) {
            // quantized weights: a byte each, as they are
            node.put("encoding", "dense");
            entries.add(a.dup('c').data().asBytes());
            return node;
        }
        double[] v = a.dup('c').data().asDouble();
        int[] exponents = a.dataType() == DataType.FLOAT ? pow2Exponents(v) : null;
        if (exponents != null) {
            int offset = java.util.Arrays.stream(exponents).min().getAsInt();
            node.put("encoding", "pow2");
            node.put("offset", offset);
            byte[] codes = new byte[v.length];
            for (int i = 0; i < v.length; i++) {
                codes[i] = (byte) (exponents[i] - offset);
            }
            entries.add(codes);
            return node;
        }
        int nonzero = 0;
        boolean onesOnly = true;
        for (double x : v) {
            if (x != 0) {
                nonzero++;
                onesOnly &= x == 1;
            }
        }
        String encoding = v.length < MIN_SPARSE || nonzero * 2L > v.length ? "dense" : onesOnly ? "bits" : "sparse";
        node.put("encoding", encoding);
        entries.add(bytes(v, a.dataType(), encoding, nonzero));
        return node;
    }

    /** k with (float) 2^(k/16) == x exactly, or MIN_VALUE. */
    private static int pow2Exponent(double x) {
        if (!(x > 0) || Double.isInfinite(x)) {
            return Integer.MIN_VALUE;
        }
        int k = (int) Math.round(16 * Math.log(x) / Math.log(2));
        return org.seqml.backend.Int8Rows.gridValue(k) == (float) x ? k : Integer.MIN_VALUE;
    }

    /**
     * Each value's k when every value is a power 2^(k/16) and the k lie within 256 steps of each
     * other, so that a byte per value holds them (lossless); else null (at the first value that
     * is not: a weight array's first).
     */
    private static int[] pow2Exponents(double[] v) {
        if (v.length < MIN_SPARSE) {
            return null;
        }
        int[] k = new int[v.length];
        int low = Integer.MAX_VALUE;
        int high = Integer.MIN_VALUE;
        for (int i = 0; i < v.length; i++) {
            k[i] = pow2Exponent(v[i]);
            if (k[i] == Integer.MIN_VALUE) {
                return null;
            }
            low = Math.min(low, k[i]);
            high = Math.max(high, k[i]);
        }
        return high - low < 256 ? k : null;
    }

    private static byte[] bytes(double[] v, DataType type, String encoding, int nonzero) {
        int width = type == DataType.DOUBLE ? 8 : 4;
        int bitmap = encoding.equals("dense") ? 0 : (v.length + 7) / 8;
        int values = encoding.equals("dense") ? v.length : encoding.equals("sparse") ? nonzero : 0;
        ByteBuffer out = ByteBuffer.allocate(bitmap + values * width).order(ByteOrder.LITTLE_ENDIAN);
        if (bitmap > 0) {
            byte[] bits = new byte[bitmap];
            for (int i = 0; i < v.length; i++) {
                if (v[i] != 0) {
                    bits[i >> 3] |= (byte) (1 << (i & 7));
                }
            }
            out.put(bits);
        }
        if (values > 0) {
            for (double x : v) {
                if (encoding.equals("dense") || x != 0) {
                    if (width == 8) {
                        out.putDouble(x);
                    } else {
                        out.putFloat((float) x);
                    }
                }
            }
        }
        return out.array();
    }

    /** The array of a spec. */
    static INDArray read(JsonNode spec, Map<String, byte[]> entries) throws ModelFileException {
        String entry = spec.path("entry").asText();
        byte[] data = entries.get(entry);
        if (data == null) {
            throw new ModelFileException("array entry '" + entry + "' is missing (truncated file?)");
        }
        long[] shape = new long[spec.get("shape").size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = spec.get("shape").get(i).asLong();
            n *= shape[i];
        }
        DataType type = DataType.valueOf(spec.path("dtype").asText());
        if (type == DataType.INT8) {
            expect(entry, data.length, n);
            return Nd4j.createFromArray(data).reshape(shape);
        }
        int width = type == DataType.DOUBLE ? 8 : 4;
        String encoding = spec.path("encoding").asText("dense");
        if (encoding.equals("pow2") && type == DataType.FLOAT) {
            expect(entry, data.length, n);
            int offset = spec.path("offset").asInt();
            float[] f = new float[(int) n];
            for (int i = 0; i < n; i++) {
                f[i] = org.seqml.backend.Int8Rows.gridValue(offset + (data[i] & 0xff));
            }
            return Nd4j.create(f, shape, 'c');
        }
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        boolean dense = encoding.equals("dense");
        boolean bitsOnly = encoding.equals("bits");
        if (!dense && !bitsOnly && !encoding.equals("sparse")) {
            throw new ModelFileException("array entry '" + entry + "' has the unknown encoding '" + encoding + "'");
        }
        byte[] bits = null;
        if (dense) {
            expect(entry, data.length, n * width);
        } else {
            int bitmap = (int) ((n + 7) / 8);
            if (data.length < bitmap) {
                expect(entry, data.length, bitmap);
            }
            bits = new byte[bitmap];
            in.get(bits);
            long set = 0;
            for (byte b : bits) {
                set += Integer.bitCount(b & 0xff);
            }
            expect(entry, data.length, bitmap + (bitsOnly ? 0 : set * width));
        }
        // float arrays are decoded as floats: no double-sized copy of a large weight on load
        double[] d = width == 8 ? new double[(int) n] : null;
        float[] f = width == 4 ? new float[(int) n] : null;
        for (int i = 0; i < n; i++) {
            if (bits != null && (bits[i >> 3] & (1 << (i & 7))) == 0) {
                continue;   // a zero
            }
            if (d != null) {
                d[i] = bitsOnly ? 1 : in.getDouble();
            } else {
                f[i] = bitsOnly ? 1 : in.getFloat();
            }
        }
        return d != null ? Nd4j.create(d, shape, 'c') : Nd4j.create(f, shape, 'c');
    }

    private static void expect(String entry, long actual, long expected) throws ModelFileException {
        if (actual != expected) {
            throw new ModelFileException("array entry '" + entry + "' has " + actual + " bytes, expected " + expected
                + " (truncated or corrupt)");
        }
    }
}
