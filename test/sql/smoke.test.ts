import { describe } from 'vitest';
import { SMOKE } from './corpus/smoke.js';
import { corpusSuite } from './run-group.js';
describe('smoke', () => corpusSuite('smoke', SMOKE));
