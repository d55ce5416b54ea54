// pgjdbc (Debian's libpostgresql-jdbc-java) on a database: a prepared select read through
// getObject (jsonb, arrays, numeric) and ResultSetMetaData, then DatabaseMetaData's tables,
// columns, schemas, primary keys, imported keys and indexes. Prints one line per fact; the catalog test
// compares the output on the primary and on the sidecar. Run as `java -cp postgresql.jar JdbcCheck.java URL`.
import java.sql.*;
import java.util.*;

public class JdbcCheck {
  static void rows(String label, ResultSet rs, String... cols) throws SQLException {
    List<String> lines = new ArrayList<>();
    while (rs.next()) {
      StringBuilder b = new StringBuilder(label);
      for (String c : cols) b.append(" | ").append(c).append('=').append(rs.getString(c));
      lines.add(b.toString());
    }
    Collections.sort(lines);
    for (String l : lines) System.out.println(l);
  }

  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection(args[0])) {
      try (PreparedStatement ps = c.prepareStatement("SELECT id, name, price, tags, body FROM items WHERE id <= ? ORDER BY id")) {
        ps.setInt(1, 2);
        try (ResultSet rs = ps.executeQuery()) {
          ResultSetMetaData md = rs.getMetaData();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            System.out.println("meta | " + md.getColumnName(i) + " | " + md.getColumnTypeName(i) + " | " + md.getColumnType(i) + " | nullable=" + md.isNullable(i)
                + " | table=" + md.getTableName(i) + " | class=" + md.getColumnClassName(i) + " | autoinc=" + md.isAutoIncrement(i));
          }
          while (rs.next()) {
            StringBuilder b = new StringBuilder("row");
            for (int i = 1; i <= md.getColumnCount(); i++) {
              Object o = rs.getObject(i);
              b.append(" | ").append(o == null ? "null" : o.getClass().getSimpleName() + ":" + (o instanceof Array ? Arrays.toString((Object[]) ((Array) o).getArray()) : o.toString()));
            }
            System.out.println(b);
          }
        }
      }
      DatabaseMetaData d = c.getMetaData();
      rows("table", d.getTables(null, null, "%", new String[] {"TABLE"}), "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS");
      rows("column", d.getColumns(null, "public", "%", "%"), "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "COLUMN_DEF", "ORDINAL_POSITION", "IS_AUTOINCREMENT", "REMARKS");
      rows("schema", d.getSchemas(), "TABLE_SCHEM");
      for (String t : new String[] {"items", "orders"}) {
        rows("pk", d.getPrimaryKeys(null, "public", t), "TABLE_NAME", "COLUMN_NAME", "KEY_SEQ", "PK_NAME");
        rows("fk", d.getImportedKeys(null, "public", t), "PKTABLE_NAME", "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ", "UPDATE_RULE", "DELETE_RULE", "FK_NAME", "PK_NAME");
        rows("index", d.getIndexInfo(null, "public", t, false, false), "TABLE_NAME", "NON_UNIQUE", "INDEX_NAME", "TYPE", "ORDINAL_POSITION", "COLUMN_NAME", "ASC_OR_DESC");
      }
    }
  }
}
