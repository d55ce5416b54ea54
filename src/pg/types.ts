/*
 * types.ts — the PostgreSQL 17 built-in types the sidecar knows by OID: their names (as pg_type
 * spells them and as error messages spell them), pg_type.typlen for RowDescription, their array
 * types, and the type names SQL may use in casts. The one table of type OIDs: the key codec, the
 * wire protocol's binary formats and the query engine all name types from here.
 *
 * What for: the sidecar never asks a catalog. Every column's type OID comes from the pgoutput
 * Relation message; this table gives those OIDs a name, a size and an array type. The list of
 * (element, array) pairs is PG17's pg_type as postgres.js reads it at connect (catalog.ts).
 *
 * Interface:
 *   Oid                          OIDs the engine uses by name
 *   typeName(oid)                pg_type.typname ("int4"), or "oid <n>" for an unknown OID
 *   sqlTypeName(oid)             format_type() spelling for messages ("integer", "text")
 *   typeSize(oid)                pg_type.typlen (-1 varlena)
 *   arrayTypeOf(oid)             the array type's OID, 0 when none is known
 *   elementTypeOf(oid)           the element type of an array type, 0 when not an array
 *   typeByName(names)            OID for a cast target (`int`, `pg_catalog.int4`, `character varying`)
 *   BUILTIN_ARRAY_TYPES          [element, array] pairs of PG17's built-in types
 */

export const Oid = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  regproc: 24,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  regclass: 2205,
  uuid: 2950,
  pg_lsn: 3220,
  jsonb: 3802,
  void: 2278,
  int4Array: 1007,
  textArray: 1009,
} as const;

interface TypeInfo {
  readonly name: string;
  readonly sqlName: string;
  readonly size: number;
}

const TYPES = new Map<number, TypeInfo>([
  [16, { name: 'bool', sqlName: 'boolean', size: 1 }],
  [17, { name: 'bytea', sqlName: 'bytea', size: -1 }],
  [18, { name: 'char', sqlName: '"char"', size: 1 }],
  [19, { name: 'name', sqlName: 'name', size: 64 }],
  [20, { name: 'int8', sqlName: 'bigint', size: 8 }],
  [21, { name: 'int2', sqlName: 'smallint', size: 2 }],
  [22, { name: 'int2vector', sqlName: 'int2vector', size: -1 }],
  [23, { name: 'int4', sqlName: 'integer', size: 4 }],
  [24, { name: 'regproc', sqlName: 'regproc', size: 4 }],
  [25, { name: 'text', sqlName: 'text', size: -1 }],
  [26, { name: 'oid', sqlName: 'oid', size: 4 }],
  [27, { name: 'tid', sqlName: 'tid', size: 6 }],
  [28, { name: 'xid', sqlName: 'xid', size: 4 }],
  [29, { name: 'cid', sqlName: 'cid', size: 4 }],
  [30, { name: 'oidvector', sqlName: 'oidvector', size: -1 }],
  [114, { name: 'json', sqlName: 'json', size: -1 }],
  [142, { name: 'xml', sqlName: 'xml', size: -1 }],
  [194, { name: 'pg_node_tree', sqlName: 'pg_node_tree', size: -1 }],
  [600, { name: 'point', sqlName: 'point', size: 16 }],
  [650, { name: 'cidr', sqlName: 'cidr', size: -1 }],
  [700, { name: 'float4', sqlName: 'real', size: 4 }],
  [701, { name: 'float8', sqlName: 'double precision', size: 8 }],
  [705, { name: 'unknown', sqlName: 'unknown', size: -2 }],
  [774, { name: 'macaddr8', sqlName: 'macaddr8', size: 8 }],
  [790, { name: 'money', sqlName: 'money', size: 8 }],
  [829, { name: 'macaddr', sqlName: 'macaddr', size: 6 }],
  [869, { name: 'inet', sqlName: 'inet', size: -1 }],
  [1033, { name: 'aclitem', sqlName: 'aclitem', size: 16 }],
  [1042, { name: 'bpchar', sqlName: 'character', size: -1 }],
  [1043, { name: 'varchar', sqlName: 'character varying', size: -1 }],
  [1082, { name: 'date', sqlName: 'date', size: 4 }],
  [1083, { name: 'time', sqlName: 'time without time zone', size: 8 }],
  [1114, { name: 'timestamp', sqlName: 'timestamp without time zone', size: 8 }],
  [1184, { name: 'timestamptz', sqlName: 'timestamp with time zone', size: 8 }],
  [1186, { name: 'interval', sqlName: 'interval', size: 16 }],
  [1266, { name: 'timetz', sqlName: 'time with time zone', size: 12 }],
  [1560, { name: 'bit', sqlName: 'bit', size: -1 }],
  [1562, { name: 'varbit', sqlName: 'bit varying', size: -1 }],
  [1700, { name: 'numeric', sqlName: 'numeric', size: -1 }],
  [2205, { name: 'regclass', sqlName: 'regclass', size: 4 }],
  [2206, { name: 'regtype', sqlName: 'regtype', size: 4 }],
  [2277, { name: 'anyarray', sqlName: 'anyarray', size: -1 }],
  [2278, { name: 'void', sqlName: 'void', size: 4 }],
  [2950, { name: 'uuid', sqlName: 'uuid', size: 16 }],
  [3220, { name: 'pg_lsn', sqlName: 'pg_lsn', size: 8 }],
  [3802, { name: 'jsonb', sqlName: 'jsonb', size: -1 }],
  [4089, { name: 'regnamespace', sqlName: 'regnamespace', size: 4 }],
  [4096, { name: 'regrole', sqlName: 'regrole', size: 4 }],
]);

/**
 * [element OID, array OID] of every PG17 built-in type with an array type (oid < 10000), as
 * `select b.oid, b.typarray from pg_type a join pg_type b on b.oid = a.typelem where
 * a.typcategory = 'A' group by 1, 2 order by 1` returns on a fresh PostgreSQL 17.10 database.
 */
export const BUILTIN_ARRAY_TYPES: ReadonlyArray<readonly [number, number]> = [
  [16, 1000], [17, 1001], [18, 1002], [19, 1003], [20, 1016], [21, 1005], [22, 1006], [23, 1007],
  [24, 1008], [25, 1009], [26, 1028], [27, 1010], [28, 1011], [29, 1012], [30, 1013], [71, 210],
  [75, 270], [81, 272], [83, 273], [114, 199], [142, 143], [600, 1017], [601, 1018], [602, 1019],
  [603, 1020], [604, 1027], [628, 629], [650, 651], [700, 1021], [701, 1022], [718, 719],
  [774, 775], [790, 791], [829, 1040], [869, 1041], [1033, 1034], [1042, 1014], [1043, 1015],
  [1082, 1182], [1083, 1183], [1114, 1115], [1184, 1185], [1186, 1187], [1248, 10052],
  [1266, 1270], [1560, 1561], [1562, 1563], [1700, 1231], [1790, 2201], [2202, 2207],
  [2203, 2208], [2204, 2209], [2205, 2210], [2206, 2211], [2275, 1263], [2842, 10057],
  [2843, 10058], [2950, 2951], [2970, 2949], [3220, 3221], [3614, 3643], [3615, 3645],
  [3642, 3644], [3734, 3735], [3769, 3770], [3802, 3807], [3904, 3905], [3906, 3907],
  [3908, 3909], [3910, 3911], [3912, 3913], [3926, 3927], [4066, 10093], [4072, 4073],
  [4089, 4090], [4096, 4097], [4191, 4192], [4451, 6150], [4532, 6151], [4533, 6152],
  [4534, 6153], [4535, 6155], [4536, 6157], [5038, 5039], [5069, 271], [6101, 10112],
];

const ARRAY_OF = new Map<number, number>(BUILTIN_ARRAY_TYPES.map(([e, a]) => [e, a]));
const ELEMENT_OF = new Map<number, number>(BUILTIN_ARRAY_TYPES.map(([e, a]) => [a, e]));

export function typeName(oid: number): string {
  const t = TYPES.get(oid);
  if (t !== undefined) return t.name;
  const elem = ELEMENT_OF.get(oid);
  if (elem !== undefined) return '_' + typeName(elem);
  return `oid ${oid}`;
}

/** The spelling PostgreSQL's format_type() uses in messages. */
export function sqlTypeName(oid: number): string {
  const t = TYPES.get(oid);
  if (t !== undefined) return t.sqlName;
  const elem = ELEMENT_OF.get(oid);
  if (elem !== undefined) return sqlTypeName(elem) + '[]';
  return `oid ${oid}`;
}

export function typeSize(oid: number): number {
  return TYPES.get(oid)?.size ?? -1;
}

export function arrayTypeOf(oid: number): number {
  return ARRAY_OF.get(oid) ?? 0;
}

export function elementTypeOf(oid: number): number {
  return ELEMENT_OF.get(oid) ?? 0;
}

const NAMES = new Map<string, number>([
  ['bool', 16], ['boolean', 16], ['bytea', 17], ['char', 18], ['name', 19],
  ['int8', 20], ['bigint', 20], ['int2', 21], ['smallint', 21], ['int4', 23], ['int', 23], ['integer', 23],
  ['text', 25], ['oid', 26], ['json', 114], ['float4', 700], ['real', 700], ['float8', 701],
  ['double precision', 701], ['bpchar', 1042], ['character', 1042], ['varchar', 1043],
  ['character varying', 1043], ['date', 1082], ['time', 1083], ['timestamp', 1114],
  ['timestamptz', 1184], ['interval', 1186], ['timetz', 1266], ['numeric', 1700], ['decimal', 1700],
  ['regclass', 2205], ['uuid', 2950], ['pg_lsn', 3220], ['jsonb', 3802], ['unknown', 705],
  ['regtype', 2206], ['regproc', 24], ['regnamespace', 4089], ['regrole', 4096], ['int2vector', 22],
  ['oidvector', 30], ['pg_node_tree', 194], ['aclitem', 1033], ['xid', 28], ['tid', 27], ['cid', 29],
]);

/**
 * The OID for a type name as the parser gives it (`[pg_catalog, int4]`, `[text]`); `"char"` is
 * the internal one-byte type while unquoted `char` arrives as pg_catalog.bpchar. Undefined when
 * the name is not a built-in type memstore knows.
 */
export function typeByName(names: readonly string[]): number | undefined {
  if (names.length === 2 && names[0] !== 'pg_catalog') return undefined;
  if (names.length > 2 || names.length === 0) return undefined;
  return NAMES.get(names[names.length - 1]!);
}
