//! Entry point of the agents' console (`/console/`): mounts
//! [`haoka_frontend::console::ConsoleApp`]. Built by trunk from `console.html`
//! (`trunk build --offline --release --config Trunk.console.toml`).

fn main() {
    haoka_frontend::log_panics();
    leptos::mount::mount_to_body(haoka_frontend::console::ConsoleApp);
}
