//! The screens of one photo: explanation, live camera, permission refused, progress, preview.

use haoka_capture_core::{
    Size,
    quality::may_continue_anyway,
    viewfinder::{self, DEFAULT_FRAME, Guide},
};
use leptos::{html, prelude::*};
use send_wrapper::SendWrapper;
use web_sys::{Blob, HtmlInputElement, HtmlVideoElement, MediaStream};

use super::{
    camera::{CameraError, Facing},
    pipeline::{PipelineError, Processed, Stage},
};
use crate::{
    i18n::{tr, use_lang},
    photo::PhotoSide,
};

/// What to shoot (Chinese, English) for each photo.
fn advice(side: PhotoSide) -> (&'static str, &'static str) {
    match side {
        PhotoSide::Face => (
            "请拍摄身份证人像面：证件平放、四角完整、文字清晰，避免反光",
            "Photograph the ID card's photo side: flat, all four corners in view, text sharp, no glare",
        ),
        PhotoSide::Back => (
            "请拍摄身份证国徽面：证件平放、四角完整、有效期清晰，避免反光",
            "Photograph the ID card's emblem side: flat, all four corners in view, dates sharp, no glare",
        ),
        PhotoSide::Hand => (
            "请拍摄本人半身照：正对镜头、五官清晰、光线均匀，不戴帽子和墨镜",
            "Take a half-length photo of yourself: face the camera, even light, no hat or sunglasses",
        ),
    }
}

/// The framing guide drawn over the camera and on the example: an ID-1 card (85.6 × 54 mm)
/// or a head-and-shoulders outline, placed over `frame` (the camera's frame size, so the
/// guide sits where it will be in the saved photo; capture-core's `viewfinder` does the
/// maths). The shapes are drawn in their design space (a 100 × 133 portrait box) and moved
/// into the frame's view box by one transform; their line widths are divided by its scale so
/// they look the same at every size.
#[component]
fn Frame(
    /// Which photo.
    side: PhotoSide,
    /// The frame the guide is drawn over.
    #[prop(into)]
    frame: Signal<Size>,
) -> impl IntoView {
    let card = side != PhotoSide::Hand;
    let guide = if card { Guide::Card } else { Guide::Portrait };
    let view_box = move || {
        let (w, h) = viewfinder::view_box(frame.get());
        format!("0 0 {w} {h:.3}")
    };
    let place = Memo::new(move |_| viewfinder::placement(frame.get(), guide));
    let shapes = if card {
        // 90 wide → 90 × 54 / 85.6 = 56.8 high (viewfinder::CARD_DESIGN).
        view! {
            <rect x="5" y="38" width="90" height="56.8" rx="3.5" class="guide" />
            {(side == PhotoSide::Face).then(|| view! {
                <rect x="64" y="47" width="24" height="30" rx="1.5" class="detail" />
                <path d="M12 50h40M12 60h34M12 70h44M12 84h70" class="detail" />
            })}
            {(side == PhotoSide::Back).then(|| view! {
                <circle cx="20" cy="56" r="8" class="detail" />
                <path d="M34 52h50M34 58h40M24 78h60M24 86h52" class="detail" />
            })}
        }
        .into_any()
    } else {
        view! {
            <ellipse cx="50" cy="48" rx="17" ry="22" class="guide" />
            <path d="M14 126c2-26 16-38 36-38s34 12 36 38" class="guide" />
        }
        .into_any()
    };
    view! {
        <svg class="frame" viewBox=view_box preserveAspectRatio="xMidYMid meet" aria-hidden="true">
            <g
                transform=move || place.get().transform()
                stroke-width=move || format!("{:.3}", 1.2 / place.get().scale)
                stroke-dasharray=move || {
                    let s = place.get().scale;
                    format!("{:.3} {:.3}", 3.0 / s, 2.0 / s)
                }
            >
                {shapes}
            </g>
        </svg>
    }
}

/// The file fallback: one tap away everywhere. `capture` makes phones open their own camera
/// app; desktops show the file chooser.
#[component]
fn FileButton(
    /// Which camera the phone's camera app should start with.
    facing: Facing,
    /// Called with the chosen file.
    #[prop(into)]
    on_file: Callback<SendWrapper<Blob>>,
    /// Shown as the main action (no camera here).
    primary: bool,
) -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|l| l.get(0)) {
            input.set_value("");
            on_file.run(SendWrapper::new(file.into()));
        }
    };
    // Beside the camera's own shutter it is the other way in, and says so (two buttons that
    // both say "拍照" are one too many).
    let words = if primary {
        tr("拍照或选择照片", "Take or choose a photo")
    } else {
        tr("从相册选择照片", "Choose a photo instead")
    };
    view! {
        <label class=if primary { "button file-button" } else { "button secondary file-button" }>
            {words}
            <input
                type="file"
                id="capture-file"
                accept="image/jpeg,image/png,image/*"
                capture=facing.capture_attr()
                on:change=on_change
            />
        </label>
    }
}

/// What to shoot, with an example frame; the camera button, and the file fallback.
#[component]
pub fn IntroScreen(
    side: PhotoSide,
    facing: Facing,
    /// Why the camera did not open, if it did not.
    error: Option<CameraError>,
    /// Why the last picture was refused, if it was.
    failed: Option<PipelineError>,
    #[prop(into)] on_camera: Callback<()>,
    #[prop(into)] on_file: Callback<SendWrapper<Blob>>,
) -> impl IntoView {
    let lang = use_lang();
    let (zh, en) = side.label();
    let (azh, aen) = advice(side);
    let problem = error
        .map(CameraError::message)
        .or(failed.map(PipelineError::message));
    let camera_ok = error.is_none();
    view! {
        <h2>{move || lang.get().pick(zh, en).to_owned()}</h2>
        <div class="example"><Frame side frame=DEFAULT_FRAME /></div>
        <p class="hint">{move || lang.get().pick(azh, aen).to_owned()}</p>
        <p class="error" id="capture-error" role="alert">
            {move || problem.map(|(z, e)| lang.get().pick(z, e).to_owned()).unwrap_or_default()}
        </p>
        <div class="actions column">
            {camera_ok.then(|| view! {
                <button type="button" class="submit" id="open-camera" on:click=move |_| on_camera.run(())>
                    {tr("打开相机", "Open the camera")}
                </button>
            })}
            <FileButton facing on_file primary=!camera_ok />
        </div>
    }
}

/// The live camera with the framing overlay; the shutter waits for real frames. The
/// viewfinder shows the camera's whole frame in a box of its aspect ratio, which is exactly
/// the photo the shutter saves (capture-core's `viewfinder` says why not a crop).
#[component]
pub fn CameraScreen(
    side: PhotoSide,
    stream: SendWrapper<MediaStream>,
    #[prop(into)] on_shutter: Callback<SendWrapper<HtmlVideoElement>>,
    #[prop(into)] on_file: Callback<SendWrapper<Blob>>,
) -> impl IntoView {
    let video = NodeRef::<html::Video>::new();
    let live = RwSignal::new(false);
    // The camera's frame size (0 × 0 until it says; it changes when a phone is turned).
    let frame = RwSignal::new(Size::new(0, 0));
    Effect::new(move |_| {
        if let Some(v) = video.get() {
            v.set_src_object(Some(&stream));
        }
    });
    let measure = move || {
        if let Some(v) = video.get_untracked() {
            let size = Size::new(v.video_width(), v.video_height());
            if size != frame.get_untracked() {
                frame.set(size);
            }
        }
    };
    // A frame has been shown once time advances with a real picture size.
    let check = move |_| {
        measure();
        if let Some(v) = video.get_untracked()
            && v.video_width() > 0
            && v.current_time() > 0.0
            && v.ready_state() >= 2
        {
            live.set(true);
        }
    };
    let shoot = move |_| {
        if let Some(v) = video.get_untracked() {
            on_shutter.run(SendWrapper::new(v));
        }
    };
    view! {
        <div
            class="viewfinder"
            // Set through the CSSOM (`style.setProperty`), which the page's CSP allows;
            // a `style` attribute it would block.
            style=("--frame-ratio", move || viewfinder::aspect_ratio(frame.get()))
        >
            <video
                node_ref=video
                autoplay
                playsinline
                muted
                on:loadedmetadata=move |_| measure()
                on:resize=move |_| measure()
                on:timeupdate=check
                on:playing=check
            ></video>
            <Frame side frame />
        </div>
        <p class="hint" id="camera-hint">
            {move || if live.get() {
                tr("对准框线后点击拍照", "Line it up with the frame, then press the shutter").get()
            } else {
                tr("正在打开相机…", "Opening the camera…").get()
            }}
        </p>
        <div class="actions column">
            <button type="button" class="submit" id="shutter" disabled=move || !live.get() on:click=shoot>
                {tr("拍照", "Take the photo")}
            </button>
            <FileButton facing=super::facing_of(side) on_file primary=false />
        </div>
    }
}

/// The camera permission was refused: how to allow it, try again, or use a file.
#[component]
pub fn DeniedScreen(
    facing: Facing,
    #[prop(into)] on_retry: Callback<()>,
    #[prop(into)] on_file: Callback<SendWrapper<Blob>>,
) -> impl IntoView {
    view! {
        <h2 id="camera-denied">{tr("需要相机权限", "Camera permission needed")}</h2>
        <p>{tr(
            "拍照需要使用相机。请允许本页面使用相机后点“重试”：",
            "Taking the photos needs the camera. Allow this page to use it, then press Retry:",
        )}</p>
        <ul class="steps-help">
            <li>{tr("微信：点右上角“···”→ 设置 → 允许使用摄像头", "WeChat: tap “···” at the top right → Settings → allow the camera")}</li>
            <li>{tr("iPhone：设置 → Safari浏览器 → 相机 → 允许", "iPhone: Settings → Safari → Camera → Allow")}</li>
            <li>{tr("安卓Chrome：点地址栏左侧的图标 → 权限 → 相机 → 允许", "Android Chrome: tap the icon left of the address → Permissions → Camera → Allow")}</li>
        </ul>
        <p class="hint">{tr("也可以不用相机，直接拍照或选择照片上传。", "Or skip the camera and take or choose a photo instead.")}</p>
        <div class="actions column">
            <button type="button" class="submit" id="camera-retry" on:click=move |_| on_retry.run(())>
                {tr("重试", "Retry")}
            </button>
            <FileButton facing on_file primary=false />
        </div>
    }
}

/// Working on the photo: what is happening and how far.
#[component]
pub fn ProgressScreen(stage: Stage) -> impl IntoView {
    let lang = use_lang();
    let (zh, en, done) = stage.describe();
    view! {
        <div class="progress-box" id="capture-progress">
            <p>{move || lang.get().pick(zh, en).to_owned()}</p>
            <progress max="100" value=done.to_string()></progress>
        </div>
    }
}

/// The result: the photo, the checks' verdict, retake or use it.
#[component]
pub fn PreviewScreen(
    done: SendWrapper<Processed>,
    url: String,
    /// Retakes so far for this photo.
    retakes: u32,
    #[prop(into)] on_retake: Callback<()>,
    #[prop(into)] on_use: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let problems: Vec<(&'static str, &'static str)> = done
        .assessment
        .problems
        .iter()
        .map(|p| {
            let m = p.message();
            (m.zh, m.en)
        })
        .collect();
    let passes = problems.is_empty();
    let anyway = !passes && may_continue_anyway(retakes);
    // What a customer needs to know, not pixels and bytes (kept as data for the tests).
    let facts = if passes {
        tr(
            "照片清晰 ✓ 请确认上面的文字和人像清楚可读",
            "Sharp ✓ Please check that the text and the face are easy to read",
        )
    } else {
        tr("这张照片有问题：", "This photo has a problem:")
    };
    view! {
        <img class="preview" id="capture-preview" src=url alt="" />
        <p class="hint" id="capture-facts" data-width=done.size.width data-height=done.size.height data-bytes=done.bytes
            data-encoder=if done.in_worker { "worker" } else { "page" }
            data-face=done.metrics.face.map(|f| f.method.name()).unwrap_or("none")>
            {facts}
        </p>
        // The alert wraps the list: `role` on the <ul> itself would take its list semantics.
        <div role="alert">
            <ul class="problems" id="capture-problems">
                {problems.into_iter().map(|(z, e)| view! { <li>{move || lang.get().pick(z, e).to_owned()}</li> }).collect_view()}
            </ul>
        </div>
        {(!passes && !anyway).then(|| view! {
            <p class="hint">{tr("请重拍；重拍两次后仍不理想可继续使用", "Please retake it; after two retakes you may use it anyway")}</p>
        })}
        <div class="actions column">
            <button type="button" class="secondary" id="retake" on:click=move |_| on_retake.run(())>
                {tr("重拍", "Retake")}
            </button>
            {(passes || anyway).then(|| view! {
                <button type="button" class="submit" id="use-photo" on:click=move |_| on_use.run(())>
                    {if passes { tr("使用这张照片", "Use this photo") } else { tr("仍然使用", "Use it anyway") }}
                </button>
            })}
        </div>
    }
}
