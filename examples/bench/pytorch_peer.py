#!/usr/bin/python3
"""PyTorch 1.13 (Debian python3-torch) CPU peer for W1..W6, plus torch.mm peak and per-op overhead.

seqml's copy of ../shared/bench/pytorch_peer.py, with W6: W1's model on a padded batch (the
lengths() below, 20 to 200), run the way PyTorch runs padded text: pack_padded_sequence; and the
mode infer8: inference after torch.quantization.quantize_dynamic (int8 LSTM, GRU and Linear).
modes trainbf16, inferbf16: under torch.autocast("cpu", torch.bfloat16), the loss in float32.

Usage:
  pytorch_peer.py peak [--quick]
  pytorch_peer.py <tasks> [--reps N] [--warmup N]     tasks: comma-separated workload:mode, e.g. w1:train,w1:infer,w5:infer
Env: TORCH_THREADS (default 2), TORCH_FTZ=1 (torch.set_flush_denormal(True)).
Prints one 'RESULT {json}' line per measurement. Run with /usr/bin/python3 (Debian torch), and set
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp to use OpenBLAS instead of the reference BLAS that
Debian's libblas.so.3 alternative points to by default.
"""
import contextlib
import argparse
import json
import os
import time

import torch
import torch.nn as nn

THREADS = int(os.environ.get("TORCH_THREADS", "2"))
# FTZ/DAZ: must be set before the OpenMP pool starts so the worker threads inherit it.
FTZ = os.environ.get("TORCH_FTZ", "0") == "1"
if FTZ:
    torch.set_flush_denormal(True)
torch.set_num_threads(THREADS)
torch.manual_seed(0)
B = 64
VARIANT = os.environ.get("TORCH_VARIANT", "openblas")


def cpu_sample():
    with open("/proc/stat") as f:
        p = f.readline().split()
    busy = sum(int(p[i]) for i in (1, 2, 3, 6, 7, 8))
    with open("/proc/self/stat") as f:
        s = f.read()
    g = s[s.rindex(")") + 2:].split()
    return time.perf_counter(), busy, int(g[11]) + int(g[12])


def cores(a, b):
    sec = b[0] - a[0]
    selfc = (b[2] - a[2]) / 100.0 / sec
    foreign = max(0.0, ((b[1] - a[1]) - (b[2] - a[2])) / 100.0 / sec)
    return selfc, foreign


def emit(**kw):
    d = {"variant": VARIANT, "threads": THREADS, "ftz": FTZ}
    d.update(kw)
    print("RESULT " + json.dumps(d), flush=True)


def lengths(batch):
    """W6's lengths: 20 to 200, spread evenly over the batch (mean 110); seqml's Benchmark uses the same."""
    return [20 + ((i * 37) % batch) * 180 // (batch - 1) for i in range(batch)]


class Classifier(nn.Module):
    def __init__(self, cell="lstm", bidir=False, padded=False):
        super().__init__()
        self.emb = nn.Embedding(20000, 128, padding_idx=0 if padded else None)
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(128, 128, batch_first=True, bidirectional=bidir)
        self.fc = nn.Linear(256 if bidir else 128, 1)
        self.cell, self.bidir, self.padded = cell, bidir, padded

    def forward(self, x):
        e = self.emb(x)
        if self.padded:  # post-padded rows: their lengths are the count of non-zero ids
            e = nn.utils.rnn.pack_padded_sequence(e, (x != 0).sum(1), batch_first=True, enforce_sorted=False)
        _, st = self.rnn(e)
        h = st[0] if self.cell == "lstm" else st  # h_n: [num_dirs, B, H]
        h = torch.cat([h[0], h[1]], dim=1) if self.bidir else h[-1]
        return self.fc(h).squeeze(1)  # logits; sigmoid is fused into BCEWithLogitsLoss


class Seq2Seq(nn.Module):
    def __init__(self, V=5000, E=256, H=256):
        super().__init__()
        self.semb, self.temb = nn.Embedding(V, E), nn.Embedding(V, E)
        self.enc = nn.LSTM(E, H, batch_first=True)
        self.dec = nn.LSTM(E, H, batch_first=True)
        self.out = nn.Linear(H, V)

    def forward(self, src, tgt):
        _, (h, c) = self.enc(self.semb(src))
        y, _ = self.dec(self.temb(tgt), (h, c))
        return self.out(y)  # [B, T, V] logits; softmax fused into CrossEntropyLoss


def make(workload):
    g = torch.Generator().manual_seed(1)
    if workload in ("w1", "w2", "w3", "w5", "w6"):
        model = Classifier("gru" if workload == "w2" else "lstm", bidir=workload == "w3", padded=workload == "w6")
        bs = 1 if workload == "w5" else B
        x = torch.randint(1 if workload == "w6" else 0, 20000, (bs, 200), generator=g)
        if workload == "w6":
            for i, n in enumerate(lengths(bs)):
                x[i, n:] = 0
        y = torch.randint(0, 2, (bs,), generator=g).float()
        lossf = nn.BCEWithLogitsLoss()
        return model, (x,), y, lambda out, y: lossf(out, y), bs
    model = Seq2Seq()
    src = torch.randint(0, 5000, (B, 20), generator=g)
    tgt = torch.randint(0, 5000, (B, 20), generator=g)
    lab = torch.randint(0, 5000, (B, 20), generator=g)
    lossf = nn.CrossEntropyLoss()
    return model, (src, tgt), lab, lambda out, y: lossf(out.reshape(-1, 5000), y.reshape(-1)), B


def bench(workload, mode, reps, warm):
    model, inputs, y, lossf, bs = make(workload)
    # trainbf16 / inferbf16: CPU autocast to bfloat16 (PyTorch's counterpart of Keras's mixed_bfloat16)
    bf16 = mode.endswith("bf16")
    cast = (lambda: torch.autocast(device_type="cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    if mode.startswith("train"):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        model.train()

        def step():
            opt.zero_grad(set_to_none=True)
            with cast():
                out = model(*inputs)
            loss = lossf(out.float(), y)
            loss.backward()
            opt.step()
            return loss
        with torch.no_grad():
            loss0 = float(lossf(model(*inputs), y))
    else:
        model.eval()
        if mode == "infer8":  # int8 weights, activations quantized per call
            model = torch.quantization.quantize_dynamic(model, {nn.LSTM, nn.GRU, nn.Linear}, dtype=torch.qint8)

        def step():
            with torch.inference_mode(), cast():
                return model(*inputs)
    for _ in range(warm):
        step()
    nparams = sum(p.numel() for p in model.parameters())
    for r in range(reps):
        a = cpu_sample()
        t0 = time.perf_counter()
        step()
        dt = time.perf_counter() - t0
        b = cpu_sample()
        sc, fc = cores(a, b)
        emit(kind="bench", system="torch", workload=workload, mode=mode, batch=bs, rep=r, sec=dt,
             samples_per_s=bs / dt, params=nparams, self_cores=sc, foreign_cores=fc)
    if mode.startswith("train") and os.environ.get("TORCH_SANITY", "1") == "1":
        # census of float32 denormals in the gradient w.r.t. the embedding output (BPTT underflow)
        captured = []
        emb = model.emb if hasattr(model, "emb") else model.semb

        def fwd_hook(mod, inp, out):
            out.register_hook(lambda g: captured.append(g.detach().clone()))
        hk = emb.register_forward_hook(fwd_hook)
        opt.zero_grad(set_to_none=True)
        lossf(model(*inputs), y).backward()
        hk.remove()
        g = captured[0]
        den = float(((g != 0) & (g.abs() < torch.finfo(torch.float32).tiny)).float().mean())
        with torch.no_grad():
            emit(kind="sanity", system="torch", workload=workload, loss_before=loss0,
                 loss_after=float(lossf(model(*inputs), y)), denormal_frac_dLdx=den)


def tblocks(fn, warm, blocks, inner):
    for _ in range(warm):
        fn()
    out = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        out.append((time.perf_counter() - t0) / inner)
    return out


def med(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def peak(quick):
    blocks = 3 if quick else 5
    emit(kind="env", torch=torch.__version__, parallel=torch.__config__.parallel_info().split("\n")[1].strip(),
         blas=os.environ.get("LD_LIBRARY_PATH", "system libblas.so.3"))
    for n in ([2048] if quick else [1024, 2048, 4096]):
        a, b = torch.randn(n, n), torch.randn(n, n)
        c = torch.empty(n, n)
        flop = 2.0 * n ** 3
        inner = max(1, int(4e9 / flop))
        t = tblocks(lambda: torch.mm(a, b, out=c), 2, blocks, inner)
        gf = [flop / x / 1e9 for x in t]
        emit(kind="sgemm_square", shape=f"{n}x{n}x{n}", gflops_median=med(gf), gflops=gf)
    for m, k, n in ([(64, 128, 512), (12800, 128, 512)] if quick else
                    [(64, 128, 512), (64, 256, 1024), (12800, 128, 512), (1280, 256, 5000), (1, 128, 512)]):
        a, b = torch.randn(m, k), torch.randn(k, n)
        c = torch.empty(m, n)
        flop = 2.0 * m * k * n
        inner = min(20000, max(20, int(2e9 / flop)))
        t = tblocks(lambda: torch.mm(a, b, out=c), inner // 5 + 5, blocks, inner)
        gf = [flop / x / 1e9 for x in t]
        emit(kind="sgemm_shape", shape=f"{m}x{k}x{n}", gflops_median=med(gf), gflops=gf, us_median=med(t) * 1e6)
        t = tblocks(lambda: torch.mm(a, b), inner // 5 + 5, blocks, inner)
        gf = [flop / x / 1e9 for x in t]
        emit(kind="mmul_alloc", shape=f"{m}x{k}x{n}", gflops_median=med(gf), gflops=gf, us_median=med(t) * 1e6)
    for n in (16, 32768, 1 << 20):
        x, y = torch.rand(n), torch.rand(n)
        inner = 20000 if n <= 32768 else 200
        for name, fn in (("addi", lambda: x.add_(y)), ("tanh", lambda: torch.tanh(x, out=x)),
                         ("sigmoid", lambda: torch.sigmoid(x, out=x))):
            t = tblocks(fn, inner // 5, blocks, inner)
            emit(kind="elementwise", op=name, n=n, us_median=med(t) * 1e6, us=[v * 1e6 for v in t])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("tasks")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.tasks == "peak":
        peak(a.quick)
    else:
        for task in a.tasks.split(","):
            w, _, mode = task.partition(":")
            if w == "w5":  # batch-1 latency: many short calls
                bench(w, mode if mode in ("infer8", "inferbf16") else "infer", a.reps * 10, a.warmup * 5)
            else:
                bench(w, mode or "train", a.reps, a.warmup)
