//! The desktop → phone photo handoff, against the worker in workerd:
//!
//! - through the API: the QR link works once, only for the photos asked for, and nothing
//!   works past the lifetime (a 3 s one here); a bad token, part, photo or flag is refused
//!   with our JSON; the operator's reconcile pass (the cron's) deletes an expired handoff and
//!   its photos.
//! - in two headless Chromium sessions: a computer without a camera opens a 三照 order's
//!   status page, chooses "use my phone" in the capture frame and shows a QR code; a phone
//!   (fake camera) opens the code's link — the shop's page, which says what it is for, which
//!   photos and how long the link lasts, and switches to English — and shoots the three
//!   photos; the computer sees them
//!   arrive, closes the frame by itself and sends the order, which reaches the vendor with
//!   its photos. Nothing of the handoff is left in D1 or R2, and the link is refused again.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::time::{Duration, Instant};

use fantoccini::Locator;
use haoka_e2e::{
    Stack, camera_picture,
    chrome::{
        Camera, assert_accessible, attr, browser, chromedriver, click, desktop_browser,
        enter_capture_frame, screenshot, shoot, wait_text, wait_text_for,
    },
    client, id_card_picture, jpeg_bytes, reply, root,
};
use serde_json::{Value, json};

async fn post_json(s: &Stack, path: &str, body: Value) -> (u16, Value) {
    let url = format!("{}{path}", s.worker.url());
    reply(client().post(url).json(&body).send().await.expect(path)).await
}

async fn open(s: &Stack, photos: Value) -> (u16, Value) {
    post_json(s, "/api/handoff", json!({ "photos": photos })).await
}

async fn claim(s: &Stack, link: &str) -> (u16, Value) {
    post_json(s, "/api/handoff/claim", json!({ "token": link })).await
}

async fn upload(
    s: &Stack,
    token: &str,
    part: &str,
    body: Vec<u8>,
    flag: Option<&str>,
) -> (u16, Value) {
    let url = format!("{}/api/handoff/photos/{part}", s.worker.url());
    let mut req = client().put(url).bearer_auth(token).body(body);
    if let Some(f) = flag {
        req = req.header("x-haoka-quality", f);
    }
    reply(req.send().await.expect("upload")).await
}

async fn status(s: &Stack, token: &str) -> (u16, Value) {
    let url = format!("{}/api/handoff", s.worker.url());
    reply(
        client()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("status"),
    )
    .await
}

/// The link token of a phone URL.
fn link_of(created: &Value) -> String {
    let url = created["phone_url"].as_str().expect("phone_url");
    url.split_once("/capture/?h=")
        .expect("a capture link")
        .1
        .to_owned()
}

fn count(s: &Stack, table: &str) -> i64 {
    haoka_e2e::count(s, &format!("SELECT COUNT(*) AS n FROM {table}"))
}

#[tokio::test]
async fn the_link_works_once_for_the_photos_asked_and_not_past_its_lifetime() {
    let s = Stack::start(&[("HANDOFF_TTL_S", "3".into())], 600);
    let photo = jpeg_bytes(&id_card_picture(800, 505), None);

    // Opening: only known parts, at least one.
    for bad in [json!([]), json!(["selfie"]), json!("face")] {
        let (code, body) = open(&s, bad.clone()).await;
        assert_eq!(code, 400, "{bad}: {body}");
    }
    let (code, created) = open(&s, json!(["back", "face"])).await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["photos"], json!(["face", "back"]));
    let svg = created["qr_svg"].as_str().unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
    assert!(
        created["phone_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/capture/?h=", s.worker.url())),
        "{created}"
    );
    let desk = created["token"].as_str().unwrap().to_owned();
    let link = link_of(&created);

    // Unknown or malformed tokens: 404 with words, never a 500.
    for token in ["", "x", &"A".repeat(43), "../../etc/passwd"] {
        let (code, body) = status(&s, token).await;
        assert_eq!(code, 404, "{token}: {body}");
        assert_eq!(body["error"], "handoff_not_found", "{body}");
        let (code, body) = claim(&s, token).await;
        assert_eq!(code, 404, "{token}: {body}");
    }
    // Uploads need the claim's token, not the desktop's.
    let (code, _) = upload(&s, &desk, "face", photo.clone(), None).await;
    assert_eq!(code, 404);

    // The claim: once.
    let (code, claimed) = claim(&s, &link).await;
    assert_eq!(code, 200, "{claimed}");
    assert_eq!(claimed["photos"], json!(["face", "back"]));
    let up = claimed["upload_token"].as_str().unwrap().to_owned();
    let (code, again) = claim(&s, &link).await;
    assert_eq!(code, 409, "{again}");
    assert_eq!(again["error"], "handoff_claimed");
    assert!(
        again["message_zh"].as_str().unwrap().contains("已被使用"),
        "{again}"
    );

    // Uploads: a part not asked for, not a photo, a bad flag → refused, nothing stored.
    let (code, body) = upload(&s, &up, "hand", photo.clone(), None).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (404, Some("handoff_unknown_part"))
    );
    let (code, body) = upload(&s, &up, "face", b"GIF89a not a photo".to_vec(), None).await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["fields"][0]["field"], "photo_face", "{body}");
    let (code, body) = upload(&s, &up, "face", photo.clone(), Some("{not json")).await;
    assert_eq!(code, 400, "{body}");
    let (code, body) = upload(&s, &up, "face", vec![0xFF; 2 * 1024 * 1024 + 1], None).await;
    assert_eq!(code, 413, "{body}");
    let (_, st) = status(&s, &desk).await;
    assert_eq!(st["received"], json!([]), "{st}");
    assert_eq!(st["claimed"], true);

    // A photo with a kept problem: the flag travels, normalised to its slot.
    let flag = r#"{"slot":"portrait","problems":["blurry","blurry"],"retakes":2}"#;
    let (code, body) = upload(&s, &up, "face", photo.clone(), Some(flag)).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["received"], json!(["face"]));
    let (code, st) = status(&s, &desk).await;
    assert_eq!(code, 200, "{st}");
    assert_eq!(st["complete"], false);
    let got = &st["received"][0];
    assert_eq!(
        (
            got["part"].as_str(),
            got["width"].as_u64(),
            got["height"].as_u64()
        ),
        (Some("face"), Some(800), Some(505))
    );
    assert_eq!(got["bytes"].as_u64(), Some(photo.len() as u64));
    let kept: Value = serde_json::from_str(got["flag"].as_str().unwrap()).unwrap();
    assert_eq!(
        kept,
        json!({"slot": "id_face", "problems": ["blurry"], "retakes": 2})
    );
    let (code, _) = upload(&s, &up, "back", photo.clone(), None).await;
    assert_eq!(code, 200);
    let (_, st) = status(&s, &desk).await;
    assert_eq!(st["complete"], true, "{st}");
    assert_eq!(st["received"][0]["flag"], "", "back passed: no flag {st}");

    // The desktop fetches a photo: the same bytes; the phone's token cannot.
    let url = format!("{}/api/handoff/photos/face", s.worker.url());
    let resp = client().get(&url).bearer_auth(&desk).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), photo);
    let resp = client().get(&url).bearer_auth(&up).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let id = s.worker.query("SELECT id FROM handoffs")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(s.worker.r2_has(&format!("handoffs/{id}/face")));

    // A second handoff, left unclaimed past its 3 s.
    let (_, late) = open(&s, json!(["hand"])).await;
    let late_link = link_of(&late);
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&s, late["token"].as_str().unwrap()).await.0 != 410 {
        assert!(Instant::now() < deadline, "the handoff never expired");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (code, body) = claim(&s, &late_link).await;
    assert_eq!(code, 410, "{body}");
    assert_eq!(body["error"], "handoff_expired");
    assert!(
        body["message_zh"].as_str().unwrap().contains("过期"),
        "{body}"
    );
    // And the first one's tokens are past theirs too.
    let (code, _) = upload(&s, &up, "back", photo.clone(), None).await;
    assert_eq!(code, 410);
    let (code, _) = status(&s, &desk).await;
    assert_eq!(code, 410);

    // The reconcile pass (the cron's) deletes both handoffs and the photos.
    assert_eq!(count(&s, "handoffs"), 2);
    let report = s.reconcile().await;
    assert_eq!(report["handoffs_purged"], 2, "{report}");
    assert_eq!(count(&s, "handoffs"), 0);
    assert_eq!(count(&s, "handoff_photos"), 0);
    assert!(!s.worker.r2_has(&format!("handoffs/{id}/face")));
    assert!(!s.worker.r2_has(&format!("handoffs/{id}/back")));
    // The log never shows a token.
    let log = s.worker.server.log_text();
    for token in [&desk, &up, &link] {
        assert!(!log.contains(token.as_str()), "a token in the log");
    }
}

async fn end(s: &Stack, desk: &str) -> u16 {
    let url = format!("{}/api/handoff", s.worker.url());
    client()
        .delete(url)
        .bearer_auth(desk)
        .send()
        .await
        .expect("end")
        .status()
        .as_u16()
}

/// A handoff opened and claimed for the face photo: (desktop token, upload token, id).
async fn claimed_handoff(s: &Stack) -> (String, String, String) {
    let (code, created) = open(s, json!(["face"])).await;
    assert_eq!(code, 201, "{created}");
    let desk = created["token"].as_str().unwrap().to_owned();
    let (code, claimed) = claim(s, &link_of(&created)).await;
    assert_eq!(code, 200, "{claimed}");
    let up = claimed["upload_token"].as_str().unwrap().to_owned();
    let ids = s
        .worker
        .query("SELECT id FROM handoffs ORDER BY created_at_ms DESC, rowid DESC LIMIT 1");
    (desk, up, ids[0]["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn photos_left_without_their_handoff_are_swept_and_live_ones_kept() {
    let s = Stack::start(
        &[
            ("PHOTO_ORPHAN_GRACE_S", "0".into()),
            ("HANDOFFS_PER_MINUTE", "100".into()),
        ],
        600,
    );
    let photo = jpeg_bytes(&id_card_picture(800, 505), None);
    // A handoff whose rows went while its upload was in flight (the race's outcome, made
    // certain here by deleting the rows behind the worker's back).
    let (_, up, gone) = claimed_handoff(&s).await;
    assert_eq!(upload(&s, &up, "face", photo.clone(), None).await.0, 200);
    s.worker
        .tamper(&format!(
            "DELETE FROM handoff_photos WHERE handoff_id = '{gone}'; \
             DELETE FROM handoffs WHERE id = '{gone}';"
        ))
        .expect("tamper");
    // And the race itself, three times: the phone's upload has been looked up and is still
    // streaming its photo when the desktop ends the handoff; then the rest arrives. An upload
    // that finds its handoff gone after the put deletes its photo itself.
    for _ in 0..3 {
        let (desk, up, _) = claimed_handoff(&s).await;
        let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
        let body = reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async {
            rx.recv()
                .await
                .map(|chunk| (Ok::<_, std::io::Error>(chunk), rx))
        }));
        let url = format!("{}/api/handoff/photos/face", s.worker.url());
        let sending = tokio::spawn(client().put(url).bearer_auth(up).body(body).send());
        let half = photo.len() / 2;
        tx.send(photo[..half].to_vec()).await.expect("first half");
        assert_eq!(end(&s, &desk).await, 204);
        tx.send(photo[half..].to_vec()).await.expect("second half");
        drop(tx);
        let sent = sending.await.expect("join").expect("upload");
        eprintln!("staged upload racing the end: {}", sent.status());
        assert!(
            matches!(sent.status().as_u16(), 200 | 404 | 410),
            "{}",
            sent.status()
        );
    }
    // One live handoff with its photo.
    let (_, up, live) = claimed_handoff(&s).await;
    assert_eq!(upload(&s, &up, "face", photo.clone(), None).await.0, 200);

    let before = s.worker.r2_keys("handoffs/");
    let live_key = format!("handoffs/{live}/face");
    let orphans: Vec<&String> = before.iter().filter(|k| **k != live_key).collect();
    assert_eq!(
        orphans,
        vec![&format!("handoffs/{gone}/face")],
        "the races left photos behind"
    );
    let report = s.reconcile().await;
    assert_eq!(report["orphans_deleted"], orphans.len(), "{report}");
    assert_eq!(s.worker.r2_keys("handoffs/"), vec![live_key.clone()]);
    // Nothing left to do, and the live photo is still served.
    let report = s.reconcile().await;
    assert_eq!(report["orphans_deleted"], 0, "{report}");
    assert!(s.worker.r2_has(&live_key));
}

#[tokio::test]
async fn a_computer_without_a_camera_gets_the_photos_from_a_phone() {
    let stack = Stack::start(&[], 600);
    let (id, token) = stack.order_waiting_for_photos("handoff-photos-0001").await;

    let driver = chromedriver();
    let camera = root()
        .join("target/e2e")
        .join(format!("camera-handoff-{}.mjpeg", std::process::id()));
    camera_picture(&camera, 2560, 1600);
    let desk = desktop_browser(&driver).await;
    let phone = browser(&driver, Camera::Shows(&camera)).await;

    // The computer: the status page, the capture frame, "use my phone".
    let page = haoka_shared::api::status_page_path(&id, &token);
    desk.goto(&format!("{}{page}", stack.worker.url()))
        .await
        .expect("open the status page");
    wait_text(&desk, "#order-state", "待补传照片", |t| {
        t == "待补传照片"
    })
    .await;
    click(&desk, "#take-photos").await;
    enter_capture_frame(&desk).await;
    click(&desk, "#handoff-start").await;
    let link = attr(&desk, "#handoff-link", "href").await.expect("a link");
    assert!(
        link.starts_with(&format!("{}/capture/?h=", stack.worker.url())),
        "{link}"
    );
    // The QR code is an image that loaded (a blob: URL under the page's CSP).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let width = desk
            .execute(
                "const i = document.getElementById('handoff-qr'); return i ? i.naturalWidth : 0;",
                vec![],
            )
            .await
            .expect("qr width");
        if width.as_u64().unwrap_or(0) >= 100 {
            break;
        }
        assert!(Instant::now() < deadline, "the QR code never showed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_text(&desk, "#handoff-phone", "waiting", |t| {
        t.contains("等待手机扫码")
    })
    .await;
    screenshot(&desk, "9-handoff-desktop").await;

    // The phone: opens the link, shoots the three photos, each sent to the computer.
    phone.goto(&link).await.expect("open the link");
    wait_text(&desk, "#handoff-phone", "claimed", |t| {
        t.contains("手机已打开")
    })
    .await;
    // It is the shop's page, says what it is for, which photos and how long the link lasts,
    // and switches to English.
    wait_text(&phone, "header.top h1", "the brand", |t| {
        t == "号卡在线办理"
    })
    .await;
    wait_text(&phone, "#handoff-purpose", "the purpose", |t| {
        t.contains("为您在电脑上填写的号卡订单拍摄照片，拍好的照片会自动回到电脑上")
    })
    .await;
    wait_text(&phone, "#handoff-photos", "the photos", |t| {
        t.contains("身份证人像面、身份证国徽面、半身照（共3张）")
    })
    .await;
    wait_text(&phone, "#handoff-link-expiry", "the lifetime", |t| {
        t.contains("本链接有效期还剩 ")
    })
    .await;
    assert_accessible(&phone, "handoff phone page").await;
    screenshot(&phone, "9-handoff-phone-intro").await;
    click(&phone, "#lang-toggle").await;
    wait_text(&phone, "header.top h1", "the brand in English", |t| {
        t == "Order a number card"
    })
    .await;
    wait_text(&phone, "#handoff-purpose", "the purpose in English", |t| {
        t.contains("number-card order you are filling in on your computer")
    })
    .await;
    wait_text(&phone, "#handoff-photos", "the photos in English", |t| {
        t.contains("(3 photos)")
    })
    .await;
    assert_eq!(
        phone
            .execute("return document.documentElement.lang;", vec![])
            .await
            .expect("lang"),
        json!("en")
    );
    assert_accessible(&phone, "handoff phone page, English").await;
    screenshot(&phone, "9-handoff-phone-intro-en").await;
    click(&phone, "#lang-toggle").await;
    wait_text(
        &phone,
        "#handoff-purpose",
        "the purpose in Chinese again",
        |t| t.starts_with("为您"),
    )
    .await;
    for (n, photo) in [(1, "face"), (2, "back"), (3, "hand")] {
        wait_text(&phone, "#capture-position", photo, |t| {
            t == format!("{n} / 3")
        })
        .await;
        shoot(&phone, photo, true).await;
        if n == 1 {
            screenshot(&phone, "9-handoff-phone-preview").await;
        }
        click(&phone, "#use-photo").await;
        if n == 3 {
            // The last one completes the handoff: the computer closes the frame (below).
            break;
        }
        // The computer lists it as received.
        let li = format!("ul.handoff-parts li[data-part='{photo}'].got");
        desk.wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(&li))
            .await
            .unwrap_or_else(|e| panic!("{photo} never arrived on the computer: {e}"));
        if n == 2 {
            screenshot(&desk, "9-handoff-desktop-arriving").await;
        }
    }
    wait_text(&phone, "#capture-done", "done", |t| t.contains("电脑")).await;
    screenshot(&phone, "9-handoff-phone-done").await;

    // The computer goes on by itself: the frame closes and the three photos are on the page.
    desk.enter_parent_frame()
        .await
        .expect("back to the status page");
    let deadline = Instant::now() + Duration::from_secs(15);
    while desk.find(Locator::Css("#capture-frame")).await.is_ok() {
        assert!(Instant::now() < deadline, "the capture frame stayed open");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let thumbs = desk
        .find_all(Locator::Css("img.thumb"))
        .await
        .expect("thumbs");
    assert_eq!(thumbs.len(), 3, "three photos on the status page");
    screenshot(&desk, "9-handoff-desktop-done").await;
    click(&desk, "#photos-submit").await;
    wait_text_for(
        &desk,
        "#order-state",
        "审核中 or later",
        Duration::from_secs(60),
        |t| t == "审核中" || t == "已发货",
    )
    .await;
    let vendor = stack.vendor_orders().await;
    assert_eq!(vendor.len(), 1, "{vendor:?}");
    assert_eq!(vendor[0]["photos"], true, "{vendor:?}");

    // Nothing of the handoff is kept, and its link does nothing now.
    assert_eq!(count(&stack, "handoffs"), 0);
    assert_eq!(count(&stack, "handoff_photos"), 0);
    phone
        .execute("sessionStorage.clear();", vec![])
        .await
        .expect("forget the tab's claim");
    phone.goto(&link).await.expect("open the link again");
    wait_text(&phone, "#handoff-refused", "refused", |t| {
        t.contains("二维码")
    })
    .await;
    desk.close().await.expect("close");
    phone.close().await.expect("close");
}
