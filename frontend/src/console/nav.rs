//! The console's URL: [`crate::nav`]'s History-API glue (the URL as a signal, the back and
//! forward buttons, plain clicks on links kept inside the app), keeping only links to the
//! console's own screens (the shop and the CSV export load as usual). Which screen a URL is,
//! is [`Screen::parse`]'s job.
//!
//! `leptos_router` (`<Router>`, `<Routes>` of the six screens) did this too and cost the
//! console 47.8 kB gzip (290.8 → 338.6 kB, measured 2026-12-03 with `scripts/sizes.sh`) for
//! six flat screens: the browser does the work, what is here is the glue.

use leptos::prelude::Get;

use super::screen::{BASE, Screen};
use crate::nav::{self, Location};

/// Where the console is: the current URL's path and query.
pub type Here = Location;

impl Location {
    /// The screen at the current URL (tracked).
    pub fn screen(self) -> Screen {
        Screen::parse(&self.path.get(), &self.search.get())
    }
}

/// Start following the URL, keeping clicks on links to the console's screens in the app.
pub fn provide() -> Here {
    nav::provide_keeping(is_console_path)
}

/// Where the console is (`None` before [`provide`]).
pub fn here() -> Option<Here> {
    nav::current()
}

/// Go to `screen`: a new history entry (the back button returns), at the top of the page.
pub fn go(screen: &Screen) {
    nav::navigate(&screen.href());
}

/// Whether `path` is one of the console's screens (under `/console/`).
fn is_console_path(path: &str) -> bool {
    path.strip_prefix(BASE)
        .is_some_and(|rest| rest.starts_with('/'))
}
