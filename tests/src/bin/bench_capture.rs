//! bench_capture: the photo pipeline in figures. In one headless Chromium page (the capture
//! page, served by the worker under `wrangler dev`, its CSP in force), each input is made
//! upload-ready N times by our pipeline (`benchProcess`, the code the page runs), once encoding
//! in its Web Worker (as the page does) and once on the page, and by the two anchors,
//! `compressorjs` 1.3.0 and `browser-image-compression` 2.0.2 (from `bench/`, injected into the
//! page only here; on the main thread), all set to a long side of 2048 px and ~1 MiB, JPEG
//! out. Runs are interleaved round-robin after one warm-up each, so the machine's noise falls
//! on every series alike. It prints the median time, the median time the page's main thread
//! was blocked (the sum of its long tasks, ≥ 50 ms each, during the run), output bytes and
//! output size per input and pipeline, and asserts nothing.
//!
//! Inputs: a 12 MP JPEG with EXIF orientation 6 and a 24 MP PNG (ID-card-like pictures).
//! compressorjs runs with `checkOrientation: false`: its own EXIF path loads the JPEG as a
//! `data:` URL, which the page's CSP refuses; the browser orients the image by itself anyway.
//! Run with `bash scripts/bench-capture.sh [--n N]` (default 10).

use std::{error::Error, path::Path, process::ExitCode, time::Duration};

use fantoccini::{Client, Locator};
use haoka_e2e::{
    Workerd,
    chrome::{Camera, browser, chromedriver},
    id_card_picture, jpeg_bytes, root,
};
use serde_json::{Value, json};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// One run of each pipeline on the input in `window.__input`; resolves to three results
/// (`{ms, bytes, width, height}` or `{error}`), ours first.
const RUN_ONCE: &str = r#"
const file = window.__input;
if (!window.__long) {
  window.__long = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); })
    .observe({ type: 'longtask' });
}
const timed = async (f) => {
  const t0 = performance.now(), seen = window.__long.length;
  try {
    const out = await f();
    const ms = performance.now() - t0;
    // Long tasks are reported a little later: wait, then add up this run's.
    await new Promise((ok) => setTimeout(ok, 100));
    const blocked = window.__long.slice(seen).reduce((a, b) => a + b, 0);
    const dims = out.width ? out : await (async () => {
      const b = await createImageBitmap(out.blob);
      const d = { width: b.width, height: b.height }; b.close(); return d;
    })();
    return { ms, blocked, bytes: out.bytes ?? out.blob.size, width: dims.width, height: dims.height };
  } catch (e) { return { error: String(e) }; }
};
window.wasmBindings.benchUseWorker(true);
const ours = await timed(() => window.wasmBindings.benchProcess(file));
window.wasmBindings.benchUseWorker(false);
const page = await timed(() => window.wasmBindings.benchProcess(file));
window.wasmBindings.benchUseWorker(true);
const compressor = await timed(() => new Promise((ok, fail) => new Compressor(file, {
  maxWidth: 2048, maxHeight: 2048, quality: 0.85, mimeType: 'image/jpeg',
  convertTypes: ['image/png'], convertSize: 0, checkOrientation: false,
  success: (blob) => ok({ blob }), error: fail,
})));
const bic = await timed(async () => ({ blob: await imageCompression(file, {
  maxSizeMB: 1, maxWidthOrHeight: 2048, useWebWorker: false, initialQuality: 0.85,
  fileType: 'image/jpeg',
}) }));
return [ours, page, compressor, bic];
"#;

/// Where the time goes in the browser's own steps (with `BENCH_PROBE=1`).
const PROBE: &str = r#"
const file = window.__input, t = [];
let t0 = performance.now();
const head = await file.slice(0, 262144).arrayBuffer(); t.push(['header', performance.now() - t0]);
const probe = async (name, opts) => { t0 = performance.now(); const b = await createImageBitmap(file, opts); t.push([name, performance.now() - t0, b.width, b.height]); return b; };
(await probe('full decode', { imageOrientation: 'from-image' })).close();
for (const q of ['low', 'medium', 'high']) {
  (await probe('decode+resize ' + q, { imageOrientation: 'from-image', resizeWidth: 1536, resizeHeight: 2048, resizeQuality: q })).close();
}
t0 = performance.now();
const url = URL.createObjectURL(file); const img = new Image(); img.src = url; await img.decode();
const c = document.createElement('canvas'); c.width = 1536; c.height = 2048; c.getContext('2d').drawImage(img, 0, 0, 1536, 2048);
t.push(['img decode+draw', performance.now() - t0]);
t0 = performance.now(); await new Promise(ok => c.toBlob(ok, 'image/jpeg', 0.85)); t.push(['toBlob', performance.now() - t0]);
const oc = new OffscreenCanvas(1536, 2048); oc.getContext('2d').drawImage(img, 0, 0, 1536, 2048);
t0 = performance.now(); await oc.convertToBlob({ type: 'image/jpeg', quality: 0.85 }); t.push(['convertToBlob', performance.now() - t0]);
URL.revokeObjectURL(url);
return t;
"#;

const NAMES: [&str; 4] = [
    "haoka (encode in a Web Worker)",
    "haoka (encode on the page)",
    "compressorjs 1.3.0",
    "browser-image-compression 2.0.2",
];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_capture failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn runs() -> usize {
    let mut args = std::env::args().skip(1);
    let mut n = std::env::var("BENCH_N").ok().and_then(|v| v.parse().ok());
    while let Some(a) = args.next() {
        if a == "--n" {
            n = args.next().and_then(|v| v.parse().ok());
        }
    }
    n.unwrap_or(10).max(1)
}

fn run() -> Result<()> {
    let n = runs();
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let jpeg = dir.join("12mp-exif6.jpg");
    std::fs::write(&jpeg, jpeg_bytes(&id_card_picture(4000, 3000), Some(6)))?;
    let png = dir.join("24mp.png");
    let mut bytes = Vec::new();
    id_card_picture(6000, 4000).write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )?;
    std::fs::write(&png, bytes)?;

    let worker = Workerd::start(&[]);
    let driver = chromedriver();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let c = browser(&driver, Camera::Refused).await;
            let result = measure(
                &c,
                &worker.url(),
                &[("12 MP JPEG, EXIF 6", &jpeg), ("24 MP PNG", &png)],
                n,
            )
            .await;
            let _ = c.close().await;
            result
        })
}

async fn measure(c: &Client, base: &str, inputs: &[(&str, &Path)], n: usize) -> Result<()> {
    c.goto(&format!("{base}/capture/?photos=face")).await?;
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#open-camera"))
        .await?;
    let libs = root().join("bench/node_modules");
    for lib in [
        "compressorjs/dist/compressor.min.js",
        "browser-image-compression/dist/browser-image-compression.js",
    ] {
        let code = std::fs::read_to_string(libs.join(lib))
            .map_err(|e| format!("{lib}: {e} (scripts/bench-capture.sh installs bench/)"))?;
        // Evaluated by the driver, as the page's own code would be: no CSP change needed.
        c.execute(
            &format!("(0, eval)({});", serde_json::to_string(&code)?),
            vec![],
        )
        .await?;
    }
    c.execute(
        "const i = document.createElement('input'); i.type = 'file'; i.id = 'bench-input'; \
         document.body.append(i);",
        vec![],
    )
    .await?;
    println!(
        "{:<20} {:<33} {:>9} {:>12} {:>11} {:>11}  (medians of {n}, one warm-up)",
        "input", "pipeline", "ms", "page busy ms", "bytes", "size"
    );
    for (label, path) in inputs {
        let input = c.find(Locator::Css("#bench-input")).await?;
        input.send_keys(&path.display().to_string()).await?;
        c.execute(
            "window.__input = document.getElementById('bench-input').files[0];",
            vec![],
        )
        .await?;
        let mut series: Vec<Vec<Value>> = vec![Vec::new(); NAMES.len()];
        for i in 0..=n {
            let out = c.execute(RUN_ONCE, vec![]).await?;
            let out = out.as_array().cloned().unwrap_or_default();
            if i == 0 {
                continue;
            }
            for (k, v) in out.into_iter().enumerate().take(NAMES.len()) {
                series[k].push(v);
            }
        }
        for (name, runs) in NAMES.iter().zip(&series) {
            print_row(label, name, runs);
        }
        if std::env::var("BENCH_PROBE").is_ok() {
            let probe = c.execute(PROBE, vec![]).await?;
            println!("{label}: decode steps (ms) {probe}");
        }
    }
    Ok(())
}

fn print_row(input: &str, name: &str, runs: &[Value]) {
    if let Some(err) = runs.iter().find_map(|r| r.get("error")) {
        println!("{input:<20} {name:<33} failed: {err}");
        return;
    }
    let median_of = |key: &str| {
        let mut v: Vec<f64> = runs.iter().filter_map(|r| r[key].as_f64()).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let (median, blocked) = (median_of("ms"), median_of("blocked"));
    let last = runs.last().cloned().unwrap_or(json!({}));
    let size = format!("{}×{}", last["width"], last["height"]);
    println!(
        "{input:<20} {name:<33} {median:>9.1} {blocked:>12.1} {:>11} {size:>11}",
        last["bytes"]
    );
}
