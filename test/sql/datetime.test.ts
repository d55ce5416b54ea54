import { describe } from 'vitest';
import { DATETIME } from './corpus/datetime.js';
import { corpusSuite } from './run-group.js';

describe('date and time', () => corpusSuite('datetime', DATETIME));
