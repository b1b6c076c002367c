//! 选号 through workerd: a product's pool paged and searched, ten customers racing for one
//! number (one holds it, nine hear `number_taken`), an attempt that chooses again letting its
//! first number go, and a hold that runs out after 15 minutes on the edge's clock; then the
//! order: a held number sent as `haoma` and sold on shipping, the vendor's refusal of a number
//! freeing it, and a lost hold refused before anything is stored.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use futures_util::future::join_all;
use haoka_e2e::{Stack, client, json_of};
use serde_json::{Value, json};

const PRODUCT: &str = "2188";

async fn choices(s: &Stack, query: &str) -> (u16, Value) {
    json_of(
        client()
            .get(format!(
                "{}/api/numbers?product={PRODUCT}{query}",
                s.worker.url()
            ))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn hold(s: &Stack, number: &str, token: &str, device: &str) -> (u16, Value) {
    json_of(
        client()
            .post(format!("{}/api/numbers/hold", s.worker.url()))
            .header("x-haoka-device", device)
            .json(&json!({ "product": PRODUCT, "number": number, "hold_token": token }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn listed(v: &Value) -> Vec<String> {
    v["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn customers_page_search_and_race_for_a_number_and_a_hold_runs_out() {
    let s = Stack::start(&[], 600_000);
    // No pool yet: nothing to choose (the product sends `haoma` empty, as before).
    let (code, empty) = choices(&s, "").await;
    assert_eq!((code, listed(&empty).len()), (200, 0), "{empty}");
    // The operator's pool, loaded as an operator does today (SQL); the console upload is next.
    let mut values: Vec<String> = (0..20)
        .map(|i| format!("('{PRODUCT}', '138000010{i:02}', 1)"))
        .collect();
    values.push(format!("('{PRODUCT}', '13800000728', 1)"));
    values.push(format!("('{PRODUCT}', '13800040728', 1)"));
    s.worker
        .tamper(&format!(
            "INSERT INTO number_pool (product_id, number, added_at_ms) VALUES {}",
            values.join(", ")
        ))
        .unwrap();

    // Pages of 12, in order, and the next page from where the first ended.
    let (_, first) = choices(&s, "").await;
    assert_eq!(listed(&first).len(), 12, "{first}");
    assert_eq!(listed(&first)[0], "13800000728");
    let next = first["next"].as_str().unwrap().to_owned();
    let (_, second) = choices(&s, &format!("&after={next}")).await;
    assert_eq!(listed(&second).len(), 10, "{second}");
    // Ending digits, no 4, and a refused search in plain words.
    let (_, ending) = choices(&s, "&ending=0728").await;
    assert_eq!(listed(&ending), ["13800000728", "13800040728"]);
    let (_, no_four) = choices(&s, "&ending=0728&no4=1").await;
    assert_eq!(listed(&no_four), ["13800000728"]);
    let (code, bad) = choices(&s, "&ending=07a8").await;
    assert_eq!(
        (code, bad["error"].as_str()),
        (422, Some("bad_number_search"))
    );
    assert!(bad["message_zh"].as_str().unwrap().contains("尾号"));

    // Ten customers, each their own attempt and phone, choose 13800000728 at once.
    let racers = (0..10).map(|i| {
        let s = &s;
        async move {
            hold(
                s,
                "13800000728",
                &format!("attempt-token-{i:04}"),
                &format!("device-racer-{i:04}"),
            )
            .await
        }
    });
    let answers = join_all(racers).await;
    let won = answers.iter().filter(|(c, _)| *c == 200).count();
    let taken = answers
        .iter()
        .filter(|(c, b)| *c == 409 && b["error"] == "number_taken")
        .count();
    assert_eq!((won, taken), (1, 9), "{answers:?}");
    let winner = answers.iter().position(|(c, _)| *c == 200).unwrap();
    let (_, ending) = choices(&s, "&ending=0728").await;
    assert_eq!(
        listed(&ending),
        ["13800040728"],
        "a held number is not offered"
    );
    assert_eq!(
        s.worker
            .query("SELECT COUNT(*) AS n FROM number_pool WHERE state = 'held'")[0]["n"],
        1
    );

    // The winner chooses again: the first number is free at once, the second is held.
    let token = format!("attempt-token-{winner:04}");
    let device = format!("device-racer-{winner:04}");
    let (code, held) = hold(&s, "13800040728", &token, &device).await;
    assert_eq!(code, 200, "{held}");
    let (_, ending) = choices(&s, "&ending=0728").await;
    assert_eq!(listed(&ending), ["13800000728"]);

    // Fifteen minutes later (the edge's clock) the hold has run out: offered again, holdable.
    s.move_clock(15 * 60_000).await;
    let (_, ending) = choices(&s, "&ending=0728").await;
    assert_eq!(listed(&ending), ["13800000728", "13800040728"]);
    let (code, _) = hold(
        &s,
        "13800040728",
        "another-attempt-0001",
        "device-late-0001",
    )
    .await;
    assert_eq!(code, 200);
    // A token that is not one is refused before anything is held.
    let (code, _) = hold(&s, "13800000728", "short", "device-late-0002").await;
    assert_eq!(code, 400);
}

/// Place an order for `PRODUCT` with `number` chosen under `hold_token`, as person `seq`.
async fn order_with(s: &Stack, seq: u32, number: &str, hold_token: &str) -> (u16, Value) {
    let id = haoka_e2e::id_number("19900307", seq);
    let mut body = haoka_e2e::order_json(PRODUCT, "张三", &id, "先锋大楼 3单元 201");
    body["number"] = json!(number);
    body["hold_token"] = json!(hold_token);
    json_of(
        client()
            .post(format!("{}/api/orders", s.worker.url()))
            .header(
                "Idempotency-Key",
                format!("numbers-order-{seq:04}-{hold_token}"),
            )
            .header("x-haoka-device", format!("device-order-{seq:04}"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Wait (bounded) until the order is in `want`.
async fn wait_state(s: &Stack, accepted: &Value, want: &str) {
    let id = accepted["order_id"].as_str().unwrap();
    let token = accepted["token"].as_str().unwrap();
    let url = format!("{}/api/orders/{id}?token={token}", s.worker.url());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (_, v) = json_of(client().get(&url).send().await.unwrap()).await;
        if v["state"] == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{id} did not reach {want}: {v}\n{}",
            s.worker.server.log_text()
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

fn pool_state(s: &Stack, number: &str) -> String {
    s.worker.query(&format!(
        "SELECT state FROM number_pool WHERE number = '{number}'"
    ))[0]["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_order_takes_its_held_number_to_the_vendor_a_refusal_frees_it_and_a_lost_hold_is_said() {
    let s = Stack::start(&[], 300);
    s.worker
        .tamper(&format!(
            "INSERT INTO number_pool (product_id, number, added_at_ms) VALUES \
             ('{PRODUCT}', '13800000001', 1), ('{PRODUCT}', '13800000000', 1), \
             ('{PRODUCT}', '13800000002', 1)"
        ))
        .unwrap();

    // Held, ordered, sent as `haoma`, shipped: sold.
    let (code, _) = hold(&s, "13800000001", "attempt-token-a001", "device-order-0001").await;
    assert_eq!(code, 200);
    let (code, accepted) = order_with(&s, 1, "13800000001", "attempt-token-a001").await;
    assert_eq!(code, 201, "{accepted}");
    assert_eq!(pool_state(&s, "13800000001"), "ordered");
    wait_state(&s, &accepted, "shipped").await;
    assert_eq!(pool_state(&s, "13800000001"), "sold");
    let pushed = s
        .sandbox_requests("/order/api/haoteam/pushorder", "13800000001")
        .await;
    assert_eq!(
        pushed.len(),
        1,
        "the chosen number went to the vendor as haoma"
    );

    // The vendor refuses the number (the sandbox gives out none ending 0000): the order is
    // rejected with the vendor's words and the number is free for the next customer.
    let (code, _) = hold(&s, "13800000000", "attempt-token-b001", "device-order-0002").await;
    assert_eq!(code, 200);
    let (code, refused) = order_with(&s, 2, "13800000000", "attempt-token-b001").await;
    assert_eq!(code, 201, "{refused}");
    wait_state(&s, &refused, "rejected").await;
    assert_eq!(pool_state(&s, "13800000000"), "free");
    let (_, offered) = choices(&s, "&ending=0000").await;
    assert_eq!(listed(&offered), ["13800000000"]);

    // A number never held by this attempt, or whose hold ran out: refused in plain words,
    // nothing stored, the number not taken.
    let orders_before = haoka_e2e::count(&s, "SELECT COUNT(*) AS n FROM orders");
    let (code, lost) = order_with(&s, 3, "13800000002", "attempt-token-c001").await;
    assert_eq!(
        (code, lost["error"].as_str()),
        (409, Some("number_hold_lost")),
        "{lost}"
    );
    assert!(lost["message_zh"].as_str().unwrap().contains("重新选号"));
    let (code, _) = hold(&s, "13800000002", "attempt-token-d001", "device-order-0004").await;
    assert_eq!(code, 200);
    s.move_clock(15 * 60_000).await;
    let (code, late) = order_with(&s, 4, "13800000002", "attempt-token-d001").await;
    assert_eq!(
        (code, late["error"].as_str()),
        (409, Some("number_hold_lost")),
        "{late}"
    );
    assert_eq!(
        haoka_e2e::count(&s, "SELECT COUNT(*) AS n FROM orders"),
        orders_before
    );
    assert_eq!(
        pool_state(&s, "13800000002"),
        "held",
        "expired, never ordered"
    );
}
