//! Entry point of the browser app: only mounts [`haoka_frontend::App`]. Built by trunk from
//! the repository root (`trunk build --offline --release`).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(haoka_frontend::App);
}
