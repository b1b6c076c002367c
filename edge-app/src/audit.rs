//! The console's audit log in D1 (rules in `haoka_edge_core::audit`): appending to the keyed
//! chain, the retention purge that records where it cut, the chain head written to R2 and to
//! `audit_checkpoints` on every cron pass, and reading a page verified from the nearest
//! checkpoint. Statements are `haoka_edge_core::sql::audit`.

use haoka_edge_core::{
    audit::{self, Checkpoint, Entry, GENESIS},
    sql::audit::{self as sql, Row},
};
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    platform::{Platform, random},
};

/// The R2 object holding the chain head as the last cron pass saw it (JSON [`SealedHead`]).
const HEAD_KEY: &str = "audit/head.json";
/// Entries per page.
const PAGE: i64 = 100;

/// How often an append that lost the race for its number tries again: enough for every
/// request of a burst (each round has one winner), bounded all the same.
const APPEND_TRIES: usize = 48;

/// Append one entry after the last. Two appends racing for the same number: the loser waits
/// a few random milliseconds (so a burst spreads out), reads the new last entry and tries
/// again.
pub async fn append(
    p: &impl Platform,
    key: &str,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), AppError> {
    for attempt in 0..APPEND_TRIES {
        if attempt > 0 {
            let jitter = random::<1>(p)?[0] % 16;
            p.sleep_ms(u64::from(jitter) + 1).await;
        }
        let (seq, prev) = match p.one(sql::last()).await? {
            Some(l) => (l.seq + 1, l.hash),
            None => first_link(p).await?,
        };
        let entry = Entry {
            seq,
            at_ms: p.now_ms(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: detail.to_owned(),
        };
        let hash = audit::hash(key, &prev, &entry);
        if sql::stored(&p.run(sql::insert(&entry, &prev, &hash)).await?) {
            return Ok(());
        }
    }
    Err(AppError::Internal("audit append kept colliding".into()))
}

/// The first entry of an empty table: after the newest purge if everything was purged,
/// else entry 1 after [`GENESIS`].
async fn first_link(p: &impl Platform) -> Result<(i64, String), AppError> {
    Ok(p.one(sql::latest_purge())
        .await?
        .map_or((1, GENESIS.to_owned()), |p| (p.upto + 1, p.cut_hash)))
}

/// Append, logging (not failing the caller) if the log cannot be written: for refusals, whose
/// answer must not turn into a 500.
pub async fn note(
    p: &impl Platform,
    key: &str,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) {
    if let Err(e) = append(p, key, actor, action, target, detail).await {
        crate::error!(p, "audit append failed for {action}: {e}");
    }
}

/// The retention purge: the oldest entries (at most 500) written before `cutoff_ms` go, after
/// a sealed record of where the chain was cut (the delete trigger refuses any entry no purge
/// record covers). Returns how many went.
pub async fn purge(p: &impl Platform, key: &str, cutoff_ms: i64) -> Result<usize, AppError> {
    let Some(cut) = p.one(sql::purge_cut(cutoff_ms)).await? else {
        return Ok(0);
    };
    let seal = audit::purge_seal(key, cut.seq, &cut.hash);
    p.atomically(sql::purge(cut.seq, &cut.hash, &seal, p.now_ms()))
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
pub async fn checkpoint(p: &impl Platform, key: &str) -> Result<(), AppError> {
    let Some(last) = p.one(sql::last()).await? else {
        return Ok(());
    };
    let cp = Checkpoint {
        seq: last.seq,
        hash: last.hash,
    };
    let seal = audit::checkpoint_seal(key, &cp);
    p.run(sql::insert_checkpoint(&cp, p.now_ms())).await?;
    let head = SealedHead {
        seq: cp.seq,
        hash: cp.hash,
        seal,
    };
    let json = serde_json::to_vec(&head).map_err(|e| AppError::Internal(e.to_string()))?;
    p.put_object(HEAD_KEY, json).await?;
    Ok(())
}

/// The head the last cron pass wrote to R2, if its seal holds (a head with a bad seal counts
/// as a break at its number).
async fn r2_head(
    p: &impl Platform,
    key: &str,
) -> Result<Option<Result<Checkpoint, i64>>, AppError> {
    let Some(body) = p.get_object(HEAD_KEY).await? else {
        return Ok(None);
    };
    let Ok(head) = serde_json::from_slice::<SealedHead>(&body) else {
        crate::warn!(p, "audit head in R2 is unreadable");
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

/// The page before `before`, verified: from the nearest sealed checkpoint at or before it
/// (or from the first entry kept, anchored by genesis or the newest purge), up to the page's
/// newest entry; and the R2 head must still be in the table.
pub async fn page(p: &impl Platform, key: &str, before: i64) -> Result<Page, AppError> {
    let mut page = p.rows(sql::before(before, PAGE)).await?;
    page.reverse();
    let chain = match (page.first(), page.last()) {
        (Some(first), Some(last)) => verify_span(p, key, first.entry.seq, last.entry.seq).await?,
        _ => Ok(()),
    };
    let tail = match r2_head(p, key).await? {
        None => Ok(()),
        Some(Err(seq)) => Err(seq),
        Some(Ok(head)) => {
            let found = p.one(sql::hash_at(head.seq)).await?.map(|h| h.hash);
            audit::tail_ok(&head, found.as_deref())
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
    p: &impl Platform,
    key: &str,
    from: i64,
    to: i64,
) -> Result<Result<(), i64>, AppError> {
    let checkpoints = p.rows(sql::checkpoints_upto(from)).await?;
    if let Some(cp) = audit::nearest(&checkpoints, from) {
        // From the checkpoint's own entry: its hash must be the checkpoint's, and each entry
        // from there is checked under the key.
        let span = p.rows(sql::span(cp.seq, to)).await?;
        let links: Vec<_> = span.iter().map(Row::link).collect();
        if links.first().map(|l| l.2.as_str()) != Some(cp.hash.as_str()) {
            return Ok(Err(cp.seq));
        }
        let anchor = links.first().map(|l| l.1.clone());
        return Ok(audit::verify(key, &links, anchor.as_deref()));
    }
    let first = p
        .one(sql::first_seq())
        .await?
        .and_then(|f| f.seq)
        .unwrap_or(from);
    let purge = p.one(sql::latest_purge()).await?;
    let anchor = match audit::head_anchor(key, first, purge.as_ref()) {
        Ok(a) => a,
        Err(seq) => return Ok(Err(seq)),
    };
    let span = p.rows(sql::span(first, to)).await?;
    let links: Vec<_> = span.iter().map(Row::link).collect();
    Ok(audit::verify(key, &links, Some(&anchor)))
}
