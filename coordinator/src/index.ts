/**
 * @edgefed/coordinator — the federated-learning server: rounds, strategies, storage,
 * admin API and dashboard.
 */
export { EdgefedError } from '@edgefed/shared';
