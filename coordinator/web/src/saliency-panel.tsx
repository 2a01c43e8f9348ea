/**
 * Saliency maps of a fixed sample of the coordinator's own test images for the current
 * model version (`GET /api/runs/:id/saliency`): each image, and beside it where the
 * predicted class's score is most sensitive (|gradient|, brightest = most). Fetched again
 * only when the model version changes. Says so when the coordinator has no test images.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, describeError } from './api.js';

interface Sample {
  readonly index: number;
  readonly label: number;
  readonly predicted: number;
  readonly confidence: number;
  readonly shape: readonly number[];
  readonly image: readonly number[];
  readonly saliency: readonly number[];
}

interface SaliencyResponse {
  readonly version: number;
  readonly samples: readonly Sample[];
}

/** Draws `values` (h x w, the last two dims of `shape`) as a grey or heat image. */
function Pixels({
  values,
  shape,
  heat,
  label,
}: {
  values: readonly number[];
  shape: readonly number[];
  heat: boolean;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const h = shape[shape.length - 2] ?? 1;
  const w = shape[shape.length - 1] ?? values.length;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx == null) return;
    const img = ctx.createImageData(w, h);
    const mags = values.slice(0, w * h).map((v) => (heat ? Math.abs(v) : v));
    const lo = heat ? 0 : Math.min(...mags);
    const hi = Math.max(...mags);
    mags.forEach((v, i) => {
      const t = hi > lo ? (v - lo) / (hi - lo) : 0;
      img.data[i * 4] = heat ? 255 * Math.min(1, 2 * t) : 255 * t;
      img.data[i * 4 + 1] = heat ? 255 * Math.max(0, 2 * t - 1) : 255 * t;
      img.data[i * 4 + 2] = heat ? 0 : 255 * t;
      img.data[i * 4 + 3] = 255;
    });
    ctx.putImageData(img, 0, 0);
  }, [values, w, h, heat]);
  return <canvas ref={ref} width={w} height={h} class="pixels" role="img" aria-label={label} />;
}

/** The section. */
export function SaliencyPanel({ runId, version }: { runId: string; version: number | null }) {
  const [data, setData] = useState<SaliencyResponse | undefined>(undefined);
  const [note, setNote] = useState('');
  useEffect(() => {
    if (version === null) return;
    let live = true;
    api<SaliencyResponse>('GET', `/api/runs/${encodeURIComponent(runId)}/saliency?version=${String(version)}`)
      .then((r) => {
        if (live) {
          setData(r);
          setNote('');
        }
      })
      .catch((err: unknown) => {
        if (!live) return;
        setNote(
          err instanceof ApiError && err.code === 'FAILED_PRECONDITION'
            ? 'This coordinator has no test images for saliency maps.'
            : describeError(err),
        );
      });
    return () => {
      live = false;
    };
  }, [runId, version]);
  return (
    <section aria-labelledby="saliency-title" data-testid="saliency-panel">
      <h2 id="saliency-title">Saliency</h2>
      {note !== '' ? <p class="muted">{note}</p> : null}
      {data === undefined ? (
        note === '' ? (
          <p class="muted">No model yet.</p>
        ) : null
      ) : (
        <>
          <p class="muted">
            Model v{data.version} on the coordinator’s own test images: the image, then where the predicted
            class’s score is most sensitive (gradient magnitude; brighter = more).
          </p>
          <div class="saliency-grid" data-testid="saliency-grid" data-version={data.version}>
            {data.samples.map((s) => (
              <figure class="card saliency" key={s.index} data-label={s.label} data-predicted={s.predicted}>
                <Pixels
                  values={s.image}
                  shape={s.shape}
                  heat={false}
                  label={`test image ${String(s.index)}, label ${String(s.label)}`}
                />
                <Pixels
                  values={s.saliency}
                  shape={s.shape}
                  heat
                  label={`saliency of class ${String(s.predicted)}`}
                />
                <figcaption>
                  label {s.label} → predicted {s.predicted} ({(s.confidence * 100).toFixed(0)}%)
                </figcaption>
              </figure>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
