import { describe } from 'vitest';
import { SUBQUERIES } from './corpus/subqueries.js';
import { corpusSuite } from './run-group.js';

describe('subqueries', () => corpusSuite('subqueries', SUBQUERIES));
