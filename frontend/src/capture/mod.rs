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

pub mod camera;
pub mod embed;
pub mod pipeline;
mod screens;

use haoka_capture_core::{PhotoSlot, quality::may_continue_anyway};
use leptos::{prelude::*, task::spawn_local};
use send_wrapper::SendWrapper;
use web_sys::{Blob, HtmlVideoElement, MediaStream};

use crate::{
    i18n::{Lang, tr},
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

/// The capture app: the photos asked for by the page's `photos` query, one at a time.
#[component]
pub fn CaptureApp() -> impl IntoView {
    let lang = RwSignal::new(Lang::initial());
    provide_context(lang);
    let sides = embed::requested_sides();
    let index = RwSignal::new(0usize);
    let total = sides.len();
    view! {
        <main class="capture">
            {move || match sides.get(index.get()).copied() {
                Some(side) => {
                    let next = move || {
                        if index.get_untracked() + 1 >= total {
                            embed::post_done();
                        }
                        index.update(|i| *i += 1);
                    };
                    view! { <PhotoFlow side position=(index.get_untracked() + 1, total) on_used=next /> }
                        .into_any()
                }
                None => {
                    let text = tr("照片已全部完成", "All photos are done");
                    view! { <p class="card" id="capture-done">{text}</p> }.into_any()
                }
            }}
        </main>
    }
}

/// One photo, from its explanation to "use this photo".
#[component]
fn PhotoFlow(
    /// Which photo.
    side: PhotoSide,
    /// Its number and the number of photos asked for.
    position: (usize, usize),
    /// Called once the photo was handed over.
    on_used: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
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
    let on_use = Callback::new(move |()| {
        if let Screen::Preview(done, _) = screen.get_untracked() {
            let flagged = !done.assessment.passes();
            if flagged && !may_continue_anyway(retakes.get_untracked()) {
                return;
            }
            embed::post_photo(side, &done, retakes.get_untracked());
            release();
            on_used();
        }
    });
    let open = Callback::new(move |()| open_camera());
    view! {
        <section class="card capture-flow" data-side=side.input_id()>
            <p class="hint" id="capture-position">
                {move || format!("{} / {}", position.0, position.1)}
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
