//! lighthouse: page quality in figures. Starts one stack (the sandbox and the worker under
//! `wrangler dev`, as the end-to-end tests do), places an order so a status page exists, then
//! runs npm Lighthouse 12.2.3 (`bench/node_modules`, mobile profile: a mid-range phone on a
//! throttled 4G link, simulated) in Debian's headless Chromium against each page, one after
//! the other in one run, and prints its performance, accessibility and best-practices scores
//! next to the page's transfer size and the audits that failed. It asserts nothing.
//!
//! Run with `bash scripts/lighthouse.sh` (it builds first), or after a build
//! `cargo run -q -p haoka-e2e --bin lighthouse`. Reports land in `target/lighthouse/`.

use std::{error::Error, path::Path, process::Command};

use haoka_e2e::{Stack, root};
use serde_json::Value;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lighthouse failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let stack = Stack::start(&[], 600_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (id, token) = rt.block_on(stack.order_waiting_for_photos("lighthouse-order-0001"));
    let base = stack.worker.url();
    let pages = [
        ("order form /", format!("{base}/")),
        ("product page", format!("{base}/products/2201")),
        ("status page", format!("{base}/orders/{id}?t={token}")),
        ("console /console/", format!("{base}/console/")),
    ];
    let out = root().join("target/lighthouse");
    std::fs::create_dir_all(&out)?;
    println!(
        "{:<20} {:>5} {:>5} {:>5} {:>10}  failing audits (score < 0.9)",
        "page", "perf", "a11y", "best", "transfer"
    );
    for (i, (label, url)) in pages.iter().enumerate() {
        let report = out.join(format!("{i}.json"));
        lighthouse(url, &report)?;
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&report)?)?;
        let score = |cat: &str| {
            json["categories"][cat]["score"]
                .as_f64()
                .map_or("–".to_owned(), |s| format!("{:.0}", s * 100.0))
        };
        let transfer = json["audits"]["total-byte-weight"]["numericValue"]
            .as_f64()
            .unwrap_or(0.0);
        let mut failing: Vec<String> = json["audits"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, a)| {
                a["score"].as_f64().is_some_and(|s| s < 0.9)
                    && a["scoreDisplayMode"] != "informative"
                    && a["scoreDisplayMode"] != "manual"
                    && a["scoreDisplayMode"] != "notApplicable"
            })
            .map(|(k, _)| k.clone())
            .collect();
        failing.sort();
        println!(
            "{label:<20} {:>5} {:>5} {:>5} {:>8.1}kB  {}",
            score("performance"),
            score("accessibility"),
            score("best-practices"),
            transfer / 1000.0,
            failing.join(", ")
        );
    }
    drop(stack);
    Ok(())
}

/// One Lighthouse run (mobile, the default form factor) of `url`, its JSON report at `report`.
fn lighthouse(url: &str, report: &Path) -> Result<()> {
    let bin = root().join("bench/node_modules/.bin/lighthouse");
    let profile = root()
        .join("target/lighthouse")
        .join(format!("chrome-{}", std::process::id()));
    let status = Command::new(&bin)
        .arg(url)
        .args([
            "--quiet",
            "--output=json",
            "--only-categories=performance,accessibility,best-practices",
        ])
        .arg(format!("--output-path={}", report.display()))
        .arg(format!(
            "--chrome-flags=--headless --no-sandbox --disable-gpu --no-first-run \
             --disable-background-networking --disable-component-update --disable-sync \
             --user-data-dir={}",
            profile.display()
        ))
        .env("CHROME_PATH", "/usr/bin/chromium")
        .status()?;
    if !status.success() {
        return Err(format!("lighthouse {url}: {status}").into());
    }
    Ok(())
}
