import { describe } from 'vitest';
import { MATH } from './corpus/math.js';
import { corpusSuite } from './run-group.js';

describe('math', () => corpusSuite('math', MATH));
