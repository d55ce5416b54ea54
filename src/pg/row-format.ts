/*
 * row-format.ts — the form a row travels in between layers: a DataRow body.
 *
 *   int16 column count, then per column: int32 length (-1 = NULL) and that many bytes of the
 *   value's PostgreSQL text output.
 *
 * decode/ produces rows in this form, store/ keeps them, pgwire/ sends them behind a 'D'. New
 * tuples from the decoder carry one extra marker that never reaches the store: length -2 =
 * "unchanged TOAST value" (pgoutput's 'u'), resolved against the stored row at apply.
 * store/row.ts reads and builds rows; this module only names the lengths both sides agree on.
 */

export const NULL_LENGTH = -1;
export const UNCHANGED_LENGTH = -2;
