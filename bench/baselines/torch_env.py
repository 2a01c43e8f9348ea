"""Fair PyTorch configuration for edgefed's CPU baselines, shared by the bench scripts.

Import this module *before* torch: `fix_blas_env()` runs on import. OpenBLAS reads its
environment once, when the library loads (that is, when torch is imported), so:

- `OPENBLAS_NUM_THREADS=1`: PyTorch parallelises with its own intra-op threads
  (`torch.set_num_threads`); the pthread OpenBLAS would otherwise start its own pool
  for every GEMM on top of them, and on 2 cores that oversubscription made the 2nn
  about 20x slower at batch 10.
- `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE` are unset: the machine image pins them,
  and a pinned core type or cache size can pick slower kernels than OpenBLAS's own
  detection.

OMP_WAIT_POLICY is left as the caller set it (the TypeScript harness measures PASSIVE and
the libgomp default and keeps the faster; see bench/training-lib/torch-env.ts).

`describe(torch)` returns what the benchmark tables show: torch version, the BLAS
library actually loaded (from /proc/self/maps, since Debian's build reports
`BLAS_INFO=generic` and resolves libblas.so.3 through update-alternatives), OpenBLAS's
own thread count and core name, and torch's intra-/inter-op threads.
"""
import ctypes
import os
import re

UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def fix_blas_env() -> None:
    """Sets OPENBLAS_NUM_THREADS=1 and removes the pins; must run before `import torch`."""
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    for key in UNSET:
        os.environ.pop(key, None)


fix_blas_env()


def _blas_libraries() -> list:
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        return []
    pattern = r"^lib(openblas|blas|mkl_|flexiblas|blis)"
    return sorted(p for p in paths if re.search(pattern, os.path.basename(p)))


def _openblas_info(paths: list) -> dict:
    lib = next((p for p in paths if "openblas" in os.path.basename(p)), None)
    if lib is None:
        return {}
    try:
        so = ctypes.CDLL(lib)
    except OSError:
        return {}
    info = {}
    for name, key in (("openblas_get_num_threads", "openblas_threads"),):
        fn = getattr(so, name, None)
        if fn is not None:
            fn.restype = ctypes.c_int
            info[key] = fn()
    for name, key in (("openblas_get_corename", "openblas_core"), ("openblas_get_config", "openblas_config")):
        fn = getattr(so, name, None)
        if fn is not None:
            fn.restype = ctypes.c_char_p
            value = fn()
            info[key] = value.decode() if value else None
    return info


def describe(torch) -> dict:
    """Version, BLAS and thread settings of the running torch (call after set_num_threads)."""
    config = torch.__config__.show()
    match = re.search(r"BLAS_INFO=([^,\s]+)", config)
    blas_info = match.group(1) if match else None
    paths = _blas_libraries()
    openblas = [p for p in paths if "openblas" in os.path.basename(p)]
    extra = {}
    if torch.backends.mkl.is_available():
        # pip wheels link MKL statically; numpy may still map OpenBLAS, which torch does not use.
        blas = "MKL"
    elif openblas or paths:
        blas = os.path.basename((openblas or paths)[0])
        extra = _openblas_info(paths)
    else:
        blas = blas_info or "unknown"
    return {
        "torch": torch.__version__,
        "blas": blas,
        "blas_info": blas_info,
        "mkldnn": torch.backends.mkldnn.is_available(),
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
        **extra,
    }
