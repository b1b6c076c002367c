//! The photo capture page, `/capture/?photos=face,back,hand`: its own small app (the
//! `haoka-capture` binary, built by trunk from `capture.html` into `dist/capture/`) so the
//! camera, the checks and the encoder load only when photos are taken, never with the order
//! form. The order journey opens it in a frame and receives each finished photo as a `Blob`
//! by `postMessage` ([`embed`]); the agent console will do the same.
//!
//! For each photo: what to shoot and an example → the live camera with a framing overlay
//! (the shutter waits for real frames) → processing with progress → preview with the checks'
//! verdict → retake or use it. A file input (with `capture`, so phones open their own
//! camera app) is always one tap away and is the path when there is no camera; a refused
//! permission gets a screen that says how to allow it.
//!
//! On a computer the page also offers the phone ([`handoff`]): a QR code opens this page on
//! the phone (`/capture/?h=…`), which shoots and uploads; the computer's page takes each
//! photo as it arrives and hands it over as if shot here.

pub mod camera;
pub mod embed;
pub mod encoder;
pub mod handoff;
pub mod pipeline;
mod screens;

use haoka_capture_core::{PhotoSlot, quality::may_continue_anyway};
use leptos::{prelude::*, task::spawn_local};
use send_wrapper::SendWrapper;
use web_sys::{Blob, HtmlVideoElement, MediaStream};

use crate::{
    api,
    i18n::{Lang, tr, use_lang},
    photo::PhotoSide,
};
use camera::{CameraError, Facing};
use pipeline::{PipelineError, Processed, Source, Stage};
use screens::{CameraScreen, DeniedScreen, IntroScreen, PreviewScreen, ProgressScreen};

/// The capture-core slot of a photo.
pub fn slot_of(side: PhotoSide) -> PhotoSlot {
    match side {
        PhotoSide::Face => PhotoSlot::IdFace,
        PhotoSide::Back => PhotoSlot::IdBack,
        PhotoSide::Hand => PhotoSlot::Portrait,
    }
}

/// The camera a photo is taken with.
pub fn facing_of(side: PhotoSide) -> Facing {
    match side {
        PhotoSide::Hand => Facing::Front,
        PhotoSide::Face | PhotoSide::Back => Facing::Rear,
    }
}

/// What one photo's screen shows.
#[derive(Clone)]
enum Screen {
    /// What to shoot, with an example; a camera error, if the camera could not open.
    Intro(Option<CameraError>),
    /// The camera is opening or live.
    Camera(SendWrapper<MediaStream>),
    /// The permission was refused.
    Denied,
    /// The pipeline is working.
    Working(Stage),
    /// The result, to retake or use.
    Preview(SendWrapper<Processed>, String),
    /// The pipeline refused the picture.
    Failed(PipelineError),
}

/// Where a finished photo goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sink {
    /// To the page that opened this one in a frame, by `postMessage`.
    Parent,
    /// To the edge, for the computer that showed the QR code (the upload token).
    Handoff(String),
}

/// The capture app: the phone's side of a handoff when opened from a QR code (a page of its
/// own, so with the shop's header and language switch), else the photos asked for by the
/// page's `photos` query, shot here (or, on a computer, on a phone) inside the opener's frame.
#[component]
pub fn CaptureApp() -> impl IntoView {
    let lang = RwSignal::new(Lang::initial());
    provide_context(lang);
    // Keeps the choice and the document's `lang` (screen readers, and axe) in step.
    Effect::new(move |_| lang.get().remember());
    match embed::handoff_link() {
        Some(link) => view! {
            <handoff::PhoneHeader />
            <main class="capture">
                <handoff::PhoneHandoff link />
            </main>
        }
        .into_any(),
        None => view! {
            <main class="capture">
                // The page's one heading (a screen reader's first landmark); each step's h2
                // says which photo.
                <h1 class="capture-title">{tr("拍摄证件照片", "Photos for your order")}</h1>
                <LocalCapture />
            </main>
        }
        .into_any(),
    }
}

/// The photos asked for, shot on this device — or, by choice on a computer, on a phone.
#[component]
fn LocalCapture() -> impl IntoView {
    let sides = embed::requested_sides();
    let by_phone = RwSignal::new(false);
    let index = RwSignal::new(0usize);
    let offer_phone = handoff::offer_phone();
    let remaining = {
        let sides = sides.clone();
        move || sides[index.get_untracked().min(sides.len())..].to_vec()
    };
    view! {
        {move || if by_phone.get() {
            let back = Callback::new(move |()| by_phone.set(false));
            view! { <handoff::DeskHandoff sides=remaining() on_back=back /> }.into_any()
        } else {
            let sides = sides.clone();
            view! {
                <PhotoSequence sides sink=Sink::Parent index />
                {offer_phone.then(|| view! { <handoff::PhoneOffer on_choose=Callback::new(move |()| by_phone.set(true)) /> })}
            }
            .into_any()
        }}
    }
}

/// The photos `sides`, one at a time, each handed to `sink`; `index` counts those done.
#[component]
pub fn PhotoSequence(
    /// The photos, in order.
    sides: Vec<PhotoSide>,
    /// Where each goes.
    sink: Sink,
    /// How many are done.
    index: RwSignal<usize>,
) -> impl IntoView {
    let total = sides.len();
    let lang = use_lang();
    move || match sides.get(index.get()).copied() {
        Some(side) => {
            let sink = sink.clone();
            let last = index.get_untracked() + 1 >= total;
            let parent = sink == Sink::Parent;
            let next = move || {
                if last && parent {
                    embed::post_done();
                }
                index.update(|i| *i += 1);
            };
            view! { <PhotoFlow side sink position=(index.get_untracked() + 1, total) on_used=next /> }
                .into_any()
        }
        None => {
            let text = if sink == Sink::Parent {
                ("照片已全部完成", "All photos are done")
            } else {
                (
                    "照片已全部发送到电脑，请回到电脑上继续",
                    "All photos are on the computer now; carry on there",
                )
            };
            view! { <p class="card" id="capture-done">{move || lang.get().pick(text.0, text.1).to_owned()}</p> }
                .into_any()
        }
    }
}

/// One photo, from its explanation to "use this photo".
#[component]
fn PhotoFlow(
    /// Which photo.
    side: PhotoSide,
    /// Where it goes once used.
    sink: Sink,
    /// Its number and the number of photos asked for.
    position: (usize, usize),
    /// Called once the photo was handed over.
    on_used: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let screen = RwSignal::new(Screen::Intro(None));
    let retakes = RwSignal::new(0u32);
    let facing = facing_of(side);
    let slot = slot_of(side);
    // Leaving a screen releases what it held: the camera, or the preview's object URL.
    let release = move || match screen.get_untracked() {
        Screen::Camera(stream) => camera::stop(&stream),
        Screen::Preview(_, url) => {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        _ => {}
    };
    on_cleanup(release);
    let open_camera = move || {
        release();
        spawn_local(async move {
            match camera::open(facing).await {
                Ok(stream) => screen.set(Screen::Camera(SendWrapper::new(stream))),
                Err(CameraError::Denied) => screen.set(Screen::Denied),
                Err(e) => screen.set(Screen::Intro(Some(e))),
            }
        });
    };
    let run = move |source: Input| {
        spawn_local(async move {
            let progress = move |stage| screen.set(Screen::Working(stage));
            let result = match &source {
                Input::File(blob) => pipeline::process(Source::File(blob), slot, progress).await,
                Input::Video(video) => {
                    pipeline::process(Source::Video(video), slot, progress).await
                }
            };
            release();
            screen.set(match result {
                Ok(done) => {
                    let url =
                        web_sys::Url::create_object_url_with_blob(&done.blob).unwrap_or_default();
                    Screen::Preview(SendWrapper::new(done), url)
                }
                Err(e) => Screen::Failed(e),
            });
        });
    };
    let on_file = Callback::new(move |blob: SendWrapper<Blob>| {
        release();
        run(Input::File(blob));
    });
    let on_shutter = Callback::new(move |video: SendWrapper<HtmlVideoElement>| {
        run(Input::Video(video));
    });
    let on_retake = Callback::new(move |()| {
        retakes.update(|n| *n += 1);
        open_camera();
    });
    let upload_error = RwSignal::new(None::<api::ClientError>);
    let on_use = Callback::new(move |()| {
        let Screen::Preview(done, url) = screen.get_untracked() else {
            return;
        };
        let flagged = !done.assessment.passes();
        if flagged && !may_continue_anyway(retakes.get_untracked()) {
            return;
        }
        match &sink {
            Sink::Parent => {
                embed::post_photo(side, &done, retakes.get_untracked());
                release();
                on_used();
            }
            Sink::Handoff(token) => {
                let (token, on_used) = (token.clone(), on_used.clone());
                let flag = embed::flag_json(&done, retakes.get_untracked());
                upload_error.set(None);
                screen.set(Screen::Working(Stage::Uploading));
                spawn_local(async move {
                    let sent =
                        api::handoff_upload(&token, embed::part(side), &done.blob, &flag).await;
                    match sent {
                        Ok(()) => {
                            let _ = web_sys::Url::revoke_object_url(&url);
                            on_used();
                        }
                        Err(e) => {
                            upload_error.set(Some(e));
                            screen.set(Screen::Preview(done, url));
                        }
                    }
                });
            }
        }
    });
    let open = Callback::new(move |()| open_camera());
    view! {
        <section class="card capture-flow" data-side=side.input_id()>
            <p class="hint" id="capture-position">
                {move || format!("{} / {}", position.0, position.1)}
            </p>
            <p class="error" id="capture-upload-error" role="alert">
                {move || upload_error.get().map(|e| e.message(lang.get())).unwrap_or_default()}
            </p>
            {move || match screen.get() {
                Screen::Intro(error) => {
                    let failed = None;
                    view! { <IntroScreen side facing error failed on_camera=open on_file /> }.into_any()
                }
                Screen::Camera(stream) => {
                    view! { <CameraScreen side stream on_shutter on_file /> }.into_any()
                }
                Screen::Denied => view! { <DeniedScreen facing on_retry=open on_file /> }.into_any(),
                Screen::Working(stage) => view! { <ProgressScreen stage /> }.into_any(),
                Screen::Preview(done, url) => {
                    let retakes = retakes.get_untracked();
                    view! { <PreviewScreen done url retakes on_retake on_use /> }.into_any()
                }
                Screen::Failed(e) => {
                    let (error, failed) = (None, Some(e));
                    view! { <IntroScreen side facing error failed on_camera=open on_file /> }.into_any()
                }
            }}
        </section>
    }
}

/// What the pipeline is given.
enum Input {
    File(SendWrapper<Blob>),
    Video(SendWrapper<HtmlVideoElement>),
}
