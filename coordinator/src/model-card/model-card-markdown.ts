/** Renders a {@link ModelCard} as Markdown, in the Model Cards paper's section order. */
import type { ModelCard } from './model-card.js';

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
const num = (v: number): string => String(Number(v.toPrecision(4)));

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function details(c: ModelCard): string {
  const d = c.modelDetails;
  return `## Model details

- Run: ${d.runName} (\`${d.runId}\`), ${d.runStatus}
- Version: v${String(d.version)} after round ${String(d.round)}, created ${d.createdAt}
- SHA-256 of the weights: \`${d.sha256}\`
- Architecture: ${d.architecture}${d.layers.length > 0 ? ` (${d.layers.join(' → ')})` : ''}
- Parameters: ${d.parameterCount.toLocaleString('en-US')}
- Input shape: [${d.inputShape.join(', ')}]; output shape: [${d.outputShape.join(', ')}]
- Framework: ${d.framework}
`;
}

function training(c: ModelCard): string {
  const t = c.training;
  const p = t.participation;
  const dp = t.differentialPrivacy;
  const privacy = dp.enabled
    ? `central DP, epsilon ${dp.epsilon === null ? 'not recorded' : num(dp.epsilon)}, delta ${num(dp.delta)} (clip norm ${num(dp.clipNorm)}, noise multiplier ${num(dp.noiseMultiplier)})`
    : 'none';
  return `## Training data and procedure

Federated: the training data stayed on the clients. Counts only:

- Strategy: \`${JSON.stringify(t.strategy)}\`
- Rounds: ${String(t.roundsCompleted)} completed of ${String(t.roundsPlanned)} planned
- Participating clients: ${String(p.distinctClients)}; client updates: ${String(p.clientUpdates)}; failed or dropped tasks: ${String(p.failedOrDroppedTasks)}
- Examples held by the participating clients: ${String(p.examples)}; examples trained on, summed over rounds: ${String(p.exampleUpdates)}
- Differential privacy: ${privacy}
- Secure aggregation: not used (${t.secureAggregation.note})

<details><summary>Run configuration</summary>

\`\`\`json
${JSON.stringify(t.runConfig, null, 2)}
\`\`\`
</details>
`;
}

function evaluation(c: ModelCard): string {
  const parts: string[] = [
    '## Evaluation data\n',
    "Central: the coordinator's own held-out test set (never client data). Federated: each evaluating client's own held-out data, evaluated on the device.\n",
    '## Quantitative analyses\n',
  ];
  const central = c.evaluation.central;
  if (central === null) parts.push('No central evaluation was recorded up to this version.\n');
  else {
    const m = Object.entries(central.metrics).map(
      ([k, v]) => `${k} ${k.includes('accuracy') ? pct(v) : num(v)}`,
    );
    parts.push(
      `### Central test set (round ${String(central.round)}${central.examples === null ? '' : `, ${String(central.examples)} examples`})\n\n${m.join(', ')}\n`,
    );
    if (central.perClass !== null)
      parts.push(
        table(
          ['Class', 'Examples', 'Precision', 'Recall', 'Accuracy'],
          central.perClass.map((p) => [
            String(p.class),
            String(p.support),
            pct(p.precision),
            pct(p.recall),
            pct(p.accuracy),
          ]),
        ) + '\n',
      );
    if (central.confusion !== null) {
      const k = central.confusion.numClasses;
      const cls = Array.from({ length: k }, (_, i) => i);
      parts.push(
        `\nConfusion matrix (rows: true class, columns: predicted):\n\n` +
          table(
            ['true \\ pred', ...cls.map(String)],
            cls.map((t) => [String(t), ...cls.map((p) => String(central.confusion?.counts[t * k + p] ?? 0))]),
          ) +
          '\n',
      );
    }
  }
  const fed = c.evaluation.federated;
  if (fed === null) parts.push('\nNo federated evaluation was recorded up to this version.\n');
  else {
    const rows = [
      ['loss', fed.loss] as const,
      ...(fed.accuracy === null ? [] : [['accuracy', fed.accuracy] as const]),
    ];
    parts.push(
      `\n### Per-client distribution (federated evaluation, round ${String(fed.round)}, ${String(fed.clients)} clients)\n\n` +
        table(
          ['Metric', 'Mean', '10th percentile', 'Worst 10% mean', 'Std', 'Min', 'Max'],
          rows.map(([name, d]) => {
            const v = d as Record<string, number>;
            const f = name === 'accuracy' ? pct : num;
            return [
              name,
              f(v.mean ?? NaN),
              f(v.p10 ?? NaN),
              f(v.worst10Mean ?? NaN),
              f(v.std ?? NaN),
              f(v.min ?? NaN),
              f(v.max ?? NaN),
            ];
          }),
        ) +
        '\n',
    );
  }
  return parts.join('\n');
}

/** The card as Markdown. */
export function modelCardMarkdown(c: ModelCard): string {
  const list = (xs: readonly string[]): string => xs.map((x) => `- ${x}`).join('\n');
  return [
    `# Model card: ${c.modelDetails.runName} v${String(c.modelDetails.version)}`,
    `_Generated by edgefed on ${c.generatedAt} from the coordinator's records (format ${c.format}; sections after Mitchell et al. 2019, "Model Cards for Model Reporting")._\n`,
    details(c),
    `## Intended use\n\n- Primary use: ${c.intendedUse.primaryUse}\n- Out of scope: ${c.intendedUse.outOfScope}\n`,
    `## Factors\n\n${c.factors.groups}\n`,
    `## Metrics\n\n${c.metrics.description}\n`,
    training(c),
    evaluation(c),
    `## Ethical considerations\n\n${list(c.ethicalConsiderations)}\n`,
    `## Caveats and recommendations (known limitations)\n\n${list(c.caveatsAndRecommendations)}\n`,
  ].join('\n');
}
