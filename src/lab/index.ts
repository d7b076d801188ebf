// The lab's public face for the CLI and the tests: parse, plan, and the verbs.

export { parseLabArgs, FAULT_MODES, LINK_SETS, DEFAULT_LAB_ROOT } from './args';
export type { LabCommand, LabTarget, UpRequest, FaultMode, LinkSet, LabPlace } from './args';
export { LabError } from './errors';
export type { LabErrorCode } from './errors';
export { labNames, labCommandLine, DEFAULT_PREFIX, MAX_NODES } from './names';
export { planLab, nodeOf } from './plan';
export type { LabPlan, LabNodePlan, LabOptions } from './plan';
export { labUp, labDown, labStatus, labFail, labHeal, labPartition, labOneWay, labExec, namespaceOf } from './lab';
export { oneWayCuts } from './one-way';
export { labAddNode } from './add-node';
export type { AddNodeResult } from './add-node';
export type { UpResult, HealResult } from './lab';
export type { RemovalReport } from './leftovers';
export type { LabStatus } from './status';
export { formatLabStatus } from './status-format';
export { preflight, requireRoot } from './preflight';
export { addHandDuplicate, removeHandDuplicate } from './hand-duplicate';
export type { HandDuplicate } from './hand-duplicate';
