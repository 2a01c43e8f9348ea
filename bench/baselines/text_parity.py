"""PyTorch side of the centralized text parity (`npm run bench -- text-parity`).

Reads the parity file that bench/text-parity.ts wrote from edgefed's own data pipeline
(format: bench/text-parity-lib/parity-file.ts): the model (char-lstm or char-transformer),
the initial parameters under edgefed's names, the training windows in training order and
the held-out windows. Builds the same model in PyTorch (nn.Embedding, nn.LSTM /
nn.MultiheadAttention with a causal mask, nn.Linear; PyTorch's own layouts, which edgefed's
parameters follow one to one), loads those parameters, trains the same number of steps
with the same optimizer, batches and loss (per example the mean over its non-ignored
tokens, averaged over the batch: edgefed's sequence cross-entropy), and prints one JSON line:
held-out next-character accuracy, loss, perplexity, the mean training loss per quarter of
the run, and tokens/s.

Usage: /usr/bin/python3 text_parity.py FILE [--threads 2]
torch_env is imported before torch (OPENBLAS_NUM_THREADS=1, no OpenBLAS pins).
"""
import argparse
import json
import math
import struct
import time

import torch_env  # noqa: F401  (must precede `import torch`)

import torch  # noqa: E402
from torch import nn  # noqa: E402

MAGIC = b"EFPAR01\n"


def read_parity(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != MAGIC:
        raise SystemExit(f"{path}: not an edgefed parity file")
    (n,) = struct.unpack("<I", raw[8:12])
    header = json.loads(raw[12:12 + n].decode("utf-8"))
    start = (12 + n + 3) // 4 * 4
    arrays = {}
    for a in header["arrays"]:
        count = math.prod(a["shape"])
        dtype = torch.int32 if a["dtype"] == "int32" else torch.float32
        buf = bytearray(raw[start + a["offset"]:start + a["offset"] + 4 * count])
        arrays[a["name"]] = torch.frombuffer(buf, dtype=dtype).reshape(a["shape"]).clone()
    return header, arrays


class CharLstm(nn.Module):
    def __init__(self, spec, vocab):
        super().__init__()
        layers = spec["layers"]
        dim = layers[0]["dim"]
        lstms = [l for l in layers if l["type"] == "lstm"]
        units = lstms[0]["units"]
        self.embedding = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, units, num_layers=len(lstms), batch_first=True)
        self.head = nn.Linear(units, vocab)
        self.n = len(lstms)

    def load(self, p):
        with torch.no_grad():
            self.embedding.weight.copy_(p["embedding0.weight"])
            for k in range(self.n):
                for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(self.lstm, f"{w}_l{k}").copy_(p[f"lstm{k}.{w}"])
            self.head.weight.copy_(p["dense0.weight"])
            self.head.bias.copy_(p["dense0.bias"])

    def forward(self, x):
        out, _ = self.lstm(self.embedding(x))
        return self.head(out)


class Block(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.ln1 = nn.LayerNorm(d, eps=1e-5)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d, eps=1e-5)
        self.fc1 = nn.Linear(d, mlp)
        self.fc2 = nn.Linear(mlp, d)

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.fc2(nn.functional.gelu(self.fc1(self.ln2(x))))


class CharTransformer(nn.Module):
    def __init__(self, spec, vocab, context):
        super().__init__()
        layers = spec["layers"]
        d = layers[0]["dim"]
        blocks = [l for l in layers if l["type"] == "transformerBlock"]
        self.embedding = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.zeros(context, d))
        self.blocks = nn.ModuleList(Block(d, b["heads"], b.get("mlpDim", 4 * d)) for b in blocks)
        self.ln = nn.LayerNorm(d, eps=1e-5)
        self.head = nn.Linear(d, vocab)
        self.register_buffer("mask", torch.triu(torch.ones(context, context, dtype=torch.bool), 1))

    def load(self, p):
        with torch.no_grad():
            self.embedding.weight.copy_(p["embedding0.weight"])
            self.pos.copy_(p["positionalEmbedding0.weight"])
            for i, b in enumerate(self.blocks):
                q = f"transformerBlock{i}."
                for ln in ("ln1", "ln2"):
                    getattr(b, ln).weight.copy_(p[q + ln + ".scale"])
                    getattr(b, ln).bias.copy_(p[q + ln + ".bias"])
                b.attn.in_proj_weight.copy_(p[q + "attn.in_proj_weight"])
                b.attn.in_proj_bias.copy_(p[q + "attn.in_proj_bias"])
                b.attn.out_proj.weight.copy_(p[q + "attn.out_proj.weight"])
                b.attn.out_proj.bias.copy_(p[q + "attn.out_proj.bias"])
                for fc in ("fc1", "fc2"):
                    getattr(b, fc).weight.copy_(p[q + fc + ".weight"])
                    getattr(b, fc).bias.copy_(p[q + fc + ".bias"])
            self.ln.weight.copy_(p["layerNorm0.scale"])
            self.ln.bias.copy_(p["layerNorm0.bias"])
            self.head.weight.copy_(p["dense0.weight"])
            self.head.bias.copy_(p["dense0.bias"])

    def forward(self, x):
        h = self.embedding(x) + self.pos
        for b in self.blocks:
            h = b(h, self.mask)
        return self.head(self.ln(h))


def build(header):
    spec, vocab, t = header["spec"], header["vocabularySize"], header["sequenceLength"]
    if header["model"] == "char-lstm":
        return CharLstm(spec, vocab)
    if header["model"] == "char-transformer":
        return CharTransformer(spec, vocab, t)
    raise SystemExit(f"unknown model {header['model']}")


def seq_loss(logits, y):
    """edgefed's sequence cross-entropy: per-example mean over non-ignored tokens, batch mean."""
    valid = (y >= 0)
    tok = nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), y.clamp(min=0).reshape(-1).long(), reduction="none"
    ).reshape(y.shape) * valid
    n = valid.sum(1).clamp(min=1)
    return (tok.sum(1) / n).mean()


@torch.no_grad()
def evaluate(net, x, y, batch=256):
    correct, tokens, nll = 0, 0, 0.0
    for i in range(0, x.shape[0], batch):
        xb, yb = x[i:i + batch].long(), y[i:i + batch]
        logits = net(xb)
        valid = yb >= 0
        pred = logits.argmax(-1)
        correct += int(((pred == yb) & valid).sum())
        tokens += int(valid.sum())
        lp = nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), yb.clamp(min=0).reshape(-1).long(), reduction="none"
        )
        nll += float((lp.reshape(yb.shape) * valid).sum())
    return {"accuracy": correct / tokens, "tokenLoss": nll / tokens, "perplexity": math.exp(nll / tokens),
            "tokens": tokens}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    header, arrays = read_parity(a.file)
    torch.manual_seed(header["seed"])
    net = build(header)
    net.load(arrays)
    opt_cfg = header["optimizer"]
    if opt_cfg["type"] == "adam":
        opt = torch.optim.Adam(net.parameters(), lr=opt_cfg["lr"], betas=(0.9, 0.999), eps=1e-8)
    else:
        opt = torch.optim.SGD(net.parameters(), lr=opt_cfg["lr"])
    B, steps = header["batchSize"], header["steps"]
    x, y = arrays["train_x"], arrays["train_y"]
    losses = []
    start = time.perf_counter()
    for s in range(steps):
        if s == 1:
            start = time.perf_counter()  # timed from the end of the first step, as edgefed's side
        xb, yb = x[s * B:(s + 1) * B].long(), y[s * B:(s + 1) * B]
        opt.zero_grad(set_to_none=True)
        loss = seq_loss(net(xb), yb)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    seconds = time.perf_counter() - start
    q = max(1, steps // 4)
    result = {
        "engine": "pytorch",
        "config": torch_env.describe(torch),
        "firstStepLoss": losses[0],
        "trainSeconds": seconds,
        "tokensPerSecond": (steps - 1) * B * header["sequenceLength"] / seconds,
        "trainLossByQuarter": [sum(losses[i:i + q]) / len(losses[i:i + q]) for i in range(0, steps, q)][:4],
        "finalTrainLoss": sum(losses[-q:]) / len(losses[-q:]),
        "test": evaluate(net, arrays["test_x"], arrays["test_y"]),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
