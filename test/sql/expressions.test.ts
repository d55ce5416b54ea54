import { describe } from 'vitest';
import { EXPRESSIONS } from './corpus/expressions.js';
import { corpusSuite } from './run-group.js';

describe('expressions and operators', () => corpusSuite('expressions', EXPRESSIONS));
