import { describe } from 'vitest';
import { TEXT } from './corpus/text.js';
import { corpusSuite } from './run-group.js';

describe('text', () => corpusSuite('text', TEXT));
