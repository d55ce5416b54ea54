import { describe } from 'vitest';
import { WINDOWS } from './corpus/windows.js';
import { corpusSuite } from './run-group.js';

describe('windows', () => corpusSuite('windows', WINDOWS));
