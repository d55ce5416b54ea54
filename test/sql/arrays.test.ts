import { describe } from 'vitest';
import { ARRAYS } from './corpus/arrays.js';
import { corpusSuite } from './run-group.js';

describe('arrays', () => corpusSuite('arrays', ARRAYS));
