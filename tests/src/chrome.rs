//! Headless Chromium for the browser journeys: chromedriver on loopback, a phone-sized window
//! (360 × 740) with a fake camera or a computer without one, and the few waits, clicks and
//! capture-page steps the journeys share.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::{Server, free_port, root, wait_for_port};

/// What the browser's camera does.
#[derive(Debug, Clone, Copy)]
pub enum Camera<'a> {
    /// A fake camera showing this picture, the permission granted.
    Shows(&'a Path),
    /// A fake camera whose permission prompt is refused.
    Refused,
}

/// Start chromedriver on a free loopback port.
pub fn chromedriver() -> Server {
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

/// Headless Chromium at 360 × 740 with a fake camera (see [`Camera`]).
pub async fn browser(driver: &Server, camera: Camera<'_>) -> Client {
    launch(driver, Some(camera)).await
}

/// Headless Chromium as a computer without a camera: a 1280 × 800 window, a mouse, and no
/// video device at all.
pub async fn desktop_browser(driver: &Server) -> Client {
    launch(driver, None).await
}

async fn launch(driver: &Server, camera: Option<Camera<'_>>) -> Client {
    let profile = root().join("target/e2e").join(format!(
        "chrome-profile-{}-{}",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_dir_all(&profile);
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
    ]
    .map(str::to_owned)
    .to_vec();
    let phone = camera.is_some();
    if phone {
        args.push("--window-size=360,740".into());
        args.push("--use-fake-device-for-media-stream".into());
    } else {
        args.push("--window-size=1280,800".into());
    }
    match camera {
        None => {}
        Some(Camera::Shows(picture)) => {
            args.push("--use-fake-ui-for-media-stream".into());
            args.push(format!(
                "--use-file-for-fake-video-capture={}",
                picture.display()
            ));
        }
        // Headless Chromium answers an unanswered permission prompt with "deny".
        Some(Camera::Refused) => args.push("--deny-permission-prompts".into()),
    }
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut options = json!({ "binary": "/usr/bin/chromium", "args": args });
    if phone {
        // Headless windows are at least 500 px wide: emulate the phone's viewport (and its
        // touch screen) instead.
        options["mobileEmulation"] = json!({ "deviceMetrics": { "width": 360, "height": 740, "pixelRatio": 1, "touch": true } });
    }
    let caps = json!({ "goog:chromeOptions": options });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .expect("connect to chromedriver")
}

/// Wait (bounded, 20 s) until the element's text satisfies `pred`; returns the text.
pub async fn wait_text(c: &Client, css: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
    wait_text_for(c, css, what, Duration::from_secs(20), pred).await
}

/// As [`wait_text`], for work in the background (the queue, the vendor) that a loaded
/// machine may take longer over: bounded by `within`.
pub async fn wait_text_for(
    c: &Client,
    css: &str,
    what: &str,
    within: Duration,
    pred: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + within;
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
pub fn by_label(label: &str) -> String {
    format!(
        "//label[normalize-space()='{label}']/following-sibling::*[self::input or self::select][1]"
    )
}

/// Replace the text of the input labelled `label`.
pub async fn type_into(c: &Client, label: &str, text: &str) {
    let el = c
        .find(Locator::XPath(&by_label(label)))
        .await
        .unwrap_or_else(|e| panic!("field {label}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

/// Choose `value` in the select labelled `label`, once that option exists.
pub async fn choose(c: &Client, label: &str, value: &str) {
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

/// Wait (bounded) for `css` and click it.
pub async fn click(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Wait (bounded) for `css` and return an attribute of it.
pub async fn attr(c: &Client, css: &str, name: &str) -> Option<String> {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .attr(name)
        .await
        .unwrap_or_else(|e| panic!("{css}[{name}]: {e}"))
}

/// Save a screenshot as `target/e2e/screens/{name}.png`.
pub async fn screenshot(c: &Client, name: &str) {
    let dir = root().join("target/e2e/screens");
    std::fs::create_dir_all(&dir).expect("screens dir");
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

/// What the capture page's preview shows: (width, height, bytes, problems in words).
pub async fn capture_result(c: &Client) -> (u32, u32, u64, String) {
    let num = |v: Option<String>| v.unwrap_or_default().parse::<u64>().unwrap_or(0);
    let width = num(attr(c, "#capture-facts", "data-width").await) as u32;
    let height = num(attr(c, "#capture-facts", "data-height").await) as u32;
    let bytes = num(attr(c, "#capture-facts", "data-bytes").await);
    let problems = c
        .find(Locator::Css("#capture-problems"))
        .await
        .expect("problems")
        .text()
        .await
        .unwrap_or_default();
    (width, height, bytes, problems)
}

/// Wait for the capture page's frame over the form and switch into it.
pub async fn enter_capture_frame(c: &Client) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#capture-frame"))
        .await
        .expect("the capture frame")
        .enter_frame()
        .await
        .expect("enter the capture frame");
}

/// In the capture page: open the camera (from the photo's explanation, or already opening
/// after a retake), check the shutter stayed disabled until the video
/// showed frames, shoot, and check the result (a JPEG of long side 2048 under 2 MiB, no
/// problem found). Leaves the preview open.
pub async fn shoot(c: &Client, photo: &str, from_intro: bool) {
    // Record the shutter's `disabled` state at every change, from before it exists.
    c.execute(
        "window.__shutter = []; new MutationObserver(() => { const b = document.getElementById('shutter'); \
         const v = document.querySelector('video'); if (b) window.__shutter.push([b.disabled, \
         !!v && v.videoWidth > 0 && v.currentTime > 0]); }).observe(document.body, \
         {subtree: true, childList: true, attributes: true});",
        vec![],
    )
    .await
    .expect("observe the shutter");
    if from_intro {
        click(c, "#open-camera").await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while attr(c, "#shutter", "disabled").await.is_some() {
        assert!(
            Instant::now() < deadline,
            "{photo}: the shutter never enabled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = c
        .execute("return window.__shutter;", vec![])
        .await
        .expect("shutter states");
    let seen = seen.as_array().expect("states");
    // From the explanation the camera screen is drawn after the observer starts, so its
    // first state is seen. After a retake the camera may already be showing frames, the
    // shutter enabled, before the observer starts (a busy machine): nothing to see then.
    if from_intro || !seen.is_empty() {
        assert_eq!(
            seen.first().map(|s| &s[0]),
            Some(&serde_json::Value::Bool(true)),
            "{photo}: the shutter was enabled at once: {seen:?}"
        );
    }
    for state in seen {
        // Enabled only with frames on the video.
        assert!(state[0] == true || state[1] == true, "{photo}: {seen:?}");
    }
    click(c, "#shutter").await;
    let (width, height, bytes, problems) = capture_result(c).await;
    // Chromium has workers with OffscreenCanvas: the JPEG is made off the page's thread.
    assert_eq!(
        attr(c, "#capture-facts", "data-encoder").await.as_deref(),
        Some("worker"),
        "{photo}: encoded on the page"
    );
    // The page asks the camera for 2560 × 1440 (the fake one scales its picture to that).
    assert_eq!(
        (width, height),
        (2048, 1152),
        "{photo}: 2560 × 1440, scaled"
    );
    assert!(
        bytes > 0 && bytes <= 2 * 1024 * 1024,
        "{photo}: {bytes} bytes"
    );
    if !problems.is_empty() {
        screenshot(c, &format!("failed-{photo}")).await;
    }
    assert!(problems.is_empty(), "{photo}: {problems}");
}

/// chromedriver's `POST /session/{id}/goog/cdp/execute`: one Chrome DevTools command in this
/// session. fantoccini's trait speaks `url` 2 and `http` 1, the very crates reqwest re-exports
/// (`reqwest::Url`, `reqwest::Method`; `url::ParseError` is `Url`'s `FromStr` error), so no
/// extra dependency is needed.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// Let this session's pages load scripts their CSP does not list: the order form's CSP allows
/// Turnstile's script from `https://challenges.cloudflare.com` only, and the browser tests
/// serve a fake of it from the loopback sandbox. The real CSP is asserted in `worker_api.rs`.
/// Call before navigating.
pub async fn bypass_csp(c: &Client) {
    c.issue_cmd(Cdp {
        cmd: "Page.setBypassCSP",
        params: json!({ "enabled": true }),
    })
    .await
    .expect("Page.setBypassCSP");
}

/// What axe-core found on one page or step.
#[derive(Debug, Default)]
pub struct AxeReport {
    /// Rules that passed.
    pub passes: usize,
    /// Violations by impact: minor, moderate, serious, critical.
    pub by_impact: [usize; 4],
    /// The serious and critical ones, in words: rule, impact, help and where.
    pub blocking: Vec<String>,
}

/// Run axe-core (npm `axe-core`, from `node_modules`) on the page as it is now, in the
/// current frame, for the WCAG 2.x A and AA rules and axe's best practices. Prints a line of
/// figures (`axe {label}: …`) and returns the report.
pub async fn axe(c: &Client, label: &str) -> AxeReport {
    let loaded = c
        .execute("return typeof window.axe !== 'undefined';", vec![])
        .await
        .expect("axe loaded?");
    if loaded != json!(true) {
        let source = std::fs::read_to_string(root().join("node_modules/axe-core/axe.min.js"))
            .expect("node_modules/axe-core/axe.min.js (npm ci installs it)");
        // WebDriver's script runs outside the page's CSP.
        c.execute(&format!("{source}\nreturn true;"), vec![])
            .await
            .expect("inject axe-core");
    }
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {
               runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
               resultTypes: ['violations'],
             }).then(r => done({
               passes: r.passes.length,
               violations: r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
               })),
             }), e => done({ error: String(e) }));",
            vec![],
        )
        .await
        .expect("axe.run");
    assert!(result.get("error").is_none(), "axe.run failed: {result}");
    let mut report = AxeReport {
        passes: result["passes"].as_u64().unwrap_or(0) as usize,
        ..AxeReport::default()
    };
    for v in result["violations"].as_array().into_iter().flatten() {
        let impact = v["impact"].as_str().unwrap_or("");
        let slot = ["minor", "moderate", "serious", "critical"]
            .iter()
            .position(|i| *i == impact)
            .unwrap_or(0);
        report.by_impact[slot] += 1;
        if slot >= 2 {
            report.blocking.push(format!(
                "{} ({impact}): {} at {}",
                v["id"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                v["nodes"]
            ));
        }
    }
    let [minor, moderate, serious, critical] = report.by_impact;
    eprintln!(
        "axe {label}: {} rules passed; violations: {critical} critical, {serious} serious, \
         {moderate} moderate, {minor} minor",
        report.passes
    );
    report
}

/// [`axe`], failing the test on any serious or critical violation; also checks that the page
/// does not scroll sideways (`scrollWidth ≤ innerWidth`).
pub async fn assert_accessible(c: &Client, label: &str) {
    let report = axe(c, label).await;
    assert!(
        report.blocking.is_empty(),
        "axe-core on {label}: {:#?}",
        report.blocking
    );
    let widths = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    let (scroll, inner) = (widths[0].as_u64(), widths[1].as_u64());
    assert!(
        scroll <= inner,
        "{label} scrolls sideways: scrollWidth {scroll:?} > innerWidth {inner:?}"
    );
}

/// Make this session's pages see `ua` as the browser's user agent (`navigator.userAgent` and
/// the `User-Agent` header), as inside WeChat. Call before navigating.
pub async fn pretend_user_agent(c: &Client, ua: &str) {
    c.issue_cmd(Cdp {
        cmd: "Emulation.setUserAgentOverride",
        params: json!({ "userAgent": ua }),
    })
    .await
    .expect("Emulation.setUserAgentOverride");
}
