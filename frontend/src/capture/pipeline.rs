//! A photo from a file or the camera → an upload-ready JPEG, with the browser doing the heavy
//! work and [`haoka_capture_core`] deciding: decode with the browser's codecs (EXIF orientation
//! applied by the decoder, once), drawn at the planned size on an
//! `OffscreenCanvas` (a `<canvas>` where there is none), checked for blur, exposure, glare and
//! size on a grey copy (and the portrait for a face: the browser's `FaceDetector` where there
//! is one, else capture-core's skin model on the same small copy), and encoded as JPEG by the quality search (2–3 encodes) — in a Web
//! Worker where there is one ([`super::encoder`]), else on the page. Bitmaps are
//! closed and canvases shrunk to 0 × 0 as soon as they are done with: iOS counts canvas memory
//! against a small budget.

use haoka_capture_core::{
    Assessment, FaceFinding, ImageFormat, Metrics, PhotoSlot, QualitySearch, Size, Step, assess,
    dims,
    encode::SearchError,
    face::{self, Region},
    gray::rgba_to_gray,
    measure, plan, sniff,
    sniff::jpeg_exif_orientation,
};
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use leptos::prelude::{document, window};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;

use super::encoder::{self, EncodeWorker};
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, HtmlVideoElement,
    ImageBitmap, ImageBitmapOptions, ImageEncodeOptions, ImageOrientation, OffscreenCanvas,
    OffscreenCanvasRenderingContext2d,
};

/// Bytes read from the start of a file to find its format, size and orientation.
const HEADER_BYTES: i32 = 256 * 1024;

/// Where the photo comes from.
pub enum Source<'a> {
    /// A file picked (or shot by the phone's own camera app).
    File(&'a Blob),
    /// The current frame of the live camera.
    Video(&'a HtmlVideoElement),
}

/// How far the pipeline is (for the progress line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Decoding and resizing.
    Decoding,
    /// Measuring blur, exposure and glare.
    Checking,
    /// JPEG encode number `n` (1-based).
    Compressing(u32),
    /// Sending it to the computer (the handoff's phone side).
    Uploading,
}

impl Stage {
    /// Words for the progress line, and a rough share done (0–100).
    pub fn describe(self) -> (&'static str, &'static str, u32) {
        match self {
            Stage::Decoding => ("正在读取照片…", "Reading the photo…", 20),
            Stage::Checking => ("正在检查清晰度和曝光…", "Checking focus and light…", 45),
            Stage::Compressing(n) => (
                "正在压缩照片…",
                "Compressing the photo…",
                60 + 12 * n.min(3),
            ),
            Stage::Uploading => ("正在发送到电脑…", "Sending to the computer…", 97),
        }
    }
}

/// The upload-ready photo.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The JPEG.
    pub blob: Blob,
    /// Its pixel size.
    pub size: Size,
    /// Its byte count.
    pub bytes: u64,
    /// The JPEG quality it was encoded at.
    pub quality: f32,
    /// Encodes the quality search took.
    pub encodes: u32,
    /// The source's size, upright.
    pub original: Size,
    /// What the checks measured.
    pub metrics: Metrics,
    /// The problems found.
    pub assessment: Assessment,
    /// Time from start to the finished blob, in ms.
    pub millis: f64,
    /// Whether the JPEG was encoded in the Web Worker (else on the page).
    pub in_worker: bool,
}

/// Why a photo could not be made ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineError {
    /// A HEIC/HEIF file this browser cannot decode.
    Heic,
    /// Not an image this browser can read.
    Unreadable,
    /// The camera gave no frame yet.
    NoFrame,
    /// Even the smallest allowed encode is over 2 MiB (not seen with real photos).
    TooLarge,
    /// A canvas or encoder call failed (out of memory, an old browser).
    Browser,
}

impl PipelineError {
    /// Words for the customer (Chinese, English).
    pub fn message(self) -> (&'static str, &'static str) {
        match self {
            PipelineError::Heic => {
                let m = ImageFormat::Heif.undecodable_message();
                (m.zh, m.en)
            }
            PipelineError::Unreadable => {
                let m = ImageFormat::Unknown.undecodable_message();
                (m.zh, m.en)
            }
            PipelineError::NoFrame => (
                "相机还没有画面，请稍等再拍",
                "The camera has no picture yet; wait a moment and try again",
            ),
            PipelineError::TooLarge => (
                "照片压缩后仍超过2MB，请换一张照片",
                "The photo is still over 2 MB after compression; try another one",
            ),
            PipelineError::Browser => (
                "处理照片时出错，请重试或换一张照片",
                "Something went wrong preparing the photo; retry or use another one",
            ),
        }
    }
}

type Result<T> = std::result::Result<T, PipelineError>;

fn browser<E>(_: E) -> PipelineError {
    PipelineError::Browser
}

/// Make `source` upload-ready for `slot`, reporting each stage to `progress`.
pub async fn process(
    source: Source<'_>,
    slot: PhotoSlot,
    progress: impl Fn(Stage),
) -> Result<Processed> {
    let started = now();
    progress(Stage::Decoding);
    let (picture, original) = decode(source).await?;
    let result = finish(&picture, original, slot, started, &progress).await;
    picture.release();
    result
}

/// The rest, once decoded: draw, check, encode.
async fn finish(
    picture: &Picture,
    original: Size,
    slot: PhotoSlot,
    started: f64,
    progress: &impl Fn(Stage),
) -> Result<Processed> {
    let size = picture.size();
    progress(Stage::Checking);
    let small = plan::analysis_size(size);
    let rgba = analysis_rgba(picture, small)?;
    let gray = rgba_to_gray(&rgba, small.width, small.height, plan::ANALYSIS_LONG_SIDE)
        .map_err(browser)?;
    let mut metrics = measure(&gray, original);
    if slot.thresholds().needs_face {
        metrics = metrics.with_face(find_face(picture, original, &rgba, small).await);
    }
    drop(rgba);
    let assessment = assess(slot, &metrics);
    let mut encoder = Encoder::new(picture).await?;
    let in_worker = matches!(encoder, Encoder::Worker(..));
    let mut search = QualitySearch::new(size);
    let outcome = loop {
        match search.step() {
            Step::Encode(request) => {
                progress(Stage::Compressing(search.encodes() + 1));
                let blob = match encoder.encode(picture, request.size, request.quality).await {
                    Ok(blob) => blob,
                    Err(e) => {
                        encoder.release().await;
                        return Err(e);
                    }
                };
                // The search answers Done for this very blob, so keep it until it does.
                match search.report(blob.size() as u64) {
                    Step::Done(outcome) => break Ok((blob, outcome)),
                    Step::Failed(e) => break Err(e),
                    Step::Encode(_) => {}
                }
            }
            Step::Done(_) => break Err(SearchError::EncoderFailed),
            Step::Failed(e) => break Err(e),
        }
    };
    encoder.release().await;
    let (blob, outcome) = outcome.map_err(|e| match e {
        SearchError::StillTooLarge { .. } => PipelineError::TooLarge,
        SearchError::EmptyImage | SearchError::EncoderFailed => PipelineError::Browser,
    })?;
    Ok(Processed {
        blob,
        size: outcome.size,
        bytes: outcome.bytes,
        quality: outcome.quality,
        encodes: outcome.encodes,
        original,
        metrics,
        assessment,
        millis: now() - started,
        in_worker,
    })
}

/// Whether the portrait shows a face: the browser's face detector where it exists and works,
/// else the skin model on the checks' copy `rgba` (of size `small`).
async fn find_face(picture: &Picture, original: Size, rgba: &[u8], small: Size) -> FaceFinding {
    match detect_faces(picture, original).await {
        Some(faces) => face::judge_detected(&faces),
        None => face::judge_skin(face::skin_blob(rgba, small.width, small.height).as_ref()),
    }
}

/// The face boxes of the Shape Detection API's `FaceDetector` (as shares of `original`, the
/// picture's own size), or `None` where there is no detector (desktop Linux Chromium,
/// Safari, Firefox) or it fails (some builds define it but cannot run it).
async fn detect_faces(picture: &Picture, original: Size) -> Option<Vec<Region>> {
    let ctor = Reflect::get(&window(), &JsValue::from_str("FaceDetector")).ok()?;
    let ctor: Function = ctor.dyn_into().ok()?;
    let options = Object::new();
    Reflect::set(
        &options,
        &"maxDetectedFaces".into(),
        &JsValue::from_f64(5.0),
    )
    .ok()?;
    Reflect::set(&options, &"fastMode".into(), &JsValue::TRUE).ok()?;
    let detector = Reflect::construct(&ctor, &Array::of1(&options)).ok()?;
    let detect: Function = Reflect::get(&detector, &"detect".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let source: &JsValue = match picture {
        Picture::Bitmap(bitmap, _) => bitmap.as_ref(),
        Picture::Image(img, _, _) => img.as_ref(),
    };
    let promise: Promise = detect.call1(&detector, source).ok()?.dyn_into().ok()?;
    let faces: Array = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    let number = |o: &JsValue, k: &str| {
        Reflect::get(o, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_f64())
    };
    let regions = faces
        .iter()
        .filter_map(|f| {
            let b = Reflect::get(&f, &"boundingBox".into()).ok()?;
            Region::from_pixels(
                number(&b, "x")?,
                number(&b, "y")?,
                number(&b, "width")?,
                number(&b, "height")?,
                original.width,
                original.height,
            )
        })
        .collect();
    Some(regions)
}

/// The pixels of the checks' copy (long side 512), drawn from the decoded picture with the
/// canvas's high-quality smoothing: reading back the whole 2048 px canvas would copy 12 MB
/// out of the GPU instead.
fn analysis_rgba(picture: &Picture, small: Size) -> Result<Vec<u8>> {
    let canvas = Canvas::new(small)?;
    canvas.smooth();
    let rgba = canvas
        .draw(picture, small)
        .and_then(|()| canvas.rgba(small));
    canvas.release();
    rgba
}

/// A decoded picture at its upload size.
enum Picture {
    /// From `createImageBitmap` (decoded in full), with the size to draw it at.
    Bitmap(ImageBitmap, Size),
    /// From an `<img>` (iOS 15, whose `createImageBitmap` ignores EXIF orientation), with
    /// the size to draw it at.
    Image(HtmlImageElement, Size, String),
}

impl Picture {
    fn size(&self) -> Size {
        match self {
            Picture::Bitmap(_, size) => *size,
            Picture::Image(_, size, _) => *size,
        }
    }

    fn release(&self) {
        match self {
            Picture::Bitmap(b, _) => b.close(),
            Picture::Image(_, _, url) => {
                let _ = web_sys::Url::revoke_object_url(url);
            }
        }
    }
}

/// Decode `source` at its upload size; also the source's own (upright) size.
async fn decode(source: Source<'_>) -> Result<(Picture, Size)> {
    match source {
        Source::Video(video) => {
            let original = Size::new(video.video_width(), video.video_height());
            if original.is_empty() {
                return Err(PipelineError::NoFrame);
            }
            let bitmap = window()
                .create_image_bitmap_with_html_video_element(video)
                .map_err(browser)?;
            let bitmap: ImageBitmap = await_js(bitmap).await.map_err(browser)?;
            Ok((
                Picture::Bitmap(bitmap, plan::upload_size(original)),
                original,
            ))
        }
        Source::File(blob) => decode_file(blob).await,
    }
}

async fn decode_file(blob: &Blob) -> Result<(Picture, Size)> {
    let head = header(blob).await?;
    let format = sniff(&head);
    if ios15() {
        return decode_with_img(blob, format).await;
    }
    // Decoded in full, then scaled by the canvas: measured in Chromium, asking
    // `createImageBitmap` to resize while decoding is slower (80–115 ms for a 12 MP JPEG
    // against 45 ms to decode it whole; `scripts/bench-capture.sh` with BENCH_PROBE=1).
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    let full = bitmap_from_blob(blob, &options, format).await?;
    let original = Size::new(full.width(), full.height());
    // A decoder that did not apply the EXIF orientation (older WebKit) shows as sides swapped
    // against the header's upright size: the `<img>` path orients correctly there.
    if let Some(upright) = header_size(&head, format)
        && (upright.width >= upright.height) != (original.width >= original.height)
    {
        full.close();
        return decode_with_img(blob, format).await;
    }
    Ok((Picture::Bitmap(full, plan::upload_size(original)), original))
}

/// The `<img>` path (iOS 15): the element decodes with orientation applied (CSS
/// `image-orientation: from-image` is the default), and is drawn scaled.
async fn decode_with_img(blob: &Blob, format: ImageFormat) -> Result<(Picture, Size)> {
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(browser)?;
    let img = HtmlImageElement::new().map_err(browser)?;
    img.set_src(&url);
    if JsFuture::from(img.decode()).await.is_err() {
        let _ = web_sys::Url::revoke_object_url(&url);
        return Err(unreadable(format));
    }
    let original = Size::new(img.natural_width(), img.natural_height());
    let target = plan::upload_size(original);
    Ok((Picture::Image(img, target, url), original))
}

async fn bitmap_from_blob(
    blob: &Blob,
    options: &ImageBitmapOptions,
    format: ImageFormat,
) -> Result<ImageBitmap> {
    let promise = window()
        .create_image_bitmap_with_blob_and_image_bitmap_options(blob, options)
        .map_err(|_| unreadable(format))?;
    await_js(promise).await.map_err(|_| unreadable(format))
}

fn unreadable(format: ImageFormat) -> PipelineError {
    if format == ImageFormat::Heif {
        PipelineError::Heic
    } else {
        PipelineError::Unreadable
    }
}

/// The first bytes of a file.
async fn header(blob: &Blob) -> Result<Vec<u8>> {
    let head = blob
        .slice_with_i32_and_i32(0, HEADER_BYTES)
        .map_err(browser)?;
    let buffer = JsFuture::from(head.array_buffer()).await.map_err(browser)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The upright size from a JPEG's or PNG's header (EXIF orientations 5–8 swap the sides).
fn header_size(head: &[u8], format: ImageFormat) -> Option<Size> {
    let stored = dims::dimensions(head)?;
    let turned = format == ImageFormat::Jpeg
        && jpeg_exif_orientation(head).is_some_and(|o| (5..=8).contains(&o));
    Some(if turned {
        Size::new(stored.height, stored.width)
    } else {
        stored
    })
}

/// iOS 15's WebKit, whose `createImageBitmap` does not apply EXIF orientation.
fn ios15() -> bool {
    let ua = window().navigator().user_agent().unwrap_or_default();
    ua.contains("AppleWebKit") && (ua.contains(" OS 15_") || ua.contains(" OS 15 "))
}

/// Where the JPEGs are made.
enum Encoder {
    /// In the page's worker ([`encoder`]); the bitmap goes there with the first encode.
    Worker(EncodeWorker, Option<ImageBitmap>),
    /// On the page, with the size last drawn.
    Page(Canvas, Size),
}

impl Encoder {
    /// The worker for a bitmap where there is one; else a canvas on the page, drawn.
    async fn new(picture: &Picture) -> Result<Encoder> {
        if let Picture::Bitmap(bitmap, _) = picture
            && let Some(worker) = encoder::worker().await
        {
            return Ok(Encoder::Worker(worker, Some(bitmap.clone())));
        }
        let size = picture.size();
        let canvas = Canvas::new(size)?;
        canvas.draw(picture, size)?;
        Ok(Encoder::Page(canvas, size))
    }

    /// One JPEG of `picture` at `size` and `quality`.
    async fn encode(&mut self, picture: &Picture, size: Size, quality: f32) -> Result<Blob> {
        match self {
            Encoder::Worker(worker, bitmap) => {
                let first = bitmap.take();
                worker
                    .encode(first.as_ref(), size.width, size.height, quality)
                    .await
                    .map_err(browser)
            }
            Encoder::Page(canvas, drawn) => {
                if size != *drawn {
                    canvas.resize(size);
                    canvas.draw(picture, size)?;
                    *drawn = size;
                }
                canvas.encode(quality).await
            }
        }
    }

    /// Drop the canvas (here or in the worker).
    async fn release(&self) {
        match self {
            Encoder::Worker(worker, _) => worker.release().await,
            Encoder::Page(canvas, _) => canvas.release(),
        }
    }
}

/// A canvas to draw and encode on.
enum Canvas {
    Offscreen(OffscreenCanvas, OffscreenCanvasRenderingContext2d),
    Element(HtmlCanvasElement, CanvasRenderingContext2d),
}

impl Canvas {
    fn new(size: Size) -> Result<Canvas> {
        let offscreen =
            js_sys::Reflect::has(&window(), &JsValue::from_str("OffscreenCanvas")).unwrap_or(false);
        if offscreen {
            let canvas = OffscreenCanvas::new(size.width, size.height).map_err(browser)?;
            if let Some(ctx) = canvas.get_context("2d").ok().flatten() {
                let ctx = ctx.unchecked_into::<OffscreenCanvasRenderingContext2d>();
                return Ok(Canvas::Offscreen(canvas, ctx));
            }
        }
        let canvas: HtmlCanvasElement = document()
            .create_element("canvas")
            .map_err(browser)?
            .unchecked_into();
        canvas.set_width(size.width);
        canvas.set_height(size.height);
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .ok_or(PipelineError::Browser)?
            .unchecked_into::<CanvasRenderingContext2d>();
        Ok(Canvas::Element(canvas, ctx))
    }

    fn resize(&self, size: Size) {
        match self {
            Canvas::Offscreen(c, _) => {
                c.set_width(size.width);
                c.set_height(size.height);
            }
            Canvas::Element(c, _) => {
                c.set_width(size.width);
                c.set_height(size.height);
            }
        }
    }

    fn draw(&self, picture: &Picture, size: Size) -> Result<()> {
        let (w, h) = (f64::from(size.width), f64::from(size.height));
        match (self, picture) {
            (Canvas::Offscreen(_, ctx), Picture::Bitmap(b, _)) => {
                ctx.draw_image_with_image_bitmap_and_dw_and_dh(b, 0.0, 0.0, w, h)
            }
            (Canvas::Offscreen(_, ctx), Picture::Image(i, _, _)) => {
                ctx.draw_image_with_html_image_element_and_dw_and_dh(i, 0.0, 0.0, w, h)
            }
            (Canvas::Element(_, ctx), Picture::Bitmap(b, _)) => {
                ctx.draw_image_with_image_bitmap_and_dw_and_dh(b, 0.0, 0.0, w, h)
            }
            (Canvas::Element(_, ctx), Picture::Image(i, _, _)) => {
                ctx.draw_image_with_html_image_element_and_dw_and_dh(i, 0.0, 0.0, w, h)
            }
        }
        .map_err(browser)
    }

    /// Downscale with the browser's best filter (`imageSmoothingQuality = "high"`).
    fn smooth(&self) {
        let ctx: &JsValue = match self {
            Canvas::Offscreen(_, ctx) => ctx.as_ref(),
            Canvas::Element(_, ctx) => ctx.as_ref(),
        };
        let _ = js_sys::Reflect::set(ctx, &"imageSmoothingQuality".into(), &"high".into());
    }

    fn rgba(&self, size: Size) -> Result<Vec<u8>> {
        let (w, h) = (f64::from(size.width), f64::from(size.height));
        let data = match self {
            Canvas::Offscreen(_, ctx) => ctx.get_image_data(0.0, 0.0, w, h),
            Canvas::Element(_, ctx) => ctx.get_image_data(0.0, 0.0, w, h),
        }
        .map_err(browser)?;
        Ok(data.data().0)
    }

    async fn encode(&self, quality: f32) -> Result<Blob> {
        let promise = match self {
            Canvas::Offscreen(c, _) => {
                let options = ImageEncodeOptions::new();
                options.set_type("image/jpeg");
                options.set_quality(f64::from(quality));
                c.convert_to_blob_with_options(&options).map_err(browser)?
            }
            Canvas::Element(c, _) => to_blob(c, quality)?,
        };
        await_js(promise).await.map_err(browser)
    }

    fn release(&self) {
        self.resize(Size::new(0, 0));
    }
}

/// `canvas.toBlob` as a promise (it takes a callback).
fn to_blob(canvas: &HtmlCanvasElement, quality: f32) -> Result<Promise> {
    let canvas = canvas.clone();
    let mut failed = false;
    let promise = Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            let settle = if blob.is_null() { &reject } else { &resolve };
            let _ = settle.call1(&JsValue::NULL, &blob);
        });
        if canvas
            .to_blob_with_type_and_encoder_options(
                done.unchecked_ref(),
                "image/jpeg",
                &JsValue::from_f64(f64::from(quality)),
            )
            .is_err()
        {
            failed = true;
        }
    });
    if failed {
        Err(PipelineError::Browser)
    } else {
        Ok(promise)
    }
}

async fn await_js<T: JsCast>(promise: Promise) -> std::result::Result<T, JsValue> {
    JsFuture::from(promise).await?.dyn_into::<T>()
}

fn now() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}
