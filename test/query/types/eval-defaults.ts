/** EvalSettings of a default session (UTC, ISO) for calling type and function entries directly. */
import { DEFAULT_OUTPUT } from '../../../src/query/types/datum.js';
import type { EvalSettings } from '../../../src/query/types/registry.js';

export const DEFAULT_EVAL: EvalSettings = { ...DEFAULT_OUTPUT, transactionStart: 0n, statementStart: 0n };
