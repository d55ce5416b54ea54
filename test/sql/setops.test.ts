import { describe } from 'vitest';
import { SETOPS } from './corpus/setops.js';
import { corpusSuite } from './run-group.js';

describe('setops', () => corpusSuite('setops', SETOPS));
