import { describe } from 'vitest';
import { SRF } from './corpus/srf.js';
import { corpusSuite } from './run-group.js';

describe('srf', () => corpusSuite('srf', SRF));
