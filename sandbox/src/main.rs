//! `haoka-sandbox`: the three upstreams on loopback.
//!
//! ```text
//! cargo run -p haoka-sandbox -- [--port 8788] [--dev-vars .dev.vars] [--admin]
//!     [--xg-step-ms 3000] [--realme-delay-ms 2000] [--realme-rate 20]
//! ```
//! Secrets come from `--dev-vars` (the file the edge reads) and then the environment.

use std::{path::PathBuf, time::Duration};

use haoka_sandbox::{Config, Shared, delivery, router, server};

fn usage() -> ! {
    eprintln!(
        "usage: haoka-sandbox [--port N] [--dev-vars FILE] [--admin] [--xg-step-ms N] [--realme-delay-ms N] [--realme-rate N]"
    );
    std::process::exit(2)
}

fn main() {
    let mut config = Config::default();
    let mut port: u16 = 8788;
    let mut dev_vars: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next().unwrap_or_else(|| {
                eprintln!("{name} needs a value");
                usage()
            })
        };
        let num = |v: String| v.parse::<u64>().unwrap_or_else(|_| usage());
        match arg.as_str() {
            "--port" => port = u16::try_from(num(value("--port"))).unwrap_or_else(|_| usage()),
            "--dev-vars" => dev_vars = Some(value("--dev-vars").into()),
            "--admin" => config.admin = true,
            "--xg-step-ms" => config.xg_step = Duration::from_millis(num(value("--xg-step-ms"))),
            "--realme-delay-ms" => {
                config.realme_delay = Duration::from_millis(num(value("--realme-delay-ms")))
            }
            "--realme-rate" => {
                config.realme_rate_per_sec =
                    usize::try_from(num(value("--realme-rate"))).unwrap_or(20)
            }
            "-h" | "--help" => usage(),
            other => {
                eprintln!("unknown argument {other}");
                usage()
            }
        }
    }
    if let Some(path) = &dev_vars
        && let Err(e) = config.load_dev_vars(path)
    {
        eprintln!("cannot read {}: {e}", path.display());
        std::process::exit(1);
    }
    config.apply_vars(&std::env::vars().collect());

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
                std::process::exit(1);
            }
        };
        let admin = config.admin;
        let shared = Shared::new(config);
        tokio::spawn(delivery::run(shared.clone()));
        eprintln!(
            "haoka-sandbox listening on http://127.0.0.1:{port} (admin API {})",
            if admin { "on at /__sandbox/" } else { "off" }
        );
        tokio::select! {
            _ = server::serve(listener, router(shared)) => {}
            _ = tokio::signal::ctrl_c() => eprintln!("haoka-sandbox stopped"),
        }
    });
}
