//! One journey in real headless Chromium: load the order page, type a wrong ID number, see
//! the Chinese error, fix it, fill the form, submit, see the draft accepted by the worker.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use haoka_e2e::{Server, Workerd, free_port, root, wait_for_port};
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
                "--disable-quic", "--window-size=412,915",
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

#[tokio::test]
async fn customer_fixes_a_wrong_id_number_and_submits_a_draft() {
    let worker = Workerd::start(&[]);
    let driver = chromedriver();
    let c = browser(&driver).await;
    c.goto(&worker.url()).await.expect("open page");
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(&by_label("身份证号码")))
        .await
        .expect("the order form renders");

    type_into(&c, "身份证号码", "110101200007282907").await;
    // Leaving the field shows its error.
    c.find(Locator::XPath(&by_label("姓名")))
        .await
        .expect("name")
        .click()
        .await
        .expect("click");
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
    c.find(Locator::Css("button.submit"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click submit");

    let id = wait_text(&c, "#draft-id", "the draft id", |t| t.starts_with("DR")).await;
    assert!(haoka_shared::ids::is_valid_id(&id), "{id}");
    assert!(
        worker
            .server
            .log_text()
            .contains(&format!("draft stored id={id}"))
    );

    // English is one click away and the confirmation follows the language.
    c.find(Locator::Css("button.lang"))
        .await
        .expect("lang")
        .click()
        .await
        .expect("click");
    wait_text(&c, "#status", "the English confirmation", |t| {
        t.starts_with("Draft order saved")
    })
    .await;
    c.close().await.expect("close browser");
}
