//! The desktop → phone handoff, both ends, in the capture page.
//!
//! - **Computer** ([`DeskHandoff`]): opens a handoff at the edge, shows its QR code (an SVG
//!   rendered at the edge, shown through a `blob:` URL so the CSP needs nothing new) and the
//!   link as text, then polls. Each photo the phone sends is fetched and handed to the opener
//!   exactly like one shot here; when all are in, it ends the handoff (the edge deletes the
//!   photos) and the opener goes on by itself.
//! - **Phone** ([`PhoneHandoff`], `/capture/?h=…`): a page of its own, under the shop's
//!   header with the language switch ([`PhoneHeader`]), saying what it is for, which photos
//!   and how long the link lasts (a page that only says "take photos of your ID card" would
//!   look like phishing). It claims the link once (a reload in the same tab keeps its claim in
//!   `sessionStorage`), then takes the photos with the same screens and uploads each one
//!   instead of posting it to a parent page.

use crate::sleep;
use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

use haoka_shared::api::{HandoffClaimed, HandoffCreated, HandoffPhoto};
use leptos::{prelude::*, task::spawn_local};

use super::{PhotoSequence, Sink, embed};
use crate::{
    api,
    api::ClientError,
    i18n::{Lang, tr, use_lang},
    photo::PhotoSide,
};

/// Between two looks at the handoff.
const POLL_MS: i32 = 1500;

/// Whether to offer the phone: anything whose main pointer is not a finger on a touch screen
/// (a computer's mouse or trackpad, or no pointer at all).
pub fn offer_phone() -> bool {
    !window()
        .match_media("(pointer: coarse)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

/// An object URL showing `svg`.
fn svg_url(svg: &str) -> String {
    let parts = js_sys::Array::of1(&svg.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/svg+xml");
    web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .and_then(|b| web_sys::Url::create_object_url_with_blob(&b))
        .unwrap_or_default()
}

/// "mm:ss" left until `expires_at_ms`.
fn left(expires_at_ms: i64, now_ms: f64) -> String {
    let secs = ((expires_at_ms as f64 - now_ms) / 1000.0).max(0.0) as i64;
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// The computer's invitation to use a phone instead.
#[component]
pub fn PhoneOffer(
    /// The person chose the phone.
    #[prop(into)]
    on_choose: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="card handoff-offer">
            <p class="hint">
                {move || lang.get().pick(
                    "电脑没有摄像头，或者想用手机拍？扫码后在手机上拍摄，照片会自动回到这里。",
                    "No camera here, or rather use your phone? Scan a code, shoot on the phone, and the photos come back here.",
                ).to_owned()}
            </p>
            <button type="button" class="secondary" id="handoff-start" on:click=move |_| on_choose.run(())>
                {move || lang.get().pick("用手机拍照", "Use my phone").to_owned()}
            </button>
        </section>
    }
}

/// The computer's side, from the QR code to every photo in.
#[derive(Clone)]
enum Desk {
    Opening,
    Open(HandoffCreated, String),
    Expired,
    Failed(ClientError),
    Done,
}

/// The computer's side: QR code, each photo arriving, then on by itself.
#[component]
pub fn DeskHandoff(
    /// The photos still wanted.
    sides: Vec<PhotoSide>,
    /// Back to shooting on this computer.
    #[prop(into)]
    on_back: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let state = RwSignal::new(Desk::Opening);
    let claimed = RwSignal::new(false);
    let now = RwSignal::new(js_sys::Date::now());
    // Delivered photos: part, the phone's send time, a thumbnail URL.
    let got = RwSignal::new(Vec::<(String, i64, String)>::new());
    let generation = Arc::new(AtomicU32::new(0));
    let parts: Vec<&'static str> = sides.iter().map(|s| embed::part(*s)).collect();
    let start = {
        let generation = generation.clone();
        let parts = parts.clone();
        Callback::new(move |()| {
            let mine = generation.fetch_add(1, Ordering::SeqCst) + 1;
            let generation = generation.clone();
            let parts = parts.clone();
            state.set(Desk::Opening);
            spawn_local(async move {
                match api::handoff_open(&parts).await {
                    Ok(created) => {
                        let qr = svg_url(&created.qr_svg);
                        let token = created.token.clone();
                        let expires = created.expires_at_ms;
                        state.set(Desk::Open(created, qr));
                        let live = move || generation.load(Ordering::SeqCst) == mine;
                        watch(token, expires, parts.len(), live, claimed, now, got, state).await;
                    }
                    Err(e) => state.set(Desk::Failed(e)),
                }
            });
        })
    };
    start.run(());
    on_cleanup({
        let generation = generation.clone();
        move || {
            generation.fetch_add(1, Ordering::SeqCst);
            if let Desk::Open(created, qr) = state.get_untracked() {
                let _ = web_sys::Url::revoke_object_url(&qr);
                spawn_local(async move {
                    let _ = api::handoff_end(&created.token).await;
                });
            }
            for (_, _, url) in got.get_untracked() {
                let _ = web_sys::Url::revoke_object_url(&url);
            }
        }
    });
    let t = move |zh: &'static str, en: &'static str| move || lang.get().pick(zh, en).to_owned();
    let list = move || {
        sides
            .iter()
            .map(|side| {
                let part = embed::part(*side);
                let (zh, en) = side.label();
                let thumb = move || {
                    got.get()
                        .into_iter()
                        .find(|(p, _, _)| p == part)
                        .map(|(_, _, url)| url)
                };
                view! {
                    <li data-part=part class:got=move || thumb().is_some()>
                        <span>{move || lang.get().pick(zh, en).to_owned()}</span>
                        {move || match thumb() {
                            Some(url) => view! {
                                <img class="thumb" src=url alt="" />
                                <span class="ok">{lang.get().pick("已收到", "Received").to_owned()}</span>
                            }.into_any(),
                            None => view! {
                                <span class="hint">{lang.get().pick("等待中…", "Waiting…").to_owned()}</span>
                            }.into_any(),
                        }}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card handoff" id="handoff">
            <h2>{t("用手机扫码拍照", "Shoot on your phone")}</h2>
            {move || match state.get() {
                Desk::Opening => view! {
                    <p class="hint" id="handoff-opening">{t("正在生成二维码…", "Making the QR code…")}</p>
                }.into_any(),
                Desk::Open(created, qr) => {
                    let expires = created.expires_at_ms;
                    let url = created.phone_url.clone();
                    view! {
                        <img id="handoff-qr" class="qr" src=qr alt="QR" width="240" height="240" />
                        <p class="hint">{t(
                            "用手机相机或微信“扫一扫”扫描二维码，在手机上拍摄下列照片，照片会自动出现在这里。",
                            "Scan the code with the phone's camera or WeChat, shoot the photos below on the phone, and they appear here.",
                        )}</p>
                        <p class="hint" id="handoff-expiry">
                            {t("二维码有效期还剩 ", "The code works for another ")}
                            {move || left(expires, now.get())}
                            {t("，仅可使用一次", "; it works once")}
                        </p>
                        <p class="hint" id="handoff-phone">
                            {move || if claimed.get() {
                                lang.get().pick("手机已打开链接，请在手机上拍摄", "The phone opened the link; shoot on the phone")
                            } else {
                                lang.get().pick("等待手机扫码…", "Waiting for the phone to scan…")
                            }.to_owned()}
                        </p>
                        <p class="hint link">
                            {t("无法扫码？在手机浏览器打开：", "Cannot scan? Open this on the phone: ")}
                            <a id="handoff-link" href=url.clone()>{url.clone()}</a>
                        </p>
                    }.into_any()
                }
                Desk::Expired => view! {
                    <p class="error" id="handoff-expired" role="alert">
                        {t("二维码已过期，请重新生成", "The QR code has expired; make a new one")}
                    </p>
                    <button type="button" id="handoff-renew" on:click=move |_| start.run(())>
                        {t("重新生成二维码", "New QR code")}
                    </button>
                }.into_any(),
                Desk::Failed(e) => view! {
                    <p class="error" id="handoff-failed" role="alert">{move || e.message(lang.get())}</p>
                    <button type="button" id="handoff-renew" on:click=move |_| start.run(())>
                        {t("重试", "Retry")}
                    </button>
                }.into_any(),
                Desk::Done => view! {
                    <p class="ok" id="handoff-done">{t("照片已全部收到", "All photos received")}</p>
                }.into_any(),
            }}
            <ul class="handoff-parts">{list}</ul>
            <button type="button" class="secondary" id="handoff-back" on:click=move |_| on_back.run(())>
                {t("改用本机拍摄", "Use this computer instead")}
            </button>
        </section>
    }
}

/// Poll the handoff while `live()`: deliver each new (or retaken) photo to the opener, and
/// when all `wanted` are in, end the handoff and tell the opener it is done.
#[allow(clippy::too_many_arguments)] // the signals of one component
async fn watch(
    token: String,
    expires_at_ms: i64,
    wanted: usize,
    live: impl Fn() -> bool,
    claimed: RwSignal<bool>,
    now: RwSignal<f64>,
    got: RwSignal<Vec<(String, i64, String)>>,
    state: RwSignal<Desk>,
) {
    while live() {
        match api::handoff_status(&token).await {
            Ok(status) => {
                claimed.set(status.claimed);
                for photo in &status.received {
                    let known = got
                        .get_untracked()
                        .iter()
                        .any(|(p, at, _)| *p == photo.part && *at == photo.at_ms);
                    if !known && live() {
                        deliver(&token, photo, got).await;
                    }
                }
                if status.complete && got.get_untracked().len() >= wanted && live() {
                    let _ = api::handoff_end(&token).await;
                    state.set(Desk::Done);
                    embed::post_done();
                    return;
                }
            }
            Err(ClientError::Refused { status: 410, .. }) => {
                state.set(Desk::Expired);
                return;
            }
            // Anything else (offline a moment, a 5xx): look again.
            Err(_) => {}
        }
        now.set(js_sys::Date::now());
        if now.get_untracked() > expires_at_ms as f64 + 2000.0 {
            state.set(Desk::Expired);
            return;
        }
        sleep(POLL_MS).await;
    }
}

/// Fetch one photo the phone sent and hand it to the opener; a failure is retried by the
/// next look.
async fn deliver(token: &str, photo: &HandoffPhoto, got: RwSignal<Vec<(String, i64, String)>>) {
    let Some(side) = embed::side_of(&photo.part) else {
        return;
    };
    let Ok(blob) = api::handoff_photo(token, &photo.part).await else {
        return;
    };
    embed::post_blob(
        side,
        &blob,
        (photo.width, photo.height),
        photo.bytes,
        &photo.flag,
    );
    let url = web_sys::Url::create_object_url_with_blob(&blob).unwrap_or_default();
    got.update(|list| {
        if let Some(i) = list.iter().position(|(p, _, _)| *p == photo.part) {
            let (_, _, old) = list.remove(i);
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        list.push((photo.part.clone(), photo.at_ms, url));
    });
}

/// The phone's side, from the claim to the photos taken.
#[derive(Clone)]
enum Phone {
    Claiming,
    Ready(HandoffClaimed),
    Refused(ClientError),
}

/// Where this tab keeps its claim of `link`, so a reload does not spend the link twice.
fn claim_key(link: &str) -> String {
    format!("haoka-handoff:{link}")
}

fn kept_claim(link: &str) -> Option<HandoffClaimed> {
    let storage = window().session_storage().ok().flatten()?;
    let text = storage.get_item(&claim_key(link)).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

fn keep_claim(link: &str, claimed: &HandoffClaimed) {
    if let (Some(storage), Ok(text)) = (
        window().session_storage().ok().flatten(),
        serde_json::to_string(claimed),
    ) {
        let _ = storage.set_item(&claim_key(link), &text);
    }
}

/// The shop's header on the phone's page, as on the main app: the brand (a link to the shop)
/// and the 中文/English switch.
#[component]
pub fn PhoneHeader() -> impl IntoView {
    let lang = use_context::<RwSignal<Lang>>();
    let switch = move |_| {
        if let Some(lang) = lang {
            lang.update(|l| *l = l.other());
        }
    };
    let current = use_lang();
    view! {
        <header class="top">
            <a href="/">
                <h1>{tr("号卡在线办理", "Order a number card")}</h1>
            </a>
            // A real button, so keyboards and screen readers can switch language too.
            <button type="button" class="lang" id="lang-toggle" on:click=switch>
                {move || current.get().pick("English", "中文")}
            </button>
        </header>
    }
}

/// "身份证人像面、…（共3张）": the photos a handoff asks for, in one language.
fn photo_list(sides: &[PhotoSide], lang: Lang) -> String {
    let names: Vec<&str> = sides
        .iter()
        .map(|s| {
            let (zh, en) = s.label();
            lang.pick(zh, en)
        })
        .collect();
    match lang {
        Lang::Zh => format!("{}（共{}张）", names.join("、"), sides.len()),
        Lang::En => {
            let count = if sides.len() == 1 {
                "1 photo".to_owned()
            } else {
                format!("{} photos", sides.len())
            };
            format!("{} ({count})", names.join("; "))
        }
    }
}

/// What the phone's page is for, which photos it takes and how long its link lasts.
#[component]
fn PhoneIntro(
    /// The photos asked for.
    sides: Vec<PhotoSide>,
    /// When the link stops working, Unix ms.
    expires_at_ms: i64,
) -> impl IntoView {
    let lang = use_lang();
    let now = RwSignal::new(js_sys::Date::now());
    if let Ok(timer) = set_interval_with_handle(
        move || now.set(js_sys::Date::now()),
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || timer.clear());
    }
    let t = move |zh: &'static str, en: &'static str| move || lang.get().pick(zh, en).to_owned();
    view! {
        <section class="card handoff-phone" id="handoff-phone-intro">
            <h2>{t("在手机上拍摄订单照片", "Photos for your order, on this phone")}</h2>
            <p class="purpose" id="handoff-purpose">{t(
                "为您在电脑上填写的号卡订单拍摄照片，拍好的照片会自动回到电脑上。",
                "Take the photos for the number-card order you are filling in on your computer; each photo goes back to the computer by itself.",
            )}</p>
            <p class="hint" id="handoff-photos">
                {t("需要拍摄：", "To take: ")}
                {move || photo_list(&sides, lang.get())}
            </p>
            <p class="hint" id="handoff-link-expiry">
                {t("本链接有效期还剩 ", "This link works for another ")}
                {move || left(expires_at_ms, now.get())}
                {t("，过期后请在电脑上重新生成二维码。", "; after that, make a new QR code on the computer.")}
            </p>
        </section>
    }
}

/// The phone's side: claim the QR link, then shoot and upload the photos asked for.
#[component]
pub fn PhoneHandoff(
    /// The `h` of the link.
    link: String,
) -> impl IntoView {
    let lang = use_lang();
    let state = RwSignal::new(Phone::Claiming);
    spawn_local(async move {
        if let Some(kept) = kept_claim(&link) {
            state.set(Phone::Ready(kept));
            return;
        }
        match api::handoff_claim(&link).await {
            Ok(claimed) => {
                keep_claim(&link, &claimed);
                state.set(Phone::Ready(claimed));
            }
            Err(e) => state.set(Phone::Refused(e)),
        }
    });
    move || {
        match state.get() {
        Phone::Claiming => view! {
            <p class="card hint" id="handoff-claiming">
                {move || lang.get().pick("正在连接电脑…", "Connecting to the computer…").to_owned()}
            </p>
        }
        .into_any(),
        Phone::Ready(claimed) => {
            let sides: Vec<PhotoSide> = claimed
                .photos
                .iter()
                .filter_map(|p| embed::side_of(p))
                .collect();
            let index = RwSignal::new(0usize);
            let intro = sides.clone();
            view! {
                <PhoneIntro sides=intro expires_at_ms=claimed.expires_at_ms />
                <PhotoSequence sides sink=Sink::Handoff(claimed.upload_token) index />
            }
            .into_any()
        }
        Phone::Refused(e) => view! {
            <section class="card" id="handoff-refused">
                <h2>{move || lang.get().pick("无法打开拍照链接", "This photo link cannot be used").to_owned()}</h2>
                <p class="error" role="alert">{move || e.message(lang.get())}</p>
            </section>
        }
        .into_any(),
    }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phone_names_the_photos_in_either_language() {
        let all = PhotoSide::ALL;
        assert_eq!(
            photo_list(&all, Lang::Zh),
            "身份证人像面、身份证国徽面、半身照（共3张）"
        );
        assert_eq!(
            photo_list(&all, Lang::En),
            "ID card, photo side; ID card, emblem side; Half-length photo of you (3 photos)"
        );
        assert_eq!(
            photo_list(&[PhotoSide::Hand], Lang::En),
            "Half-length photo of you (1 photo)"
        );
    }

    #[test]
    fn time_left_reads_as_minutes_and_seconds_never_negative() {
        assert_eq!(left(1_000_000 + 600_000, 1_000_000.0), "10:00");
        assert_eq!(left(1_000_000 + 61_500, 1_000_000.0), "1:01");
        assert_eq!(left(1_000_000, 1_000_500.0), "0:00");
    }
}
