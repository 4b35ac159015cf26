//! The migrated database's catalog, as the generator reads it: tables, columns, constraints,
//! domains, grants and comments of the app schemas.

use postgres::Client;

#[derive(Debug)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub comment: String,
    /// The role whose grants say what the API may write: `authenticated` where it may insert
    /// anything, else `service_role` (a schema only the backend writes).
    pub writer: String,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    /// Unique indexes that are no constraint (partial ones): `(name, columns)`.
    pub unique_indexes: Vec<(String, Vec<String>)>,
}

#[derive(Debug)]
pub struct Column {
    pub name: String,
    pub nullable: bool,
    pub default: Option<String>,
    pub generated: bool,
    /// `schema.name` of the column's domain, if its type is one.
    pub domain: Option<String>,
    /// The type (a domain's base type) as `format_type` prints it, `extensions.` left out.
    pub sql_type: String,
    pub comment: String,
    pub insertable: bool,
    pub updatable: bool,
}

#[derive(Debug)]
pub struct Constraint {
    pub name: String,
    /// `c`, `u`, `p` or `f`.
    pub kind: char,
    pub definition: String,
    pub columns: Vec<String>,
}

#[derive(Debug)]
pub struct Domain {
    pub schema: String,
    pub name: String,
    pub comment: String,
    pub sql_type: String,
    /// `(name, definition)` of each CHECK.
    pub checks: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Catalog {
    pub tables: Vec<Table>,
    /// Every domain a column of an app schema uses.
    pub domains: Vec<Domain>,
}

fn strip_extensions(t: String) -> String {
    t.replace("extensions.", "")
}

pub fn read(client: &mut Client, schemas: &[&str]) -> Result<Catalog, String> {
    let schemas: Vec<String> = schemas.iter().map(|s| s.to_string()).collect();
    let err = |e: postgres::Error| format!("reading the catalog: {e}");
    let rows = client
        .query(
            "select c.oid, n.nspname::text, c.relname::text, coalesce(obj_description(c.oid, 'pg_class'), ''),
                    case when has_any_column_privilege('authenticated', c.oid, 'INSERT')
                         then 'authenticated' else 'service_role' end
               from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where n.nspname = any($1) and c.relkind in ('r', 'p') and not c.relispartition
              order by array_position($1, n.nspname::text), c.oid",
            &[&schemas],
        )
        .map_err(err)?;
    let mut tables = Vec::new();
    for row in rows {
        let oid: u32 = row.get(0);
        let writer: String = row.get(4);
        let columns = client
            .query(
                "select a.attname::text, not a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
                        a.attgenerated = 's',
                        case when t.typtype = 'd' then tn.nspname || '.' || t.typname end,
                        format_type(case when t.typtype = 'd' then t.typbasetype else a.atttypid end,
                                    case when t.typtype = 'd' then t.typtypmod else a.atttypmod end),
                        coalesce(col_description(a.attrelid, a.attnum), ''),
                        has_column_privilege($2::text, a.attrelid, a.attnum, 'INSERT'),
                        has_column_privilege($2::text, a.attrelid, a.attnum, 'UPDATE')
                   from pg_attribute a
                   join pg_type t on t.oid = a.atttypid
                   join pg_namespace tn on tn.oid = t.typnamespace
                   left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                  where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
                  order by a.attnum",
                &[&oid, &writer],
            )
            .map_err(err)?
            .iter()
            .map(|r| Column {
                name: r.get(0),
                nullable: r.get(1),
                default: r.get(2),
                generated: r.get(3),
                domain: r.get(4),
                sql_type: strip_extensions(r.get(5)),
                comment: r.get(6),
                insertable: r.get(7),
                updatable: r.get(8),
            })
            .collect();
        let constraints = client
            .query(
                "select c.conname::text, c.contype::text, pg_get_constraintdef(c.oid),
                        array(select a.attname::text from unnest(c.conkey) with ordinality as k(attnum, i)
                              join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.i)
                   from pg_constraint c
                  where c.conrelid = $1 and c.contype in ('c', 'u', 'p', 'f')
                  order by c.contype, c.conname",
                &[&oid],
            )
            .map_err(err)?
            .iter()
            .map(|r| Constraint {
                name: r.get(0),
                kind: r.get::<_, String>(1).chars().next().unwrap_or('?'),
                definition: r.get(2),
                columns: r.get(3),
            })
            .collect();
        let unique_indexes = client
            .query(
                "select c.relname::text,
                        array(select a.attname::text from unnest(i.indkey) with ordinality as k(attnum, n)
                              join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.n)
                   from pg_index i join pg_class c on c.oid = i.indexrelid
                  where i.indrelid = $1 and i.indisunique
                    and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
                  order by 1",
                &[&oid],
            )
            .map_err(err)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        tables.push(Table {
            unique_indexes,
            schema: row.get(1),
            name: row.get(2),
            comment: row.get(3),
            writer,
            columns,
            constraints,
        });
    }
    let domains = client
        .query(
            "select distinct t.oid, n.nspname::text, t.typname::text, coalesce(obj_description(t.oid, 'pg_type'), ''),
                    format_type(t.typbasetype, t.typtypmod)
               from pg_attribute a
               join pg_class c on c.oid = a.attrelid
               join pg_namespace cn on cn.oid = c.relnamespace
               join pg_type t on t.oid = a.atttypid and t.typtype = 'd'
               join pg_namespace n on n.oid = t.typnamespace
              where cn.nspname = any($1) and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
              order by 2, 3",
            &[&schemas],
        )
        .map_err(err)?
        .iter()
        .map(|r| (r.get::<_, u32>(0), r))
        .map(|(oid, r)| -> Result<Domain, String> {
            let checks = client
                .query(
                    "select conname::text, pg_get_constraintdef(oid) from pg_constraint
                      where contypid = $1 and contype = 'c' order by conname",
                    &[&oid],
                )
                .map_err(err)?
                .iter()
                .map(|c| (c.get(0), c.get(1)))
                .collect();
            Ok(Domain {
                schema: r.get(1),
                name: r.get(2),
                comment: r.get(3),
                sql_type: strip_extensions(r.get(4)),
                checks,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Catalog { tables, domains })
}
