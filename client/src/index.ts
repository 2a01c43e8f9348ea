/**
 * @edgefed/client — the participant library a web app (or Node app) embeds: trains the
 * model locally and uploads only model updates.
 */
export { EdgefedError } from '@edgefed/shared';
