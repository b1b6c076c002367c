//! The customer's journey in real headless Chromium (360 × 740, a phone), against the worker
//! in workerd and the upstream sandbox: choose a 三照 product, type a wrong ID number and see
//! the Chinese error, fill the form, pass the identity pre-check, attach the three photos,
//! double-click submit, see the confirmation, open the status page and watch it reach 审核中
//! and then 已发货 with a tracking number as the sandbox fires its callbacks. Screenshots go to
//! `target/e2e/screens/`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use haoka_e2e::{Server, Stack, free_port, root, wait_for_port};
use serde_json::json;

/// Start chromedriver on a free loopback port.
fn chromedriver() -> Server {
    let port = free_port();
    let server = Server::spawn(
        "chromedriver",
        &root(),
        port,
        "chromedriver",
        // Without --allowed-ips chromedriver accepts local connections only.
        &[format!("--port={port}")],
        &[],
    );
    wait_for_port(port, Duration::from_secs(30), "chromedriver", &server.log);
    server
}

async fn browser(driver: &Server) -> Client {
    let profile = root()
        .join("target/e2e")
        .join(format!("chrome-profile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let caps = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--window-size=360,740",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .expect("connect to chromedriver")
}

/// Wait (bounded) until the element's text satisfies `pred`; returns the text.
async fn wait_text(c: &Client, css: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            last = el.text().await.unwrap_or_default();
            if pred(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what} in {css}; last text: {last:?}");
}

/// The input labelled `label` (found by its visible label, as a customer would).
fn by_label(label: &str) -> String {
    format!(
        "//label[normalize-space()='{label}']/following-sibling::*[self::input or self::select][1]"
    )
}

async fn type_into(c: &Client, label: &str, text: &str) {
    let el = c
        .find(Locator::XPath(&by_label(label)))
        .await
        .unwrap_or_else(|e| panic!("field {label}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

async fn choose(c: &Client, label: &str, value: &str) {
    // Options of a child select appear only once its parent is chosen: wait for this one.
    let option = format!("{}/option[@value='{value}']", by_label(label));
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&option))
        .await
        .unwrap_or_else(|e| panic!("option {value} of {label}: {e}"));
    let el = c
        .find(Locator::XPath(&by_label(label)))
        .await
        .expect("select");
    el.select_by_value(value).await.expect("select option");
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn screenshot(c: &Client, name: &str) {
    let dir = root().join("target/e2e/screens");
    std::fs::create_dir_all(&dir).expect("screens dir");
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

#[tokio::test]
async fn customer_orders_a_three_photo_card_and_watches_it_ship() {
    // 4 s between the sandbox's callbacks: the status page (polling every 3 s) sees 审核中.
    let stack = Stack::start(&[], 4000);
    let driver = chromedriver();
    let c = browser(&driver).await;
    c.goto(&stack.worker.url()).await.expect("open page");
    click(&c, "input[name=product][value='2201']").await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(&by_label("身份证号码")))
        .await
        .expect("the order form renders");
    screenshot(&c, "1-form").await;

    type_into(&c, "身份证号码", "110101200007282907").await;
    // Leaving the field shows its error.
    click(&c, "#name").await;
    let msg = wait_text(&c, "#id_number-error", "the checksum error", |t| {
        !t.is_empty()
    })
    .await;
    assert_eq!(msg, "身份证号码校验位不正确，请核对");
    type_into(&c, "身份证号码", "110101200007282906").await;
    wait_text(&c, "#id_number-error", "the error to clear", str::is_empty).await;

    type_into(&c, "姓名", "张三").await;
    type_into(&c, "手机号码", "18888888336").await;
    choose(&c, "省份", "天津市").await;
    choose(&c, "城市", "天津市").await;
    choose(&c, "区县", "和平区").await;
    type_into(&c, "详细地址", "先锋大楼 3单元 201").await;
    click(&c, "#precheck-next").await;

    // The pre-check passed: the photo step.
    let fixtures = root().join("tests/fixtures");
    for part in ["face", "back", "hand"] {
        let input = c
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(&format!("#photo-{part}")))
            .await
            .unwrap_or_else(|e| panic!("photo input {part}: {e}"));
        input
            .send_keys(&fixtures.join(format!("{part}.jpg")).display().to_string())
            .await
            .expect("attach photo");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while c
        .find_all(Locator::Css("img.thumb"))
        .await
        .map(|v| v.len())
        .unwrap_or(0)
        < 3
    {
        assert!(Instant::now() < deadline, "three thumbnails did not appear");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(&c, "2-photos").await;
    click(&c, "#photos-next").await;

    // Review: agree, then press submit twice in one go (a double tap).
    click(&c, "#consent").await;
    screenshot(&c, "3-review").await;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#submit"))
        .await
        .expect("submit");
    c.execute(
        "const b = document.getElementById('submit'); b.click(); b.click();",
        vec![],
    )
    .await
    .expect("double click");
    let order_id = wait_text(&c, "#order-id", "the order number", |t| t.starts_with("HK")).await;
    assert!(haoka_shared::ids::is_valid_id(&order_id), "{order_id}");
    screenshot(&c, "4-confirmation").await;
    let orders = stack.worker.query("SELECT id FROM orders");
    assert_eq!(orders.len(), 1, "a double tap made {orders:?}");

    click(&c, "#status-link").await;
    wait_text(&c, "#order-state", "审核中", |t| t == "审核中").await;
    screenshot(&c, "5-reviewing").await;
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let state = c
            .find(Locator::Css("#order-state"))
            .await
            .expect("state")
            .text()
            .await
            .unwrap_or_default();
        if state == "已发货" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never shipped; last state {state}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let tracking = wait_text(&c, "#express-no", "the tracking number", |t| {
        t.contains("SF")
    })
    .await;
    assert!(!tracking.is_empty());
    screenshot(&c, "6-shipped").await;
    // The vendor got exactly one order, with its three photos.
    let vendor: serde_json::Value =
        reqwest::get(format!("{}/__sandbox/orders", stack.sandbox_url()))
            .await
            .expect("sandbox orders")
            .json()
            .await
            .expect("json");
    let vendor = vendor.as_array().expect("orders");
    assert_eq!(vendor.len(), 1, "{vendor:?}");
    assert_eq!(vendor[0]["photos"], true);

    // English is one click away and the status page follows the language.
    click(&c, "button.lang").await;
    wait_text(&c, "#order-state", "the English state", |t| t == "Shipped").await;

    // Without the link: order number + the ID number's last 6 open the same page.
    c.goto(&stack.worker.url()).await.expect("home");
    click(&c, "#find-order summary").await;
    click(&c, "#lookup-order-id").await;
    c.find(Locator::Css("#lookup-order-id"))
        .await
        .expect("order id input")
        .send_keys(&order_id)
        .await
        .expect("type order id");
    c.find(Locator::Css("#lookup-id-last6"))
        .await
        .expect("last 6 input")
        .send_keys("282906")
        .await
        .expect("type last 6");
    screenshot(&c, "7-find-order").await;
    click(&c, "#lookup-submit").await;
    wait_text(&c, "#order-state", "the found order", |t| t == "Shipped").await;
    c.close().await.expect("close browser");
}
