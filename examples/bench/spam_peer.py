"""The compression example's PyTorch peer: the spam classifier's trained weights in PyTorch, float32
and dynamically quantized to int8 (torch.quantization.quantize_dynamic), timed as the example times
seqml's models.

The example (org.seqml.examples.compression.Compression) writes the weights and the test mails'
token ids as .npy files into a directory and runs this script on it:

    python3 spam_peer.py DIR [--calls 200]

DIR holds w0.npy .. w10.npy (Embedding; Bidirectional LSTM forward kernel, recurrent kernel, bias,
then backward; Dense(32) kernel, bias; Dense(1) kernel, bias: Keras's layouts), ids.npy (test mails,
padded with 0 at the end), labels.npy and seqml.npy (seqml's float32 predictions, to check the
weights were carried over). The model is Keras's: a masked BiLSTM read with pack_padded_sequence
(Keras skips masked steps in both directions), masked average and max pooling, Dense(32, relu),
Dense(1, sigmoid). Prints one RESULT {json} line per model.
"""
import argparse
import io
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Spam(nn.Module):
    def __init__(self, vocabulary, embedding, units, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, embedding)
        self.lstm = nn.LSTM(embedding, units, batch_first=True, bidirectional=True)
        self.hidden = nn.Linear(4 * units, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, ids):
        mask = ids != 0
        lengths = mask.sum(1).clamp(min=1)
        x = self.embedding(ids)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        y, _ = self.lstm(packed)
        y, _ = pad_packed_sequence(y, batch_first=True, total_length=ids.shape[1])
        m = mask.unsqueeze(-1)
        average = (y * m).sum(1) / m.sum(1).clamp(min=1)
        largest = y.masked_fill(~m, float("-inf")).max(1).values
        return torch.sigmoid(self.out(torch.relu(self.hidden(torch.cat([average, largest], 1)))))


def weights(directory):
    return [np.load(os.path.join(directory, "w%d.npy" % i)).astype(np.float32) for i in range(11)]


def file_bytes(model):
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def scores(p, labels):
    predicted = p >= 0.5
    truth = labels >= 0.5
    tp = float((predicted & truth).sum())
    precision = tp / max(1.0, float(predicted.sum()))
    recall = tp / max(1.0, float(truth.sum()))
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return float((predicted == truth).mean()), f1


def timed(model, ids, calls):
    n = ids.shape[0]
    with torch.no_grad():
        ms = []
        for i in range(-min(20, calls), calls):   # batch 1, as the example: the median call
            one = ids[i % n:i % n + 1]
            t0 = time.perf_counter()
            model(one)
            if i >= 0:
                ms.append((time.perf_counter() - t0) * 1e3)
        batchable = ids[:min(n, 640)]
        best = float("inf")
        start = time.perf_counter()
        rep = 0
        while rep < 5 or (rep < 100 and time.perf_counter() - start < 2):   # batch 64: the best pass
            t0 = time.perf_counter()
            for b in range(0, batchable.shape[0], 64):
                model(batchable[b:b + 64])
            best = min(best, time.perf_counter() - t0)
            rep += 1
    return statistics.median(ms), batchable.shape[0] / best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--calls", type=int, default=200)
    a = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    w = weights(a.directory)
    vocabulary, embedding = w[0].shape
    units = w[2].shape[0]
    model = Spam(vocabulary, embedding, units, w[7].shape[1])
    t = lambda x: torch.from_numpy(np.ascontiguousarray(x))
    with torch.no_grad():
        model.embedding.weight.copy_(t(w[0]))
        # Keras: kernel (in, 4u), gates i, f, c, o, one bias; PyTorch: (4u, in), i, f, g, o, two biases
        for suffix, (k, r, b) in (("", w[1:4]), ("_reverse", w[4:7])):
            getattr(model.lstm, "weight_ih_l0" + suffix).copy_(t(k.T))
            getattr(model.lstm, "weight_hh_l0" + suffix).copy_(t(r.T))
            getattr(model.lstm, "bias_ih_l0" + suffix).copy_(t(b))
            getattr(model.lstm, "bias_hh_l0" + suffix).zero_()
        model.hidden.weight.copy_(t(w[7].T))
        model.hidden.bias.copy_(t(w[8]))
        model.out.weight.copy_(t(w[9].T))
        model.out.bias.copy_(t(w[10]))
    model.eval()
    ids = torch.from_numpy(np.load(os.path.join(a.directory, "ids.npy"))).long()
    labels = np.load(os.path.join(a.directory, "labels.npy")).reshape(-1)
    seqml = np.load(os.path.join(a.directory, "seqml.npy")).reshape(-1)

    quantized = torch.quantization.quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)
    try:   # the embedding table in 8 bits too (weight-only, per row), where this PyTorch can
        from torch.ao.quantization import float_qparams_weight_only_qconfig
        quantized = torch.quantization.quantize_dynamic(quantized, {nn.Embedding: float_qparams_weight_only_qconfig})
    except Exception as e:  # noqa: BLE001 - an older PyTorch keeps a float32 table
        print("embedding stays float32: %s" % e, file=sys.stderr)

    for name, m in (("float32", model), ("int8", quantized)):
        with torch.no_grad():
            p = torch.cat([m(ids[b:b + 64]) for b in range(0, ids.shape[0], 64)]).numpy().reshape(-1)
        accuracy, f1 = scores(p, labels)
        latency, throughput = timed(m, ids, a.calls)
        print("RESULT " + json.dumps({"model": name, "accuracy": accuracy, "f1": f1,
                                      "max_diff_from_seqml": float(np.abs(p - seqml).max()),
                                      "file_bytes": file_bytes(m), "latency_ms": latency,
                                      "samples_per_s": throughput}), flush=True)


if __name__ == "__main__":
    main()
