import { describe } from 'vitest';
import { JOINS } from './corpus/joins.js';
import { corpusSuite } from './run-group.js';

describe('joins', () => corpusSuite('joins', JOINS));
