//! The customer's journey in real headless Chromium (360 × 740, a phone), against the worker
//! in workerd and the upstream sandbox: choose a 三照 product, type a wrong ID number and see
//! the Chinese error, fill the form, pass the identity pre-check, take the three photos with
//! the (fake) camera in the capture page — the shutter waits for frames, one retake — and
//! double-click submit, see the confirmation, open the status page and watch it reach 审核中
//! and then 已发货 with a tracking number as the sandbox fires its callbacks. Screenshots go to
//! `target/e2e/screens/`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::time::{Duration, Instant};

use fantoccini::Locator;
use haoka_e2e::{
    Stack, camera_picture,
    chrome::{
        Camera, assert_accessible, attr, browser, by_label, bypass_csp, choose, chromedriver,
        click, enter_capture_frame, pretend_user_agent, screenshot, shoot, type_into, wait_text,
        wait_text_for,
    },
    root,
};

/// Open 查询已有订单 and type the order number and the ID number's last 6 (not sent yet).
async fn open_lookup(c: &fantoccini::Client, order_id: &str, last6: &str) {
    click(c, "#find-order summary").await;
    click(c, "#lookup-order-id").await;
    for (css, text) in [("#lookup-order-id", order_id), ("#lookup-id-last6", last6)] {
        c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }
}

/// Wait (bounded) until the element with this id has the focus.
async fn wait_focus(c: &fantoccini::Client, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let focused = c
            .execute(
                "return document.activeElement && document.activeElement.id;",
                vec![],
            )
            .await
            .expect("focus");
        if focused == serde_json::json!(id) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "#{id} never took the focus: {focused}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn customer_orders_a_three_photo_card_and_watches_it_ship() {
    // 4 s between the sandbox's callbacks: the status page (polling every 3 s) sees 审核中.
    let stack = Stack::start(&[], 4000);
    let driver = chromedriver();
    let camera = root()
        .join("target/e2e")
        .join(format!("camera-{}.mjpeg", std::process::id()));
    camera_picture(&camera, 2560, 1600);
    let c = browser(&driver, Camera::Shows(&camera)).await;
    c.goto(&stack.worker.url()).await.expect("open page");
    click(&c, "input[name=product][value='2201']").await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(&by_label("身份证号码")))
        .await
        .expect("the order form renders");
    screenshot(&c, "1-form").await;
    assert_accessible(&c, "order form, empty").await;
    // Moving through the form is not a mistake: an empty field left says nothing yet.
    click(&c, "#name").await;
    click(&c, "#mobile").await;
    let said = c
        .find(Locator::Css("#name-error"))
        .await
        .expect("#name-error")
        .text()
        .await
        .expect("text");
    assert_eq!(said, "", "an empty field shouted while moving");
    // 下一步 on an empty form: the first field to fix takes the focus, and now it says why.
    click(&c, "#precheck-next").await;
    wait_focus(&c, "name").await;
    wait_text(&c, "#name-error", "required", |t| t == "此项必填").await;
    assert_accessible(&c, "order form, errors shown").await;

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

    // The pre-check passed: the photo step. The phone's back button goes back one step, with
    // everything typed still there, and forward returns to the photos (each step is a
    // history entry; the site is not left).
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#take-photos"))
        .await
        .expect("the photo step");
    // The new step's heading takes the focus and names the page.
    wait_focus(&c, "step-heading").await;
    let title = c.title().await.expect("title");
    assert!(title.starts_with("上传照片"), "{title}");
    // 下一步 without photos says which photo is missing, in words.
    click(&c, "#photos-next").await;
    let words = wait_text(&c, "#photo-face-error", "the missing photo", |t| {
        !t.is_empty()
    })
    .await;
    assert!(words.contains("还没有拍人像面"), "{words}");
    let words = wait_text(&c, "#photo-hand-error", "the missing portrait", |t| {
        !t.is_empty()
    })
    .await;
    assert!(words.contains("半身照"), "{words}");
    screenshot(&c, "2-photos-missing").await;
    assert_accessible(&c, "photo step, nothing taken").await;
    c.back().await.expect("back");
    let name = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#name"))
        .await
        .expect("back on the details")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(name.as_deref(), Some("张三"));
    assert!(
        c.current_url()
            .await
            .expect("url")
            .as_str()
            .starts_with(&stack.worker.url())
    );
    c.forward().await.expect("forward");
    // The capture page opens over the photo step in a frame.
    click(&c, "#take-photos").await;
    enter_capture_frame(&c).await;
    wait_text(&c, "#capture-position", "photo 1 of 3", |t| t == "1 / 3").await;
    screenshot(&c, "2a-capture-intro").await;
    shoot(&c, "face", true).await;
    screenshot(&c, "2b-capture-preview").await;
    // A retake goes back to the camera; the second shot is used.
    click(&c, "#retake").await;
    shoot(&c, "face again", false).await;
    click(&c, "#use-photo").await;
    for (n, photo) in [(2, "back"), (3, "hand")] {
        wait_text(&c, "#capture-position", photo, |t| t == format!("{n} / 3")).await;
        shoot(&c, photo, true).await;
        click(&c, "#use-photo").await;
    }
    // All three handed over: the frame closes itself.
    c.enter_parent_frame().await.expect("back to the form");
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.find(Locator::Css("#capture-frame")).await.is_ok() {
        assert!(Instant::now() < deadline, "the capture frame stayed open");
        tokio::time::sleep(Duration::from_millis(100)).await;
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

    // Review: the customer's own values in full (a typo must be visible), each with 修改,
    // which leads to the field itself; the photos are kept meanwhile.
    let shown = wait_text(&c, "[data-summary='id_number']", "the ID number", |t| {
        !t.is_empty()
    })
    .await;
    assert_eq!(shown, "110101200007282906");
    let shown = wait_text(&c, "[data-summary='name']", "the name", |t| !t.is_empty()).await;
    assert_eq!(shown, "张三");
    click(&c, "[data-edit='mobile']").await;
    wait_focus(&c, "mobile").await;
    screenshot(&c, "3a-edit-from-review").await;
    click(&c, "#precheck-next").await;
    click(&c, "#photos-next").await;
    // Agree, then press submit twice in one go (a double tap).
    click(&c, "#consent").await;
    screenshot(&c, "3-review").await;
    assert_accessible(&c, "review").await;
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
    wait_focus(&c, "step-heading").await;
    assert!(c.title().await.expect("title").starts_with("订单已提交"));
    assert_accessible(&c, "confirmation").await;
    let orders = stack.worker.query("SELECT id FROM orders");
    assert_eq!(orders.len(), 1, "a double tap made {orders:?}");

    click(&c, "#status-link").await;
    wait_text(&c, "#order-state", "审核中", |t| t == "审核中").await;
    screenshot(&c, "5-reviewing").await;
    assert_accessible(&c, "status page").await;
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
    let vendor = stack.vendor_orders().await;
    assert_eq!(vendor.len(), 1, "{vendor:?}");
    assert_eq!(vendor[0]["photos"], true);

    // English is one click away and the status page follows the language.
    click(&c, "button.lang").await;
    wait_text(&c, "#order-state", "the English state", |t| t == "Shipped").await;

    // Without the link (another browser: 我的订单 is empty): order number + the ID number's
    // last 6 open the same page, and the order joins 我的订单. A wrong tail first says what
    // to check.
    c.execute("localStorage.removeItem('haoka.orders');", vec![])
        .await
        .expect("forget my orders");
    c.goto(&stack.worker.url()).await.expect("home");
    assert!(
        c.find(Locator::Css("#my-orders")).await.is_err(),
        "my orders kept"
    );
    open_lookup(&c, &order_id, "282905").await;
    click(&c, "#lookup-submit").await;
    let words = wait_text(&c, "#lookup-error", "the miss explained", |t| !t.is_empty()).await;
    // (The page is in English since the switch above.)
    assert!(
        words.contains("Check the order number") && words.contains("last 6"),
        "{words}"
    );
    c.goto(&stack.worker.url()).await.expect("home");
    open_lookup(&c, &order_id, "282906").await;
    screenshot(&c, "7-find-order").await;
    assert_accessible(&c, "home with 查询已有订单 open (English)").await;
    click(&c, "#lookup-submit").await;
    wait_text(&c, "#order-state", "the found order", |t| t == "Shipped").await;
    c.goto(&stack.worker.url()).await.expect("home");
    let mine = wait_text(&c, "#my-orders", "the found order in my orders", |t| {
        !t.is_empty()
    })
    .await;
    assert!(mine.contains(&order_id), "{mine}");
    c.close().await.expect("close browser");
}

/// A 三照 order placed without its photos waits in 待补传照片; its status page takes them
/// through the capture frame (the fake camera) and sends them, and the vendor gets them.
#[tokio::test]
async fn photos_sent_later_from_the_status_page_go_through_the_camera() {
    let stack = Stack::start(&[], 600);
    let (id, token) = stack.order_waiting_for_photos("later-photos-0001").await;

    let driver = chromedriver();
    let camera = root()
        .join("target/e2e")
        .join(format!("camera-later-{}.mjpeg", std::process::id()));
    camera_picture(&camera, 2560, 1600);
    let c = browser(&driver, Camera::Shows(&camera)).await;
    let page = haoka_shared::api::status_page_path(&id, &token);
    c.goto(&format!("{}{page}", stack.worker.url()))
        .await
        .expect("open the status page");
    wait_text(&c, "#order-state", "待补传照片", |t| t == "待补传照片").await;
    click(&c, "#take-photos").await;
    enter_capture_frame(&c).await;
    for (n, photo) in [(1, "face"), (2, "back"), (3, "hand")] {
        wait_text(&c, "#capture-position", photo, |t| t == format!("{n} / 3")).await;
        shoot(&c, photo, true).await;
        click(&c, "#use-photo").await;
    }
    c.enter_parent_frame()
        .await
        .expect("back to the status page");
    click(&c, "#photos-submit").await;
    wait_text_for(
        &c,
        "#order-state",
        "审核中 or later",
        Duration::from_secs(60),
        |t| t == "审核中" || t == "已发货",
    )
    .await;
    screenshot(&c, "8-photos-later").await;
    let vendor = stack.vendor_orders().await;
    assert_eq!(vendor.len(), 1, "{vendor:?}");
    assert_eq!(vendor[0]["photos"], true, "{vendor:?}");
    c.close().await.expect("close browser");
}

/// With Turnstile on, the order form shows the widget (the sandbox's fake of Cloudflare's
/// script), sends a solved token with the pre-check and a fresh one with the submit, and the
/// edge verifies both; nothing else changes for the customer.
#[tokio::test]
async fn the_bot_check_runs_in_the_form_and_each_request_carries_its_own_token() {
    let stack = Stack::start(
        &[("TURNSTILE_SECRET", "local-turnstile-secret".into())],
        600_000,
    );
    let driver = chromedriver();
    let c = browser(&driver, Camera::Refused).await;
    bypass_csp(&c).await;
    c.goto(&stack.worker.url()).await.expect("open page");
    click(&c, "input[name=product][value='2188']").await;
    wait_text(&c, ".fake-turnstile", "the widget", |t| t.contains("✓")).await;
    let sitekey = c
        .find(Locator::Css(".fake-turnstile"))
        .await
        .expect("widget")
        .attr("data-sitekey")
        .await
        .expect("attr");
    assert_eq!(sitekey.as_deref(), Some("local-sitekey"));
    type_into(&c, "姓名", "张三").await;
    type_into(&c, "手机号码", "18888888336").await;
    type_into(&c, "身份证号码", "110101200007282906").await;
    choose(&c, "省份", "天津市").await;
    choose(&c, "城市", "天津市").await;
    choose(&c, "区县", "和平区").await;
    type_into(&c, "详细地址", "先锋大楼 3单元 202").await;
    screenshot(&c, "turnstile-1-form").await;
    click(&c, "#precheck-next").await;
    // The pre-check used its token; the review's widget solves a fresh one for the submit.
    click(&c, "#consent").await;
    wait_text(&c, ".fake-turnstile", "the second token", |t| {
        t.contains("✓")
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let count = c
            .find(Locator::Css(".fake-turnstile"))
            .await
            .expect("widget")
            .attr("data-token-count")
            .await
            .expect("attr")
            .unwrap_or_default();
        // The review's own widget, with a token issued after the pre-check's.
        if count.parse::<u32>().unwrap_or(0) >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no fresh token after the pre-check: {count}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(&c, "turnstile-2-review").await;
    click(&c, "#submit").await;
    let order_id = wait_text(&c, "#order-id", "the order number", |t| t.starts_with("HK")).await;
    assert!(haoka_shared::ids::is_valid_id(&order_id), "{order_id}");
    // The edge asked siteverify about two different tokens, each once.
    let log: serde_json::Value = reqwest::get(format!(
        "{}/__sandbox/requests?path=/turnstile/v0/siteverify",
        stack.sandbox_url()
    ))
    .await
    .expect("sandbox log")
    .json()
    .await
    .expect("json");
    let text = log.to_string();
    let mut tokens: Vec<&str> = text.split('"').filter(|t| t.starts_with("pass-")).collect();
    tokens.sort_unstable();
    let all = tokens.len();
    tokens.dedup();
    assert_eq!((all, tokens.len()), (2, 2), "{text}");
    assert_eq!(stack.worker.query("SELECT id FROM orders").len(), 1);
    c.close().await.expect("close browser");
}

/// Fill the details step of product 2188 (no photos) and press 下一步.
async fn fill_details(c: &fantoccini::Client, address: &str) {
    click(c, "input[name=product][value='2188']").await;
    type_into(c, "姓名", "陈晨").await;
    type_into(c, "手机号码", "18888888337").await;
    type_into(c, "身份证号码", "110101199003074514").await;
    choose(c, "省份", "天津市").await;
    choose(c, "城市", "天津市").await;
    choose(c, "区县", "和平区").await;
    type_into(c, "详细地址", address).await;
    click(c, "#precheck-next").await;
}

/// The per-person limit shows at the pre-check — before any photo — with a link to the open
/// order placed from this phone; once the vendor refuses that order (an address outside its
/// area), its status page offers a new order prefilled with what was typed (agreement not
/// carried over), and the customer changes only the address.
#[tokio::test]
async fn the_limit_links_the_open_order_and_a_refused_order_is_placed_again_prefilled() {
    // 8 s between the vendor's steps: the first order is still open while the second starts.
    let stack = Stack::start(&[], 8000);
    let driver = chromedriver();
    let c = browser(&driver, Camera::Refused).await;
    // The two dead ends first: an unknown page, and an order link without its token.
    for (path, id) in [("/nope", "#not-found"), ("/orders/HK1", "#order-missing")] {
        c.goto(&format!("{}{path}", stack.worker.url()))
            .await
            .expect("open page");
        c.wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(id))
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_accessible(&c, path).await;
    }
    // A product's own page (shareable): every term, and 办理这张卡 opens the form on it.
    c.goto(&format!("{}/products/2201", stack.worker.url()))
        .await
        .expect("open the product page");
    let terms = wait_text(&c, "#product-terms", "the product's terms", |t| {
        t.contains("中国联通")
    })
    .await;
    assert!(
        terms.contains("首月免费") && terms.contains("不发货") && terms.contains("100分钟"),
        "{terms}"
    );
    screenshot(&c, "11-product-page").await;
    assert_accessible(&c, "product page").await;
    click(&c, "#order-this").await;
    let chosen = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("input[name=product][value='2201']"))
        .await
        .expect("the form")
        .prop("checked")
        .await
        .expect("checked");
    assert_eq!(
        chosen.as_deref(),
        Some("true"),
        "the form is not on the product"
    );
    c.goto(&stack.worker.url()).await.expect("open page");
    fill_details(&c, "偏远山区 1号").await;
    click(&c, "#consent").await;
    click(&c, "#submit").await;
    let first = wait_text(&c, "#order-id", "the first order", |t| t.starts_with("HK")).await;

    // Another card for the same person: refused at the pre-check, with the open order linked.
    click(&c, "#confirmation button.secondary").await;
    fill_details(&c, "偏远山区 1号").await;
    wait_text(&c, "#precheck-error", "the limit", |t| !t.is_empty()).await;
    let href = attr(&c, "#limit-orders a", "href")
        .await
        .unwrap_or_default();
    assert!(href.contains(&first), "{href}");
    assert!(
        c.find(Locator::Css("#take-photos")).await.is_err(),
        "not past the details"
    );
    c.execute(
        "document.getElementById('precheck-error').scrollIntoView();",
        vec![],
    )
    .await
    .expect("scroll");
    screenshot(&c, "9a-limit").await;
    assert_accessible(&c, "order form, limit reached").await;
    click(&c, "#limit-orders a").await;

    // The vendor refuses it; the status page offers the prefilled reorder.
    wait_text_for(
        &c,
        "#order-state",
        "审核失败",
        Duration::from_secs(60),
        |t| t == "审核失败",
    )
    .await;
    let reason = wait_text(&c, "#order-reason", "the reason", |t| !t.is_empty()).await;
    assert!(reason.contains("地址"), "{reason}");
    screenshot(&c, "9b-refused").await;
    assert_accessible(&c, "status page, refused").await;
    click(&c, "#reorder").await;
    let value = |id: &'static str| {
        let c = c.clone();
        async move {
            c.wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css(&format!("#{id}")))
                .await
                .unwrap_or_else(|e| panic!("#{id}: {e}"))
                .prop("value")
                .await
                .expect("value")
                .unwrap_or_default()
        }
    };
    assert_eq!(value("name").await, "陈晨");
    assert_eq!(value("id_number").await, "110101199003074514");
    assert_eq!(value("address").await, "偏远山区 1号");
    type_into(&c, "详细地址", "先锋大楼 3单元 201").await;
    click(&c, "#precheck-next").await;
    let shown = wait_text(&c, "[data-summary='address']", "the new address", |t| {
        !t.is_empty()
    })
    .await;
    assert!(shown.contains("先锋大楼"), "{shown}");
    let agreed = c
        .find(Locator::Css("#consent"))
        .await
        .expect("consent")
        .prop("checked")
        .await
        .expect("checked");
    assert_eq!(agreed.as_deref(), Some("false"), "agreement carried over");
    click(&c, "#consent").await;
    click(&c, "#submit").await;
    let second = wait_text(&c, "#order-id", "the new order", |t| t.starts_with("HK")).await;
    assert_ne!(first, second);
    assert_eq!(stack.worker.query("SELECT id FROM orders").len(), 2);

    // In English, the product names wrap between words and nothing scrolls sideways.
    click(&c, "button.lang").await;
    click(&c, "#confirmation button.secondary").await;
    wait_text(&c, "#step-heading", "the English form", |t| {
        t == "Your details"
    })
    .await;
    screenshot(&c, "9c-products-en").await;
    assert_accessible(&c, "order form, English").await;
    c.close().await.expect("close browser");
}

/// Inside WeChat's web view the camera may not open: a 三照 product's form says so before
/// anything is typed, with the page's link to copy into the phone's browser; a product
/// without photos says nothing.
#[tokio::test]
async fn inside_wechat_a_three_photo_order_says_how_to_open_the_phone_browser_and_the_card_its_terms()
 {
    let stack = Stack::start(&[], 600_000);
    let driver = chromedriver();
    let c = browser(&driver, Camera::Refused).await;
    pretend_user_agent(
        &c,
        "Mozilla/5.0 (Linux; Android 13; V2203A Build/TP1A.220624.014; wv) AppleWebKit/537.36 \
         (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 \
         MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin \
         NetType/WIFI Language/zh_CN ABI/arm64",
    )
    .await;
    c.goto(&stack.worker.url()).await.expect("open page");
    click(&c, "input[name=product][value='2201']").await;
    let words = wait_text(&c, "#inapp-notice", "the WeChat notice", |t| !t.is_empty()).await;
    assert!(
        words.contains("微信") && words.contains("在浏览器打开"),
        "{words}"
    );
    let link = c
        .find(Locator::Css("#inapp-link"))
        .await
        .expect("link")
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert!(link.starts_with(&stack.worker.url()), "{link}");
    screenshot(&c, "10-wechat").await;
    assert_accessible(&c, "order form inside WeChat").await;
    // The card lists the terms; a province the product does not ship to is refused at the
    // region step, in words, before anything is sent.
    let card = wait_text(&c, "label.product.chosen", "the card's terms", |t| {
        t.contains("中国联通")
    })
    .await;
    assert!(
        card.contains("通用40GB") && card.contains("首月免费"),
        "{card}"
    );
    choose(&c, "省份", "新疆维吾尔自治区").await;
    choose(&c, "城市", "乌鲁木齐市").await;
    choose(&c, "区县", "天山区").await;
    let words = wait_text(&c, "#region-error", "not shipped", |t| !t.is_empty()).await;
    assert!(words.contains("不发货"), "{words}");
    screenshot(&c, "10b-not-shipped").await;
    click(&c, "input[name=product][value='2188']").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.find(Locator::Css("#inapp-notice")).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "the notice stayed for a product without photos"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.close().await.expect("close browser");
}

/// 选号 at 360 × 740: a product with a pool shows the picker (axe-clean); the customer
/// searches by ending, picks a number and sees it held until when, the review lists it, and
/// the order takes it to the vendor as `haoma`.
#[tokio::test]
async fn a_customer_searches_picks_and_orders_a_number() {
    let stack = Stack::start(&[], 600_000);
    let values: Vec<String> = (1..=15)
        .map(|i| format!("('2188', '138000010{i:02}', 1)"))
        .collect();
    stack
        .worker
        .tamper(&format!(
            "INSERT INTO number_pool (product_id, number, added_at_ms) VALUES {}",
            values.join(", ")
        ))
        .unwrap();
    let driver = chromedriver();
    let c = browser(&driver, Camera::Refused).await;
    c.goto(&stack.worker.url()).await.expect("open page");
    click(&c, "input[name=product][value='2188']").await;
    wait_text(&c, "#number-status", "the picker", |t| {
        t.contains("随机分配")
    })
    .await;
    let shown = c
        .find_all(Locator::Css("#number-grid button.number"))
        .await
        .expect("numbers");
    assert_eq!(shown.len(), 12, "twelve at a time");
    assert_accessible(&c, "order form with the number picker").await;
    type_into(&c, "尾号", "08").await;
    click(&c, "#number-search").await;
    let only = wait_text(&c, "#number-grid", "the search", |t| {
        t.contains("138 0000 1008") && !t.contains("1007")
    })
    .await;
    assert!(!only.contains("1009"), "{only}");
    click(&c, "button[data-number='13800001008']").await;
    let held = wait_text(&c, "#number-status", "the hold", |t| {
        t.contains("已为您保留")
    })
    .await;
    assert!(
        held.contains("138 0000 1008") && held.contains("15 分钟"),
        "{held}"
    );
    assert_eq!(
        attr(&c, "button[data-number='13800001008']", "aria-pressed")
            .await
            .as_deref(),
        Some("true")
    );
    screenshot(&c, "numbers-1-held").await;
    type_into(&c, "姓名", "张三").await;
    type_into(&c, "手机号码", "18888888336").await;
    type_into(&c, "身份证号码", "110101200007282906").await;
    choose(&c, "省份", "天津市").await;
    choose(&c, "城市", "天津市").await;
    choose(&c, "区县", "和平区").await;
    type_into(&c, "详细地址", "先锋大楼 3单元 209").await;
    click(&c, "#precheck-next").await;
    wait_text(&c, "[data-summary=numbers]", "the review", |t| {
        t.contains("138 0000 1008")
    })
    .await;
    screenshot(&c, "numbers-2-review").await;
    click(&c, "#consent").await;
    click(&c, "#submit").await;
    wait_text(&c, "#order-id", "the order number", |t| t.starts_with("HK")).await;
    c.close().await.expect("close browser");
    // The background send carries the number (bounded wait).
    let deadline = Instant::now() + Duration::from_secs(30);
    while stack
        .sandbox_calls("/order/api/haoteam/pushorder", "13800001008")
        .await
        == 0
    {
        assert!(Instant::now() < deadline, "haoma never reached the vendor");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let state = stack
        .worker
        .query("SELECT state FROM number_pool WHERE number = '13800001008'");
    assert_eq!(state[0]["state"], "ordered");
}
