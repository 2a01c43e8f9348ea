/**
 * How the benchmarks start PyTorch fairly: which Python interpreters to try (Debian's
 * python3-torch, and the PyTorch 2.x venv that bench/setup-baselines.sh makes where a local
 * wheel exists), and the environment to start them with. OpenBLAS and OpenMP read their
 * environment when torch is imported, so it is fixed here, in the child's environment,
 * and again by bench/baselines/torch_env.py before its `import torch`.
 */
import { existsSync } from 'node:fs';

/** Where bench/setup-baselines.sh puts the PyTorch 2.x venv (override: EDGEFED_TORCH2_VENV). */
export const TORCH2_PYTHON = `${process.env.EDGEFED_TORCH2_VENV ?? '/opt/edgefed/torch2'}/bin/python`;

/** Candidate interpreters, in order; only existing ones are returned. */
export function torchPythons(arg?: string): string[] {
  const list = arg === undefined ? ['/usr/bin/python3', TORCH2_PYTHON] : arg.split(',');
  return list.filter((p) => p !== '' && existsSync(p));
}

/**
 * OpenMP idle policy of PyTorch's intra-op threads. `passive`: idle threads sleep (what
 * edgefed's node backend does with `allowSpinning: false`); `active`: libgomp's default
 * spin-then-sleep. On a loaded machine spinning threads lose their core at every barrier
 * (measured: 2nn B=32 40.5k samples/s passive against 2.0k active at load 3.6 on 2
 * cores); on a quiet one spinning can be faster. The benchmarks measure both and keep the
 * faster, so the baseline is never handicapped.
 */
export type OmpWait = 'passive' | 'active';

/**
 * The environment for a PyTorch child: OPENBLAS_NUM_THREADS=1 (torch's own intra-op
 * threads do the parallel work; OpenBLAS's pthread pool on top oversubscribes the cores),
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed (the image pins them), and OMP_WAIT_POLICY.
 */
export function torchEnv(wait: OmpWait, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: wait.toUpperCase() };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** What a PyTorch baseline process reports about itself (bench/baselines/torch_env.py). */
export interface TorchConfig {
  readonly torch: string;
  readonly blas: string;
  readonly threads: number;
  readonly OPENBLAS_NUM_THREADS?: string;
  readonly OMP_WAIT_POLICY?: string;
  readonly [extra: string]: unknown;
}

/** A short label for tables: `PyTorch 1.13.0a0 (libopenblasp-r0.3.21.so, 2 thr, passive)`. */
export function torchLabel(c: TorchConfig): string {
  const wait = (c.OMP_WAIT_POLICY ?? 'default').toLowerCase();
  return `PyTorch ${c.torch} (${c.blas}, ${String(c.threads)} thr, ${wait})`;
}
