// TensorFlow.js training-throughput baseline for `npm run bench -- training` (run from
// /tmp/tfjs, where bench/baselines/setup-tfjs.sh installs TF.js). Same architectures as
// edgefed's 2nn and cnn, plain SGD, softmax cross-entropy, random MNIST-shaped input.
// Prints one JSON line per (backend, model, batch).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const models = (args.models ?? '2nn,cnn').split(',');
const batches = (args.batches ?? '10,32,128').split(',').map(Number);
const seconds = Number(args.seconds ?? 2);

function build(name) {
  const m = tf.sequential();
  if (name === '2nn') {
    m.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
    m.add(tf.layers.dense({ units: 200, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 200, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 10 }));
  } else {
    m.add(
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 32,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
      }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 512, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 10 }));
  }
  return m;
}

async function measure(name, batch) {
  const model = build(name);
  const opt = tf.train.sgd(0.01);
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10).toFloat();
  const step = () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.predict(x)), true);
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
  step();
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    step();
    steps++;
  }
  const elapsed = (performance.now() - start) / 1000;
  model.dispose();
  x.dispose();
  y.dispose();
  return (steps * batch) / elapsed;
}

for (const backend of ['wasm', 'cpu']) {
  await tf.setBackend(backend);
  await tf.ready();
  for (const model of models) {
    for (const batch of batches) {
      try {
        const sps = await measure(model, batch);
        console.log(JSON.stringify({ backend, model, batch, samples_per_s: sps, tfjs: tf.version.tfjs }));
      } catch (e) {
        console.log(
          JSON.stringify({
            backend,
            model,
            batch,
            note: `cannot train: ${String(e.message ?? e).slice(0, 120)}`,
          }),
        );
      }
    }
  }
}
