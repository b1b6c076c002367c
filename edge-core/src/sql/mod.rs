//! D1's statements as data (sans-IO, like the upstream requests): every SQL statement of the
//! edge is built here as a [`Stmt`] (text plus bound values) or a typed [`Query`], and the
//! replies that need reading (a batch's changes, a `RETURNING` row) are read here too. The
//! worker's `db` layer only runs them. So each statement is tested natively, against SQLite with
//! the project's own `migrations/` applied (D1 is SQLite), and the conditional statements that
//! hold the races (compare-and-set, a limit counted in the insert that spends it, a claim that
//! happens once) are shown to hold there, not only through workerd.
//!
//! Rules: SQL text is a literal of this module's files (never built from input); values are
//! always bound; state names come from `OrderState` and friends, never spelled in SQL;
//! integers are bound as integers (the worker turns them into what D1 accepts).

use std::marker::PhantomData;

use serde::Serialize;
use serde_json::Value;

pub mod accounts;
pub mod audit;
pub mod budgets;
pub mod cases;
pub mod checks;
pub mod handoffs;
pub mod numbers;
pub mod orders;
pub mod prechecks;
pub mod products;
pub mod reports;
pub mod settings;
#[cfg(any(test, feature = "sqlite"))]
pub mod sqlite;
pub mod upkeep;

/// A value bound to a `?N` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `NULL`.
    Null,
    /// An integer (bools are 0 and 1).
    Int(i64),
    /// A real number.
    Real(f64),
    /// Text.
    Text(String),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_owned())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(v.clone())
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(v)
    }
}

impl From<u32> for Arg {
    fn from(v: u32) -> Arg {
        Arg::Int(i64::from(v))
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Int(i64::from(v))
    }
}

impl From<f64> for Arg {
    fn from(v: f64) -> Arg {
        Arg::Real(v)
    }
}

impl<T: Into<Arg>> From<Option<T>> for Arg {
    fn from(v: Option<T>) -> Arg {
        v.map_or(Arg::Null, Into::into)
    }
}

impl Arg {
    /// A JSON value as a bound value: numbers stay numbers, bools become 0 and 1, text stays
    /// text, and anything nested is stored as its JSON text.
    fn of_json(v: &Value) -> Arg {
        match v {
            Value::Null => Arg::Null,
            Value::Bool(b) => Arg::Int(i64::from(*b)),
            Value::Number(n) => n
                .as_i64()
                .map_or_else(|| Arg::Real(n.as_f64().unwrap_or(0.0)), Arg::Int),
            Value::String(s) => Arg::Text(s.clone()),
            nested => Arg::Text(nested.to_string()),
        }
    }
}

/// One statement: its SQL and the values of `?1`, `?2`, ….
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// The SQL text.
    pub sql: String,
    /// The bound values, `?1` first.
    pub args: Vec<Arg>,
}

impl Stmt {
    /// `sql` with `args` bound to `?1`, `?2`, ….
    pub fn new(sql: impl Into<String>, args: impl IntoIterator<Item = Arg>) -> Stmt {
        Stmt {
            sql: sql.into(),
            args: args.into_iter().collect(),
        }
    }

    /// `INSERT INTO table (…) VALUES (…)` of `row`'s fields: its serde names are the
    /// columns (a field skipped by serde is left to the column's default). `tail` follows the
    /// values (`ON CONFLICT …`, `RETURNING …`) and may bind more with `?N` after the row's.
    pub fn insert<T: Serialize>(table: &'static str, row: &T, tail: &'static str) -> Stmt {
        let fields = fields_of(row);
        let columns: Vec<&str> = fields.iter().map(|(c, _)| c.as_str()).collect();
        let marks: Vec<String> = (1..=fields.len()).map(|i| format!("?{i}")).collect();
        let mut sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            marks.join(", ")
        );
        if !tail.is_empty() {
            sql.push(' ');
            sql.push_str(&renumber(tail, fields.len()));
        }
        let args = fields.into_iter().map(|(_, v)| v).collect();
        Stmt { sql, args }
    }

    /// `UPDATE table SET … WHERE …` of `set`'s fields (serde names are the columns; a `None`
    /// skipped with `skip_serializing_if` is left as it is); `filter` is the `WHERE` clause
    /// (and any `RETURNING`), its `?1`, `?2`, … bound to `args`.
    pub fn update<T: Serialize>(
        table: &'static str,
        set: &T,
        filter: &'static str,
        args: impl IntoIterator<Item = Arg>,
    ) -> Stmt {
        let fields = fields_of(set);
        let n = fields.len();
        let sets: Vec<String> = fields
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("{c} = ?{}", i + 1))
            .collect();
        let sql = format!(
            "UPDATE {table} SET {} WHERE {}",
            sets.join(", "),
            renumber(filter, n)
        );
        let args = fields.into_iter().map(|(_, v)| v).chain(args).collect();
        Stmt { sql, args }
    }

    /// The same statement read as rows of `T`.
    pub fn rows<T>(self) -> Query<T> {
        Query {
            stmt: self,
            row: PhantomData,
        }
    }
}

/// The serde fields of `row`, sorted by name (the same text in every build, whatever
/// serde_json's map order), as columns and bound values. A value that does not serialise as
/// a struct gives none: the callers' types are plain structs.
fn fields_of<T: Serialize>(row: &T) -> Vec<(String, Arg)> {
    let mut fields: Vec<(String, Arg)> = match serde_json::to_value(row) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| {
                let arg = Arg::of_json(&v);
                (k, arg)
            })
            .collect(),
        _ => Vec::new(),
    };
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    fields
}

/// `?N` in `sql` shifted by `by` (so a clause written from `?1` follows `by` values).
fn renumber(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '?' {
            let mut digits = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            match digits.parse::<usize>() {
                Ok(n) => out.push_str(&(n + by).to_string()),
                Err(_) => out.push_str(&digits),
            }
        }
    }
    out
}

/// A statement whose rows are read as `T` (the worker's `first` and `all` decode them).
#[derive(Debug, Clone, PartialEq)]
pub struct Query<T> {
    /// The statement.
    pub stmt: Stmt,
    row: PhantomData<fn() -> T>,
}

/// What one statement of a batch did: the rows it returned and the rows it changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Done {
    /// Rows changed (D1's `meta.changes`).
    pub changes: u64,
    /// Rows returned (`SELECT`, `RETURNING`).
    pub rows: Vec<Value>,
}

/// A one-column row `n` (counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct Count {
    /// The count.
    pub n: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row<'a> {
        id: &'a str,
        n: i64,
        ok: bool,
        score: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        left: Option<&'a str>,
        gone: Option<&'a str>,
    }

    #[test]
    fn an_insert_names_the_columns_by_their_serde_names_and_binds_every_value() {
        let row = Row {
            id: "a",
            n: 7,
            ok: true,
            score: 0.5,
            left: None,
            gone: None,
        };
        let s = Stmt::insert("t", &row, "ON CONFLICT (id) DO NOTHING RETURNING ?1 AS x");
        assert_eq!(
            s.sql,
            "INSERT INTO t (gone, id, n, ok, score) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (id) DO NOTHING RETURNING ?6 AS x"
        );
        assert_eq!(
            s.args,
            vec![
                Arg::Null,
                Arg::from("a"),
                Arg::Int(7),
                Arg::Int(1),
                Arg::Real(0.5),
            ]
        );
    }

    #[test]
    fn an_update_sets_the_fields_then_binds_its_filter_after_them() {
        let row = Row {
            id: "a",
            n: 1,
            ok: false,
            score: 1.0,
            left: Some("x"),
            gone: None,
        };
        let s = Stmt::update(
            "t",
            &row,
            "id = ?1 AND state = ?2 RETURNING id",
            ["k".into(), "pending".into()],
        );
        assert_eq!(
            s.sql,
            "UPDATE t SET gone = ?1, id = ?2, left = ?3, n = ?4, ok = ?5, score = ?6 \
             WHERE id = ?7 AND state = ?8 RETURNING id"
        );
        assert_eq!(s.args.len(), 8);
        assert_eq!((&s.args[2], &s.args[6]), (&Arg::from("x"), &Arg::from("k")));
    }

    #[test]
    fn renumbering_leaves_other_text_alone() {
        assert_eq!(
            renumber("a = ?1 OR b = ?12 AND c = '?'", 3),
            "a = ?4 OR b = ?15 AND c = '?'"
        );
    }
}
