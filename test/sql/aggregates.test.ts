import { describe } from 'vitest';
import { AGGREGATES } from './corpus/aggregates.js';
import { corpusSuite } from './run-group.js';

describe('aggregates', () => corpusSuite('aggregates', AGGREGATES));
