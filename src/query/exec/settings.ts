/*
 * settings.ts — the settings a function runs under when no execution is at hand (constant folding,
 * helpers that must not depend on a session): PostgreSQL's defaults, the clock at 2000-01-01.
 */
import { DEFAULT_OUTPUT } from '../types/datum.js';
import type { EvalSettings } from '../types/registry.js';

export const FALLBACK_SETTINGS: EvalSettings = { ...DEFAULT_OUTPUT, transactionStart: 0n, statementStart: 0n };
