"""PyTorch training-throughput baseline for `npm run bench -- training`.

Same architectures as edgefed's `2nn` and `cnn` presets (random MNIST-shaped input) and its
`char-lstm` (96 characters, windows of 80) and `char-transformer` (96 characters, context 64)
presets (random token windows, next-token loss at every position; the models of
text_parity.py), plain SGD, softmax cross-entropy, fixed batch. Prints one JSON line with the configuration
({"config": {...}}: torch version, BLAS, threads) and then one per (model, batch):
{"model": ..., "batch": ..., "samples_per_s": ..., "threads": ..., "torch": ..., "blas": ...}.
Run with Debian's /usr/bin/python3 (python3-torch + libopenblas0-pthread) or the PyTorch 2.x
venv that bench/setup-baselines.sh makes where a local wheel is available.

torch_env (imported before torch) sets OPENBLAS_NUM_THREADS=1 and unsets the image's
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pins: without that, OpenBLAS's own thread pool
oversubscribes the cores under PyTorch's intra-op threads and every ratio is wrong.
"""
import argparse
import json
import time

import torch_env  # noqa: F401  (must precede `import torch`: fixes the OpenBLAS environment)

import torch  # noqa: E402
from torch import nn  # noqa: E402

from text_parity import CharLstm, CharTransformer  # noqa: E402

VOCAB = 96
TEXT = {
    "char-lstm": (80, {"layers": [{"type": "embedding", "dim": 8}, {"type": "lstm", "units": 256},
                                  {"type": "lstm", "units": 256}]}),
    "char-transformer": (64, {"layers": [{"type": "embedding", "dim": 128}]
                              + [{"type": "transformerBlock", "heads": 4}] * 4}),
}


def model(name: str) -> nn.Module:
    if name == "char-lstm":
        return CharLstm(TEXT[name][1], VOCAB)
    if name == "char-transformer":
        return CharTransformer(TEXT[name][1], VOCAB, TEXT[name][0])
    if name == "2nn":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, 10)
        )
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(), nn.Linear(512, 10),
        )
    raise SystemExit(f"unknown model {name}")


def measure(name: str, batch: int, seconds: float) -> float:
    torch.manual_seed(0)
    net = model(name)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    if name in TEXT:
        t = TEXT[name][0]
        x = torch.randint(0, VOCAB, (batch, t))
        y = torch.randint(0, VOCAB, (batch * t,))
    else:
        x = torch.rand(batch, 1, 28, 28)
        y = torch.randint(0, 10, (batch,))

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        out = net(x)
        loss = loss_fn(out.reshape(-1, out.shape[-1]) if name in TEXT else out, y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    steps = 0
    start = time.perf_counter()
    while True:
        step()
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return steps * batch / elapsed


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="2nn,cnn")
    p.add_argument("--batches", default="10,32,128")
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    config = torch_env.describe(torch)
    print(json.dumps({"config": config}), flush=True)
    for name in a.models.split(","):
        for b in (int(v) for v in a.batches.split(",")):
            sps = measure(name, b, a.seconds)
            row = {"model": name, "batch": b, "samples_per_s": sps, "threads": config["threads"],
                   "torch": config["torch"], "blas": config["blas"]}
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
