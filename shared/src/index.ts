/**
 * @edgefed/shared — the portable core of edgefed. Runs in browsers, workers and Node;
 * imports nothing platform-specific.
 */
export {
  EdgefedError,
  ERROR_CODES,
  fromWireError,
  isEdgefedError,
  isErrorCode,
  toEdgefedError,
} from './errors.js';
export type { EdgefedErrorOptions, ErrorCode, ErrorDetails, WireError } from './errors.js';
export { TypedEmitter } from './emitter/typed-emitter.js';
export type { EventHandler, TypedEmitterOptions } from './emitter/typed-emitter.js';
// --- protocol (wire protocol v1) ---
export {
  checkProtocolVersion,
  MIN_PROTOCOL_VERSION,
  parseSemVer,
  PROTOCOL_VERSION,
} from './protocol/version.js';
export type { ProtocolCompat, SemVer } from './protocol/version.js';
export {
  binarySchema,
  checksumSchema,
  countSchema,
  epochMsSchema,
  idSchema,
  MAX_ID_LENGTH,
  metricsSchema,
  positiveCountSchema,
  scalarRecordSchema,
  MAX_MODEL_SPEC_CHARS,
  scalarSchema,
} from './protocol/fields.js';
export {
  capabilitiesSchema,
  helloSchema,
  progressSchema,
  resultSchema,
  updateRefSchema,
  uploadChunkSchema,
} from './protocol/client-messages.js';
export type {
  Capabilities,
  HelloMessage,
  ProgressMessage,
  ResultMessage,
  UpdateRef,
  UploadChunkInput,
  UploadChunkMessage,
} from './protocol/client-messages.js';
export { cancelSchema, limitsSchema, taskSchema, welcomeSchema } from './protocol/server-messages.js';
export type { CancelMessage, Limits, TaskMessage, WelcomeMessage } from './protocol/server-messages.js';
export {
  MAX_SECAGG_CIPHERTEXT_BYTES,
  MAX_SECAGG_CLIENTS,
  MAX_SECAGG_KEY_BYTES,
  MAX_SECAGG_SHARE_BYTES,
  SECURE_AGGREGATION_SINCE,
  helloSupportsSecureAggregation,
  secAggAdvertiseSchema,
  secAggInboxSchema,
  secAggKeysSchema,
  secAggRosterSchema,
  secAggSharesSchema,
  secAggUnmaskRequestSchema,
  secAggUnmaskSchema,
  secureAggregationTaskSchema,
} from './protocol/secagg-messages.js';
export { decodeMaskedWords, encodeMaskedWords } from './protocol/masked-payload.js';
export type {
  SecAggAdvertiseMessage,
  SecAggInboxMessage,
  SecAggRosterMessage,
  SecAggSharesMessage,
  SecAggUnmaskMessage,
  SecAggUnmaskRequestMessage,
  SecureAggregationTask,
} from './protocol/secagg-messages.js';
export { errorCodeSchema, errorMessageSchema, heartbeatSchema } from './protocol/common-messages.js';
export type { ErrorMessage, ErrorMessageInput, HeartbeatMessage } from './protocol/common-messages.js';
export {
  ACKED_MESSAGE_TYPES,
  CLIENT_MESSAGE_SCHEMAS,
  CLIENT_MESSAGE_TYPES,
  isAckedMessageType,
  isClientMessageType,
  isServerMessageType,
  SERVER_MESSAGE_SCHEMAS,
  SERVER_MESSAGE_TYPES,
} from './protocol/messages.js';
export type {
  AckedMessageType,
  ClientMessage,
  ClientMessageInput,
  ClientMessageInputOf,
  ClientMessageOf,
  ClientMessageType,
  Direction,
  ServerMessage,
  ServerMessageInput,
  ServerMessageInputOf,
  ServerMessageOf,
  ServerMessageType,
} from './protocol/messages.js';
export { MAX_REPORTED_ISSUES, parseMessage, toWireIssues } from './protocol/parse-message.js';
export { DISCONNECT_REASONS, messageBytes } from './protocol/channel/channel.js';
export type {
  AckedOutboundOf,
  AckReply,
  Channel,
  ChannelLimits,
  ChannelOptions,
  ChannelSide,
  ChannelUnsubscribe,
  CoordinatorChannel,
  DisconnectReason,
  Inbound,
  InboundOf,
  InvalidInbound,
  OutboundOf,
  ParticipantChannel,
  RequestOptions,
  ValidInbound,
} from './protocol/channel/channel.js';
export { BaseChannel, DEFAULT_ACK_TIMEOUT_MS } from './protocol/channel/base-channel.js';
export type { WireMessage } from './protocol/channel/base-channel.js';
export { createPortChannel, createPortDialer, createPortListener } from './protocol/channel/port-channel.js';
export type {
  MessagePortLike,
  PortChannelOptions,
  PortDialer,
  PortFrame,
  PortListener,
} from './protocol/channel/port-channel.js';
export {
  socketIoCoordinatorChannel,
  socketIoParticipantChannel,
} from './protocol/channel/socket-io-channel.js';
export type { SocketIoChannelOptions, SocketIoSocketLike } from './protocol/channel/socket-io-channel.js';
export { chunkToMessage, formatCrc32c, messageToChunk, parseCrc32c } from './protocol/upload-chunks.js';

export type { WireIssue } from './protocol/parse-message.js';
export { ackResponseSchema } from './protocol/events.js';
export type {
  AckCallback,
  AckResponse,
  ClientToServerEvents,
  ServerToClientEvents,
} from './protocol/events.js';
// --- end protocol ---
// --- data: datasets, parsers, partitioners ---
export { createModelPrng, createPrng } from './data/prng.js';
export type { Prng } from './data/prng.js';
export {
  checkLabels,
  countClasses,
  createDataset,
  exampleFeatures,
  exampleLabels,
  IGNORE_LABEL,
  selectExamples,
  sliceDataset,
} from './data/dataset.js';
export type { Dataset, DatasetInit, LabelArray } from './data/dataset.js';
export { encodeIdx, parseIdx } from './data/idx.js';
export type { IdxArray, IdxArrays, IdxDType } from './data/idx.js';
export { datasetFromIdx } from './data/idx-dataset.js';
export type { IdxDatasetInit } from './data/idx-dataset.js';
export { normalizeUint8 } from './data/normalize.js';
export {
  buildCharVocabulary,
  charVocabulary,
  decodeChars,
  encodeChars,
  MAX_CHAR_VOCABULARY,
  OOV_CHAR,
} from './data/char-vocabulary.js';
export type { CharVocabulary, CharVocabularyOptions } from './data/char-vocabulary.js';
export {
  buildWordVocabulary,
  decodeWords,
  encodeWords,
  tokenizeWords,
  UNKNOWN_WORD,
} from './data/word-vocabulary.js';
export type { WordVocabulary } from './data/word-vocabulary.js';
export { DEFAULT_SEQUENCE_LENGTH, sequenceWindowCount, sequenceWindows } from './data/sequence-windows.js';
export type { SequenceWindowOptions, SequenceWindows } from './data/sequence-windows.js';
export { buildTextFederation } from './data/text-federation.js';
export type { TextDocument, TextFederation, TextFederationOptions } from './data/text-federation.js';
export { topKCorrect } from './data/top-k.js';
export type { TopKCounts } from './data/top-k.js';
export { accumulateConfusion, classificationReport, emptyConfusion } from './evaluation/confusion.js';
export type { ClassMetrics, ClassificationReport, ConfusionMatrix } from './evaluation/confusion.js';
export { clientDistribution, quantile } from './evaluation/client-distribution.js';
export type { ClientDistribution, ClientDistributionOptions } from './evaluation/client-distribution.js';
export { buildCharTextDataset, charTextExample, charTextToDataset } from './data/char-text-dataset.js';
export type { CharTextDataset, CharTextOptions } from './data/char-text-dataset.js';
export {
  clientIndices,
  clientSize,
  partitionFromLists,
  partitionFromSizes,
  validatePartition,
} from './data/partition/partition.js';
export type { Partition } from './data/partition/partition.js';
export { evenSizes, partitionIid } from './data/partition/iid.js';
export type { IidOptions } from './data/partition/iid.js';
export { partitionShards } from './data/partition/shards.js';
export type { ShardsOptions } from './data/partition/shards.js';
export { partitionDirichlet } from './data/partition/dirichlet.js';
export type { DirichletOptions } from './data/partition/dirichlet.js';
export { partitionNatural } from './data/partition/natural.js';
export type { NaturalPartition } from './data/partition/natural.js';
export { partitionQuantitySkew } from './data/partition/quantity-skew.js';
export type { QuantitySkewOptions, SizeDistribution } from './data/partition/quantity-skew.js';
export { partitionReport } from './data/partition/report.js';
export type { ClientReport, PartitionReport, PartitionSummary } from './data/partition/report.js';
export { partitionDataset } from './data/partition/partition-spec.js';
export type { PartitionInput, PartitionSpec } from './data/partition/partition-spec.js';
// --- end data ---
// --- aggregation and strategies ---
export {
  assertFinite,
  assertSameLayout,
  isAllFinite,
  layoutData,
  tensorLayout,
  unflatten,
} from './aggregation/layout.js';
export type { LayoutEntry, TensorLayout } from './aggregation/layout.js';
export { WeightedMeanAccumulator } from './aggregation/weighted-mean.js';
export { DEFAULT_BLOCK_SIZE, reduceColumns } from './aggregation/column-blocks.js';
export type { ColumnReducer, ReduceColumnsOptions } from './aggregation/column-blocks.js';
export { coordinateMedian, medianOfSegment } from './aggregation/coordinate-median.js';
export type { MedianOptions } from './aggregation/coordinate-median.js';
export { coordinateTrimmedMean, trimCount, trimmedMeanReducer } from './aggregation/trimmed-mean.js';
export type { TrimmedMeanOptions } from './aggregation/trimmed-mean.js';
export { krumScores, krumSelect, squaredDistance } from './aggregation/krum.js';
export type { KrumOptions } from './aggregation/krum.js';
export { krumScoresAmong, pairwiseSquaredDistances } from './aggregation/krum.js';
export { bulyanAggregate, bulyanMinUpdates, bulyanSelect } from './aggregation/bulyan.js';
export type { BulyanOptions } from './aggregation/bulyan.js';
export { CenteredClippingStep, centeredClipping, clipScale } from './aggregation/centered-clipping.js';
export type { CenteredClippingOptions } from './aggregation/centered-clipping.js';
export { NormBoundedMean, updateNorm } from './aggregation/norm-bound.js';
export type {
  AggregateEvaluateInput,
  AggregateFitInput,
  AggregateMeanInput,
  ClientCandidate,
  ConfigureInput,
  EvaluateAggregate,
  EvaluatePlan,
  EvaluateResult,
  Failure,
  FitAggregate,
  FitPlan,
  FitResult,
  Metrics,
  ResultStream,
  Scalar,
  ScalarRecord,
  Strategy,
  StrategyMemory,
  StrategyState,
} from './strategy/types.js';
export { parseStrategyConfig, STRATEGY_NAMES, strategyConfigSchema } from './strategy/config.js';
export type {
  CommonStrategyConfig,
  StrategyConfig,
  StrategyConfigInput,
  StrategyConfigOf,
  StrategyName,
} from './strategy/config.js';
export { createStrategy } from './strategy/create-strategy.js';
export { BaseStrategy } from './strategy/base-strategy.js';
export type { ServerStepInput } from './strategy/base-strategy.js';
export { FedAvg } from './strategy/fed-avg.js';
export { FedProx } from './strategy/fed-prox.js';
export { QFedAvg } from './strategy/q-fed-avg.js';
export { FedAvgM } from './strategy/fed-avg-m.js';
export { AdaptiveStrategy, FedAdagrad, FedAdam, FedYogi } from './strategy/adaptive.js';
export { FedMedian, FedTrimmedAvg } from './strategy/robust.js';
export { FedKrum } from './strategy/krum.js';
export { FedBulyan, FedMultiKrum } from './strategy/byzantine.js';
export { FedCenteredClipping, FedNormBounded } from './strategy/clipping.js';
export { selectClients } from './strategy/selection.js';
export type { Selection, SelectionOptions } from './strategy/selection.js';
// --- end aggregation and strategies ---
// --- tensors: codec, chunking, conversion; compression ---
export { DTYPE_BYTES, float32Tensor, sameShape, shapeSize } from './tensor/tensor.js';
export type { DType, DTypeArrays, Float32Tensor, Tensor, TensorMap } from './tensor/tensor.js';
export { assertValidTensor } from './tensor/validate.js';
export { crc32c, crc32cCombine, crc32cUpdate } from './tensor/crc32c.js';
export {
  CODEC_ALIGNMENT,
  CODEC_ERROR_CODES,
  CODEC_FORMAT_VERSION,
  CODEC_MAGIC,
  DEFAULT_MAX_DECODE_BYTES,
} from './tensor/codec-format.js';
export type { CodecErrorCode } from './tensor/codec-format.js';
export { encodeTensorMap } from './tensor/codec-encode.js';
export { decodeTensorMap } from './tensor/codec-decode.js';
export type { DecodeOptions } from './tensor/codec-decode.js';
export {
  float16ArrayToFloat32,
  float16BitsToFloat32,
  float32ArrayToFloat16,
  float32ToFloat16Bits,
} from './tensor/float16.js';
export { dequantizeInt8, fromFloat32, quantizeInt8, toFloat32 } from './tensor/convert.js';
export type { Int8Quantized } from './tensor/convert.js';
export {
  addMaps,
  assertSameMapLayout,
  hasNonFinite,
  parameterBytes,
  parameterCount,
  subtractMaps,
  tensorHasNonFinite,
} from './tensor/map-ops.js';
export { chunkCount, MAX_PAYLOAD_ID_LENGTH, splitIntoChunks } from './tensor/chunking.js';
export type { ChunkMeta, PayloadChunk, SplitOptions } from './tensor/chunking.js';
export { assembleChunks, ChunkAssembler } from './tensor/chunk-assembler.js';
export type { ChunkAssemblerOptions } from './tensor/chunk-assembler.js';
export { chunkMetaSchema, parsePayloadChunk, payloadChunkSchema } from './tensor/chunk-schema.js';
export { compressionSpecOf, compressUpdate, decompressUpdate } from './compression/compress.js';
export type { DecompressOptions } from './compression/compress.js';
export {
  COMPRESSION_META_NAME,
  compressionSpecSchema,
  parseCompressionSpec,
  topKCount,
} from './compression/compression-spec.js';
export type { CompressionMeta, CompressionSpec } from './compression/compression-spec.js';
export { ErrorFeedback } from './compression/error-feedback.js';
export { topKIndices } from './compression/top-k.js';
export { maxEncodedUpdateBytes, UPDATE_FRAMING_SLACK_BYTES } from './compression/update-size.js';
export type { TensorShapeEntry } from './compression/update-size.js';
// --- end tensors and compression ---

// --- model compiler (shared/src/model) ---
export {
  compileAttentionGraph,
  compileModel,
  compileSaliencyGraphs,
  exportInferenceModel,
} from './model/compile/compile-model.js';
export type { AttentionGraph, SaliencyGraphs } from './model/compile/compile-model.js';
export { buildAttentionGraph, listAttentionLayers } from './model/compile/attention-graph.js';
export type { AttentionGraphOptions, AttentionLayerInfo } from './model/compile/attention-graph.js';
export { buildIntegratedGradientsGraph, buildSaliencyGraph } from './model/compile/saliency-graphs.js';
export type { SaliencyGraphOptions } from './model/compile/saliency-graphs.js';
export type { CompiledModel } from './model/compile/compile-model.js';
export { planModel } from './model/compile/plan.js';
export type { CompileOptions, ModelPlan } from './model/compile/plan.js';
export type { LossKind } from './model/compile/losses.js';
export { optimizerHyperParameters, optimizerStateKinds } from './model/compile/optimizers.js';
export type { HyperParameter, OptimizerSpec } from './model/compile/optimizers.js';
export type {
  EmittedGraph,
  GraphKind,
  GraphManifest,
  ManifestEntry,
  TensorRole,
} from './model/compile/manifest.js';
export { findWebGpuIssues, WEBGPU_FORBIDDEN_OPS } from './model/compile/webgpu-check.js';
export { modelSpecSchema, parseModelSpec } from './model/spec/model-spec.js';
export type { LayerSpec, ModelSpec } from './model/spec/model-spec.js';
export type {
  AttentionInfo,
  ForwardOptions,
  InitKind,
  MaskInfo,
  ParameterInfo,
} from './model/spec/layers.js';
export { countParameters, initParameter, initParameters } from './model/spec/init.js';
export {
  charLstm,
  charTransformer,
  DEFAULT_CHAR_VOCAB,
  fedAvgCnn,
  MODEL_2NN,
  MODEL_CNN,
  MODEL_PRESETS,
  MODEL_TINY_CNN,
} from './model/spec/presets.js';
export { causalMask, sinusoidalTable } from './model/spec/attention-layers.js';
export { TOKEN_OUTPUTS } from './model/compile/losses.js';
export { decodeModel, encodeModel, ONNX_IR_VERSION } from './model/onnx/codec.js';
export { GraphBuilder } from './model/ir/builder.js';
export type { GraphBuilderOptions } from './model/ir/builder.js';
export { collapseIdentities, foldConstants, optimizeGraph, removeDeadNodes } from './model/ir/passes.js';
export { inferNode } from './model/ir/shape-infer.js';
export type { InferContext } from './model/ir/shape-infer.js';
export { addGradients, differentiableOps } from './model/autodiff/autodiff.js';
export type { GradientOptions } from './model/autodiff/autodiff.js';
export { attrFloat, attrFloats, attrInt, attrInts, attrString, DEFAULT_OPSET } from './model/ir/types.js';
export type {
  AttrValue,
  Attributes,
  ConstTensor,
  Dim,
  ElemType,
  FloatType,
  GraphIR,
  ModelIR,
  NodeIR,
  ValueInfo,
} from './model/ir/types.js';
export { compilePlan } from './model/compile/compile-model.js';
export { emitPlanForward } from './model/compile/plan.js';
export { importOnnxModel } from './model/import/import-model.js';
export type { ImportedModel, ImportOptions } from './model/import/import-model.js';
export { compileImportedModel, exportImportedModel } from './model/import/compile-imported.js';
export { onnxModelSpec, planImportedModel } from './model/import/onnx-spec.js';
export { fromBase64, toBase64 } from './model/import/base64.js';
export { findUnsupportedNodes, IMPORT_SUPPORTED_OPS } from './model/import/supported-ops.js';
export type { UnsupportedNode } from './model/import/supported-ops.js';
export type { ImportedGraph } from './model/import/imported-graph.js';
export type { ImportedTrace } from './model/import/trace.js';
export type { KnownInts } from './model/import/int-values.js';
// --- end model compiler ---
// --- aggregation performance ---
export type { WeightedMeanOptions } from './aggregation/weighted-mean.js';
// --- end aggregation performance ---
// --- differential privacy (shared/src/privacy) ---
export { clipByGlobalNorm, globalL2Norm } from './privacy/clip.js';
export type { ClipResult } from './privacy/clip.js';
export { addGaussianNoise, secureNormalSource, seededNormalSource } from './privacy/gaussian-noise.js';
export type { NormalSource } from './privacy/gaussian-noise.js';
export {
  DEFAULT_RDP_ORDERS,
  epsilonFromRdp,
  RdpAccountant,
  sampledGaussianRdp,
} from './privacy/rdp-accountant.js';
export type {
  EpsilonOptions,
  PrivacySpent,
  RdpConversion,
  SampledGaussianStep,
} from './privacy/rdp-accountant.js';
export { privacyConfigSchema } from './privacy/privacy-config.js';
export type { PrivacyConfig, PrivacyConfigInput } from './privacy/privacy-config.js';
export { withDifferentialPrivacy } from './privacy/dp-strategy.js';
export type { DifferentialPrivacyOptions } from './privacy/dp-strategy.js';
export { clipUpdateForTask } from './privacy/task-clipping.js';
// --- end differential privacy ---
// --- secure aggregation (shared/src/secagg) ---
export type {
  AdvertiseKeys,
  EncryptedShare,
  MaskedInput,
  NeighbourGraph,
  Roster,
  SecAggClientApi,
  SecAggConfig,
  SecAggHelpers,
  SecAggParams,
  SecAggResult,
  SecAggServerApi,
  SecAggServerOptions,
  ShareOf,
  UnmaskRequest,
  UnmaskResponse,
} from './secagg/types.js';
export {
  autoNeighbours,
  autoThreshold,
  MIN_SECAGG_CLIENTS,
  parseSecAggConfig,
  resolveSecAggParams,
  secAggConfigSchema,
} from './secagg/config.js';
export type { SecAggConfigInput } from './secagg/config.js';
export { SecAggClient } from './secagg/client.js';
export type { SecAggClientOptions } from './secagg/client.js';
export { SecAggServer } from './secagg/server.js';
export { neighbourGraph } from './secagg/graph.js';
export {
  clipWeight,
  dequantizeMean,
  fixedPoint,
  quantizationErrorBound,
  quantize,
} from './secagg/quantize.js';
export type { FixedPoint } from './secagg/quantize.js';
export { applyMasks, expandMask, maskKey } from './secagg/prg.js';
export type { MaskTerm } from './secagg/prg.js';
export { defaultKeystream, nodeKeystream, webCryptoKeystream } from './secagg/keystream.js';
export type { KeystreamEngine } from './secagg/keystream.js';
export { SHAMIR_PRIME, shamirCombine, shamirSplit } from './secagg/shamir.js';
export { runInMemoryRound } from './secagg/in-memory-round.js';
export type { InMemoryRoundOptions, RoundDrops, RoundInput } from './secagg/in-memory-round.js';
export {
  advertiseKeysSchema,
  bytesToWords,
  encryptedShareSchema,
  maskedInputSchema,
  rosterSchema,
  secAggParamsSchema,
  SHARE_CIPHERTEXT_BYTES,
  unmaskRequestSchema,
  unmaskResponseSchema,
  wordsToBytes,
} from './secagg/schemas.js';
export { randomBytes as secureRandomBytes } from './secagg/webcrypto.js';
// --- end secure aggregation ---
// --- hierarchical aggregation (cluster partial aggregates) ---
export { PartialAggregate, sameLayout } from './aggregation/partial-aggregate.js';
export type { PartialAggregateOptions, PartialAggregateParts } from './aggregation/partial-aggregate.js';
export {
  decodeMaskedPartial,
  decodePartialAggregate,
  encodeMaskedPartial,
  encodePartialAggregate,
  PARTIAL_FORMAT_VERSION,
} from './aggregation/partial-codec.js';
export type { PartialSumDtype } from './aggregation/partial-codec.js';
export { MaskedPartialSum } from './secagg/masked-partial-sum.js';
export type { MaskedPartial } from './secagg/masked-partial-sum.js';
// --- end hierarchical aggregation ---
