//! Tests only: SQLite in memory with the project's `migrations/` applied in order, running a
//! [`Stmt`] as D1 does (a batch is one transaction: all of it or none), so every statement of
//! [`crate::sql`] is exercised natively against the real schema. This crate's tests use it, and
//! other crates' native tests through the `sqlite` feature (`haoka-edge-app`'s fake platform);
//! the migrations are read from this repository's `migrations/` when a database is made.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test harness fails loudly
#![allow(dead_code)] // each table's tests use what they need

use rusqlite::{Connection, types::ValueRef};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Arg, Done, Query, Stmt};

/// A migrated database.
pub struct Db(Connection);

impl Db {
    /// A fresh database with every migration applied.
    pub fn migrated() -> Db {
        let conn = Connection::open_in_memory().unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        assert!(files.len() >= 12, "migrations found: {files:?}");
        for f in files {
            let sql = std::fs::read_to_string(&f).unwrap();
            conn.execute_batch(&sql)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        }
        Db(conn)
    }

    /// Run one statement: its rows (as D1's JSON objects) and changes.
    pub fn run(&self, s: &Stmt) -> Done {
        self.try_run(s).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Run one statement, or the error D1 would throw for it (a constraint, a trigger's
    /// `RAISE`, bad SQL), with the statement's text.
    pub fn try_run(&self, s: &Stmt) -> Result<Done, String> {
        run_on(&self.0, s).map_err(|e| format!("{}: {e}", s.sql))
    }

    /// Run statements as one batch: all land or, on an error, none (the error is returned).
    pub fn batch(&mut self, stmts: &[Stmt]) -> Result<Vec<Done>, String> {
        let tx = self.0.transaction().map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for s in stmts {
            out.push(run_on(&tx, s).map_err(|e| format!("{}: {e}", s.sql))?);
        }
        tx.commit().map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// The rows of `q`, decoded.
    pub fn all<T: DeserializeOwned>(&self, q: &Query<T>) -> Vec<T> {
        self.run(&q.stmt)
            .rows
            .into_iter()
            .map(|r| serde_json::from_value(r.clone()).unwrap_or_else(|e| panic!("{r}: {e}")))
            .collect()
    }

    /// The first row of `q`, decoded.
    pub fn first<T: DeserializeOwned>(&self, q: &Query<T>) -> Option<T> {
        self.all(q).into_iter().next()
    }

    /// Rows of plain SQL, for a test's own look at the tables.
    pub fn rows(&self, sql: &str) -> Vec<Value> {
        self.run(&Stmt::new(sql, [])).rows
    }

    /// A test's own write (setting a row up).
    pub fn exec(&self, sql: &str) {
        self.0
            .execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

fn run_on(conn: &Connection, s: &Stmt) -> rusqlite::Result<Done> {
    let mut st = conn.prepare(&s.sql)?;
    for (i, a) in s.args.iter().enumerate() {
        let at = i + 1;
        match a {
            Arg::Null => st.raw_bind_parameter(at, rusqlite::types::Null)?,
            Arg::Int(v) => st.raw_bind_parameter(at, v)?,
            Arg::Real(v) => st.raw_bind_parameter(at, v)?,
            Arg::Text(v) => st.raw_bind_parameter(at, v)?,
        }
    }
    let names: Vec<String> = st.column_names().iter().map(|n| (*n).to_owned()).collect();
    let readonly = st.readonly();
    let mut rows = Vec::new();
    {
        let mut it = st.raw_query();
        while let Some(row) = it.next()? {
            let mut obj = Map::new();
            for (i, n) in names.iter().enumerate() {
                let v = match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::from(v),
                    ValueRef::Real(v) => Value::from(v),
                    ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::from(b.to_vec()),
                };
                obj.insert(n.clone(), v);
            }
            rows.push(Value::Object(obj));
        }
    }
    Ok(Done {
        changes: if readonly { 0 } else { conn.changes() },
        rows,
    })
}
