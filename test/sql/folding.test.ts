import { describe } from 'vitest';
import { FOLDING } from './corpus/folding.js';
import { corpusSuite } from './run-group.js';

describe('plan-time constant folding', () => corpusSuite('folding', FOLDING));
