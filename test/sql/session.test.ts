import { describe } from 'vitest';
import { SESSION } from './corpus/session.js';
import { corpusSuite } from './run-group.js';

describe('statements, parameters and names', () => corpusSuite('session', SESSION));
