//! Entry point of the browser app: only mounts [`haoka_frontend::App`]. Built by trunk from
//! the repository root (`trunk build --offline --release`).

fn main() {
    haoka_frontend::log_panics();
    leptos::mount::mount_to_body(haoka_frontend::App);
}
