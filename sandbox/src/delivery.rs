//! Delivers owed callbacks when due: Xingguang status posts and RealMe signed notifications.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use crate::{
    Shared,
    state::{Delivery, Pending},
};

/// Run forever, checking every 50 ms.
pub async fn run(shared: Arc<Shared>) {
    loop {
        deliver_due(&shared).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Make every pending callback due now, withheld ones included (admin "fire").
pub fn fire_all(shared: &Shared) -> usize {
    let now = Instant::now();
    let mut s = shared.lock();
    for p in &mut s.pending {
        p.due = now;
        p.withheld = false;
    }
    for r in s.realme_results.values_mut() {
        r.ready = r.ready.min(now);
    }
    for t in s.moxie.values_mut() {
        t.ready = t.ready.min(now);
    }
    s.pending.len()
}

/// Deliver what is due, in due order.
pub async fn deliver_due(shared: &Shared) {
    let now = Instant::now();
    let due: Vec<Pending> = {
        let mut s = shared.lock();
        let (mut due, rest): (Vec<_>, Vec<_>) = s
            .pending
            .drain(..)
            .partition(|p| !p.withheld && p.due <= now);
        s.pending = rest;
        due.sort_by_key(|p| p.due);
        due
    };
    for p in due {
        deliver(shared, p).await;
    }
}

async fn deliver(shared: &Shared, p: Pending) {
    if p.vendor == "xingguang" {
        let api_xid = p
            .fields
            .iter()
            .find(|(k, _)| k == "api_xid")
            .map(|(_, v)| v.clone());
        let status = p
            .fields
            .iter()
            .find(|(k, _)| k == "apistatus")
            .map(|(_, v)| v.clone());
        if let (Some(x), Some(st)) = (api_xid, status)
            && let Some(o) = shared.lock().xg_orders.get_mut(&x)
        {
            o.status = st;
        }
    }
    let result = shared.http.post(&p.url).form(&p.fields).send().await;
    let (status, body) = match result {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap_or_default();
            (status, body.chars().take(200).collect())
        }
        Err(e) => (0, e.to_string()),
    };
    shared.lock().deliveries.push(Delivery {
        vendor: p.vendor,
        url: p.url,
        fields: p.fields,
        status,
        body,
    });
}
