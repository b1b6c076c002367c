//! The console's audit log in D1 (rules in `haoka_edge_core::audit`): appending to the keyed
//! chain, the retention purge that records where it cut, the chain head written to R2 and to
//! `audit_checkpoints` on every cron pass, and reading a page verified from the nearest
//! checkpoint.

use haoka_edge_core::audit::{self, Checkpoint, Entry, GENESIS, Purge};
use serde::{Deserialize, Serialize};
use worker::{D1Database, Env, console_error, console_warn};

use crate::{
    config::{PHOTOS, now_ms},
    db::int,
    error::AppError,
};

/// The R2 object holding the chain head as the last cron pass saw it (JSON [`SealedHead`]).
const HEAD_KEY: &str = "audit/head.json";
/// Entries per page.
const PAGE: i64 = 100;

#[derive(Deserialize)]
struct Last {
    seq: i64,
    hash: String,
}

/// How often an append that lost the race for its number tries again: enough for every
/// request of a burst (each round has one winner), bounded all the same.
const APPEND_TRIES: usize = 48;

/// Append one entry after the last. Two appends racing for the same number: the loser waits
/// a few random milliseconds (so a burst spreads out), reads the new last entry and tries
/// again.
pub async fn append(
    db: &D1Database,
    key: &str,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), AppError> {
    for attempt in 0..APPEND_TRIES {
        if attempt > 0 {
            let jitter = crate::config::random::<1>()?[0] % 16;
            worker::Delay::from(std::time::Duration::from_millis(u64::from(jitter) + 1)).await;
        }
        let last = db
            .prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .first::<Last>(None)
            .await?;
        let (seq, prev) = match last {
            Some(l) => (l.seq + 1, l.hash),
            None => first_link(db).await?,
        };
        let entry = Entry {
            seq,
            at_ms: now_ms(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: detail.to_owned(),
        };
        let hash = audit::hash(key, &prev, &entry);
        let taken = db
            .prepare(
                "INSERT INTO audit_log (seq, at_ms, actor, action, target, detail, prev_hash, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (seq) DO NOTHING RETURNING seq",
            )
            .bind(&[
                int(seq),
                int(entry.at_ms),
                actor.into(),
                action.into(),
                target.into(),
                detail.into(),
                prev.into(),
                hash.into(),
            ])?
            .first::<serde_json::Value>(None)
            .await?;
        if taken.is_some() {
            return Ok(());
        }
    }
    Err(AppError::Internal("audit append kept colliding".into()))
}

/// The first entry of an empty table: after the newest purge if everything was purged,
/// else entry 1 after [`GENESIS`].
async fn first_link(db: &D1Database) -> Result<(i64, String), AppError> {
    Ok(latest_purge(db)
        .await?
        .map_or((1, GENESIS.to_owned()), |p| (p.upto + 1, p.cut_hash)))
}

/// Append, logging (not failing the caller) if the log cannot be written: for refusals, whose
/// answer must not turn into a 500.
pub async fn note(
    db: &D1Database,
    key: &str,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) {
    if let Err(e) = append(db, key, actor, action, target, detail).await {
        console_error!("audit append failed for {action}: {e}");
    }
}

/// One stored row.
#[derive(Deserialize)]
pub struct Row {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// More.
    pub detail: String,
    /// The previous hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

impl Row {
    /// As the chain's rules see it.
    pub fn link(&self) -> (Entry, String, String) {
        (
            Entry {
                seq: self.seq,
                at_ms: self.at_ms,
                actor: self.actor.clone(),
                action: self.action.clone(),
                target: self.target.clone(),
                detail: self.detail.clone(),
            },
            self.prev_hash.clone(),
            self.hash.clone(),
        )
    }
}

async fn latest_purge(db: &D1Database) -> Result<Option<Purge>, AppError> {
    Ok(db
        .prepare("SELECT upto, cut_hash, seal FROM audit_purges ORDER BY upto DESC LIMIT 1")
        .first::<Purge>(None)
        .await?)
}

/// The retention purge: the oldest entries (at most 500) written before `cutoff_ms` go, after
/// a sealed record of where the chain was cut (the delete trigger refuses any entry no purge
/// record covers). Returns how many went.
pub async fn purge(db: &D1Database, key: &str, cutoff_ms: i64) -> Result<usize, AppError> {
    #[derive(Deserialize)]
    struct Cut {
        seq: i64,
        hash: String,
        n: i64,
    }
    let cut = db
        .prepare(
            "SELECT seq, hash, (SELECT COUNT(*) FROM audit_log WHERE seq <= old.seq) AS n FROM \
             (SELECT seq, hash FROM audit_log WHERE at_ms < ?1 ORDER BY seq LIMIT 500) AS old \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(&[int(cutoff_ms)])?
        .first::<Cut>(None)
        .await?;
    let Some(cut) = cut else {
        return Ok(0);
    };
    let seal = audit::purge_seal(key, cut.seq, &cut.hash);
    db.batch(vec![
        db.prepare(
            "INSERT INTO audit_purges (upto, cut_hash, seal, at_ms) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (upto) DO NOTHING",
        )
        .bind(&[
            int(cut.seq),
            cut.hash.as_str().into(),
            seal.into(),
            int(now_ms()),
        ])?,
        db.prepare("DELETE FROM audit_log WHERE seq <= ?1")
            .bind(&[int(cut.seq)])?,
        db.prepare("DELETE FROM audit_checkpoints WHERE seq <= ?1")
            .bind(&[int(cut.seq)])?,
    ])
    .await?;
    Ok(usize::try_from(cut.n).unwrap_or(0))
}

/// The chain head with its seal, as written to R2.
#[derive(Serialize, Deserialize)]
struct SealedHead {
    seq: i64,
    hash: String,
    seal: String,
}

/// Every cron pass: the newest entry becomes a sealed checkpoint in D1 and the head in R2.
pub async fn checkpoint(env: &Env, db: &D1Database, key: &str) -> Result<(), AppError> {
    let Some(last) = db
        .prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .first::<Last>(None)
        .await?
    else {
        return Ok(());
    };
    let cp = Checkpoint {
        seq: last.seq,
        hash: last.hash,
    };
    let seal = audit::checkpoint_seal(key, &cp);
    db.prepare(
        "INSERT INTO audit_checkpoints (seq, hash, at_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (seq) DO NOTHING",
    )
    .bind(&[int(cp.seq), cp.hash.as_str().into(), int(now_ms())])?
    .run()
    .await?;
    let head = SealedHead {
        seq: cp.seq,
        hash: cp.hash,
        seal,
    };
    let json = serde_json::to_vec(&head).map_err(|e| AppError::Internal(e.to_string()))?;
    env.bucket(PHOTOS)?.put(HEAD_KEY, json).execute().await?;
    Ok(())
}

/// The head the last cron pass wrote to R2, if its seal holds (a head with a bad seal counts
/// as a break at its number).
async fn r2_head(env: &Env, key: &str) -> Result<Option<Result<Checkpoint, i64>>, AppError> {
    let Some(object) = env.bucket(PHOTOS)?.get(HEAD_KEY).execute().await? else {
        return Ok(None);
    };
    let Some(body) = object.body() else {
        return Ok(None);
    };
    let Ok(head) = serde_json::from_slice::<SealedHead>(&body.bytes().await?) else {
        console_warn!("audit head in R2 is unreadable");
        return Ok(Some(Err(0)));
    };
    let cp = Checkpoint {
        seq: head.seq,
        hash: head.hash,
    };
    Ok(Some(if audit::checkpoint_seal(key, &cp) == head.seal {
        Ok(cp)
    } else {
        Err(cp.seq)
    }))
}

/// One page of the log, newest first, and whether the chain holds for it.
pub struct Page {
    /// Up to 100 entries before the asked sequence number, newest first.
    pub rows: Vec<Row>,
    /// `Err(seq)`: the first entry (or the head) that does not hold.
    pub chain: Result<(), i64>,
}

async fn rows(db: &D1Database, sql: &str, a: i64, b: i64) -> Result<Vec<Row>, AppError> {
    Ok(db
        .prepare(sql)
        .bind(&[int(a), int(b)])?
        .all()
        .await?
        .results::<Row>()?)
}

/// The page before `before`, verified: from the nearest sealed checkpoint at or before it
/// (or from the first entry kept, anchored by genesis or the newest purge), up to the page's
/// newest entry; and the R2 head must still be in the table.
pub async fn page(env: &Env, db: &D1Database, key: &str, before: i64) -> Result<Page, AppError> {
    let mut page = rows(
        db,
        "SELECT * FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
        before,
        PAGE,
    )
    .await?;
    page.reverse();
    let chain = match (page.first(), page.last()) {
        (Some(first), Some(last)) => verify_span(db, key, first.seq, last.seq).await?,
        _ => Ok(()),
    };
    let tail = match r2_head(env, key).await? {
        None => Ok(()),
        Some(Err(seq)) => Err(seq),
        Some(Ok(head)) => {
            #[derive(Deserialize)]
            struct Hash {
                hash: String,
            }
            let found = db
                .prepare("SELECT hash FROM audit_log WHERE seq = ?1")
                .bind(&[int(head.seq)])?
                .first::<Hash>(None)
                .await?;
            audit::tail_ok(&head, found.as_ref().map(|h| h.hash.as_str()))
        }
    };
    page.reverse();
    Ok(Page {
        rows: page,
        chain: chain.and(tail),
    })
}

/// Verify entries `from..=to` from the nearest trustworthy point before `from`.
async fn verify_span(
    db: &D1Database,
    key: &str,
    from: i64,
    to: i64,
) -> Result<Result<(), i64>, AppError> {
    #[derive(Deserialize)]
    struct Cp {
        seq: i64,
        hash: String,
    }
    let cps = db
        .prepare(
            "SELECT seq, hash FROM audit_checkpoints WHERE seq <= ?1 ORDER BY seq DESC LIMIT 8",
        )
        .bind(&[int(from)])?
        .all()
        .await?
        .results::<Cp>()?;
    let checkpoints: Vec<Checkpoint> = cps
        .into_iter()
        .map(|c| Checkpoint {
            seq: c.seq,
            hash: c.hash,
        })
        .collect();
    if let Some(cp) = audit::nearest(&checkpoints, from) {
        // From the checkpoint's own entry: its hash must be the checkpoint's, and each entry
        // from there is checked under the key.
        let span = rows(
            db,
            "SELECT * FROM audit_log WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq",
            cp.seq,
            to,
        )
        .await?;
        let links: Vec<_> = span.iter().map(Row::link).collect();
        if links.first().map(|l| l.2.as_str()) != Some(cp.hash.as_str()) {
            return Ok(Err(cp.seq));
        }
        let anchor = links.first().map(|l| l.1.clone());
        return Ok(audit::verify(key, &links, anchor.as_deref()));
    }
    #[derive(Deserialize)]
    struct First {
        seq: Option<i64>,
    }
    let first = db
        .prepare("SELECT MIN(seq) AS seq FROM audit_log")
        .first::<First>(None)
        .await?
        .and_then(|f| f.seq)
        .unwrap_or(from);
    let anchor = match audit::head_anchor(key, first, latest_purge(db).await?.as_ref()) {
        Ok(a) => a,
        Err(seq) => return Ok(Err(seq)),
    };
    let span = rows(
        db,
        "SELECT * FROM audit_log WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq",
        first,
        to,
    )
    .await?;
    let links: Vec<_> = span.iter().map(Row::link).collect();
    Ok(audit::verify(key, &links, Some(&anchor)))
}
