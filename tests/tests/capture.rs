//! The capture page on its own (`/capture/?photos=face`) in headless Chromium whose camera
//! permission is refused: the refusal screen says how to allow it, and the file fallback
//! completes. A HEIC file this browser cannot read gets plain words. Through it, the pipeline: a 12 MP JPEG with EXIF orientation 6 comes out upright,
//! a 24 MP PNG becomes a JPEG under 2 MiB, and blurred and dark pictures get the right words
//! while a sharp one passes. The half-length portrait needs a face: an ID card chosen as the
//! portrait is refused in plain words, a person passes. With a (fake) camera the viewfinder
//! shows the camera's whole frame, so the saved photo has the viewfinder's aspect ratio and
//! the guide is drawn over that same frame. axe-core checks the intro, camera and preview
//! screens. Screenshots go to `target/e2e/screens/`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail loudly

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
    time::Duration,
};

use fantoccini::{Client, Locator};
use haoka_e2e::{
    Workerd, camera_picture,
    chrome::{
        Camera, assert_accessible, attr, browser, capture_result, chromedriver, click, screenshot,
        wait_text,
    },
    id_card_picture, jpeg_bytes, person_picture, root,
};

/// One worker for the file: the capture page keeps its photos in the browser (each test has
/// its own), and the worker here only serves the page, so the tests share it.
fn worker() -> &'static Workerd {
    static W: OnceLock<Workerd> = OnceLock::new();
    W.get_or_init(|| Workerd::start(&[]))
}

/// A test picture file under `target/e2e/`.
fn picture(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = root().join("target/e2e");
    std::fs::create_dir_all(&dir).expect("e2e dir");
    let path = dir.join(format!("{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write picture");
    path
}

/// From the preview: retake, meet the refusal again, choose `file` instead.
async fn retake_with(c: &Client, file: &Path) {
    click(c, "#retake").await;
    choose_file(c, file).await;
}

/// On the refusal screen: choose `file` with the fallback input.
async fn choose_file(c: &Client, file: &Path) {
    wait_text(c, "#camera-denied", "the refusal screen", |t| !t.is_empty()).await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#capture-file"))
        .await
        .expect("the file fallback")
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the file");
    c.wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("#capture-preview"))
        .await
        .expect("the preview");
}

#[tokio::test]
async fn without_the_camera_files_go_through_the_same_checks_and_come_out_upright() {
    let worker = worker();
    let driver = chromedriver();
    let c = browser(&driver, Camera::Refused).await;
    c.goto(&format!("{}/capture/?photos=face", worker.url()))
        .await
        .expect("open the capture page");
    wait_text(&c, "#capture-position", "the first photo", |t| t == "1 / 1").await;
    click(&c, "#open-camera").await;
    wait_text(&c, "#camera-denied", "the refusal screen", |t| {
        t == "需要相机权限"
    })
    .await;
    screenshot(&c, "capture-denied").await;

    // An iPhone HEIC this browser cannot decode: said plainly, and the camera is offered again.
    let mut heic = vec![0, 0, 0, 24];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    heic.extend_from_slice(&[0x5A; 4096]);
    let heic = picture("photo.heic", &heic);
    c.find(Locator::Css("#capture-file"))
        .await
        .expect("the file fallback")
        .send_keys(&heic.display().to_string())
        .await
        .expect("choose the HEIC");
    wait_text(&c, "#capture-error", "the HEIC words", |t| {
        t == "此浏览器无法读取 HEIC 格式的照片，请选择 JPEG 或 PNG 照片，或直接使用相机拍摄"
    })
    .await;
    click(&c, "#open-camera").await;

    // A 12 MP phone JPEG stored landscape with EXIF orientation 6 ("turn 90° clockwise").
    let card = id_card_picture(4000, 3000);
    let rotated = picture("rotated.jpg", &jpeg_bytes(&card, Some(6)));
    choose_file(&c, &rotated).await;
    let (w, h, bytes, problems) = capture_result(&c).await;
    assert_eq!((w, h), (1536, 2048), "upright, long side 2048");
    assert!(bytes <= 2 * 1024 * 1024, "{bytes}");
    assert_eq!(problems, "", "a sharp card passes");
    screenshot(&c, "capture-rotated").await;

    // A 24 MP PNG becomes a JPEG of long side 2048 under 2 MiB.
    let big = id_card_picture(6000, 4000);
    let mut png = Vec::new();
    big.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode png");
    let png = picture("big.png", &png);
    retake_with(&c, &png).await;
    let (w, h, bytes, problems) = capture_result(&c).await;
    assert_eq!((w, h), (2048, 1365));
    assert!(bytes <= 2 * 1024 * 1024, "{bytes}");
    assert_eq!(problems, "");

    // Blurred: out of focus, said in plain words.
    let blurred = image::imageops::blur(&id_card_picture(1600, 1000), 6.0);
    let blurred = picture("blurred.jpg", &jpeg_bytes(&blurred, None));
    retake_with(&c, &blurred).await;
    let (_, _, _, problems) = capture_result(&c).await;
    assert_eq!(problems, "照片模糊，请对焦后重拍");
    // After two retakes the person may use a flawed photo anyway.
    c.find(Locator::Css("#use-photo"))
        .await
        .expect("use it anyway after two retakes");
    screenshot(&c, "capture-blurred").await;

    // Dark.
    let mut dark = id_card_picture(1600, 1000);
    for p in dark.pixels_mut() {
        p.0 = p.0.map(|v| (u16::from(v) * 15 / 100) as u8);
    }
    let dark = picture("dark.jpg", &jpeg_bytes(&dark, None));
    retake_with(&c, &dark).await;
    let (_, _, _, problems) = capture_result(&c).await;
    assert_eq!(problems, "照片太暗，请到光线充足处重拍");
    // Used anyway: the photo goes out with its flag (what the order form sends to the edge).
    c.execute(
        "window.__flags = []; addEventListener('message', e => window.__flags.push(e.data.flag));",
        vec![],
    )
    .await
    .expect("listen");
    click(&c, "#use-photo").await;
    wait_text(&c, "#capture-done", "all done", |t| !t.is_empty()).await;
    let flags = c
        .execute("return window.__flags;", vec![])
        .await
        .expect("flags");
    let flag: serde_json::Value =
        serde_json::from_str(flags[0].as_str().expect("a flag")).expect("flag JSON");
    assert_eq!(
        flag,
        serde_json::json!({"slot": "id_face", "problems": ["too_dark"], "retakes": 3})
    );
    c.close().await.expect("close browser");
}

#[tokio::test]
async fn an_id_card_is_refused_as_the_portrait_and_a_person_passes() {
    let worker = worker();
    let driver = chromedriver();
    let c = browser(&driver, Camera::Refused).await;
    c.goto(&format!("{}/capture/?photos=hand", worker.url()))
        .await
        .expect("open the capture page");
    wait_text(&c, "#capture-position", "the portrait", |t| t == "1 / 1").await;
    assert_accessible(&c, "capture intro (portrait)").await;
    screenshot(&c, "capture-portrait-intro").await;
    click(&c, "#open-camera").await;

    // The ID card, chosen as the portrait: refused, and said why.
    let card = picture(
        "card-as-portrait.jpg",
        &jpeg_bytes(&id_card_picture(1600, 1000), None),
    );
    choose_file(&c, &card).await;
    let (_, _, _, problems) = capture_result(&c).await;
    assert_eq!(problems, "没有检测到人脸，请拍摄本人半身照");
    // Desktop Linux Chromium has no FaceDetector: the skin model decided.
    let method = attr(&c, "#capture-facts", "data-face").await;
    assert!(
        matches!(method.as_deref(), Some("skin" | "detector")),
        "{method:?}"
    );
    assert!(
        c.find(Locator::Css("#use-photo")).await.is_err(),
        "a faceless portrait cannot be used before two retakes"
    );
    assert_accessible(&c, "capture preview (refused)").await;
    screenshot(&c, "capture-portrait-refused").await;

    // A half-length photo of a person passes.
    let person = picture("person.jpg", &jpeg_bytes(&person_picture(1200, 1600), None));
    retake_with(&c, &person).await;
    let (w, h, _, problems) = capture_result(&c).await;
    assert_eq!(problems, "", "a person passes");
    assert_eq!((w, h), (1200, 1600));
    assert_accessible(&c, "capture preview (accepted)").await;
    screenshot(&c, "capture-portrait-accepted").await;
    click(&c, "#use-photo").await;
    wait_text(&c, "#capture-done", "all done", |t| !t.is_empty()).await;
    c.close().await.expect("close browser");
}

/// The width ÷ height of the element `css` as laid out.
async fn laid_out_ratio(c: &Client, css: &str) -> f64 {
    let r = c
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
             return r.width / r.height;",
            vec![serde_json::json!(css)],
        )
        .await
        .expect("bounding box");
    r.as_f64().expect("a ratio")
}

#[tokio::test]
async fn the_viewfinder_shows_the_whole_frame_that_is_saved() {
    let worker = worker();
    let driver = chromedriver();
    let camera = root()
        .join("target/e2e")
        .join(format!("capture-camera-{}.mjpeg", std::process::id()));
    camera_picture(&camera, 2560, 1600);
    let c = browser(&driver, Camera::Shows(&camera)).await;
    c.goto(&format!("{}/capture/?photos=hand", worker.url()))
        .await
        .expect("open the capture page");
    wait_text(&c, "#capture-position", "the portrait", |t| t == "1 / 1").await;
    click(&c, "#open-camera").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while attr(&c, "#shutter", "disabled").await.is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the shutter never enabled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let frame = c
        .execute(
            "const v = document.querySelector('video'); return [v.videoWidth, v.videoHeight];",
            vec![],
        )
        .await
        .expect("the frame size");
    let (fw, fh) = (frame[0].as_f64().unwrap(), frame[1].as_f64().unwrap());
    let frame_ratio = fw / fh;
    let box_ratio = laid_out_ratio(&c, ".viewfinder").await;
    let guide_ratio = laid_out_ratio(&c, ".viewfinder svg.frame").await;
    assert!(
        (box_ratio / frame_ratio - 1.0).abs() < 0.01,
        "the viewfinder {box_ratio} crops the frame {fw} × {fh}"
    );
    assert!(
        (guide_ratio / frame_ratio - 1.0).abs() < 0.01,
        "the guide {guide_ratio} is not over the frame {fw} × {fh}"
    );
    assert_accessible(&c, "capture camera").await;
    screenshot(&c, "capture-camera").await;

    // The camera's picture (a person holding their card) passes the portrait's checks, and
    // the saved photo has the viewfinder's shape.
    click(&c, "#shutter").await;
    let (w, h, _, problems) = capture_result(&c).await;
    assert_eq!(problems, "", "the camera's person passes as the portrait");
    assert_eq!((w, h), (2048, 1152), "the whole 2560 × 1440 frame, scaled");
    let saved = f64::from(w) / f64::from(h);
    assert!(
        (saved / box_ratio - 1.0).abs() < 0.01,
        "saved {w} × {h}, the viewfinder showed {box_ratio}"
    );
    screenshot(&c, "capture-camera-preview").await;
    c.close().await.expect("close browser");
}
