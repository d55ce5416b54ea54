import { describe } from 'vitest';
import { JSONB } from './corpus/jsonb.js';
import { corpusSuite } from './run-group.js';

describe('jsonb', () => corpusSuite('jsonb', JSONB));
