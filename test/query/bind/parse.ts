import { loadParser, parseSql, type Node } from '../../../src/query/parse.js';

export { loadParser };

/** The statement node of a one-statement query. */
export function parseSync(sql: string): Node {
  return parseSql(sql)[0]!.stmt!;
}
