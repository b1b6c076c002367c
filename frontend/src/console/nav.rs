//! The console's URL over the History API: where it is as a signal ([`Here`]), [`go`] to a
//! screen (a new history entry), the back and forward buttons, and plain clicks on links to
//! the console's own screens kept inside the app. Which screen a URL is, is
//! [`Screen::parse`]'s job.
//!
//! The shop's `crate::nav` does the same for the shop and keeps every same-origin link; this
//! one keeps only links under `/console/` (the shop and the CSV export load as usual).
//! `leptos_router` (`<Router>`, `<Routes>` of the six screens) did this too and cost the
//! console 47.8 kB gzip (290.8 → 338.6 kB, measured 2026-12-03 with `scripts/sizes.sh`) for
//! six flat screens: the browser does the work, what is here is the glue.

use std::cell::Cell;

use leptos::{ev, prelude::*};
use wasm_bindgen::{JsCast, JsValue};

use super::screen::{BASE, Screen};

thread_local! {
    /// The console's one [`Here`]: set by [`provide`], read by [`go`] and [`here`] (handlers
    /// and tasks run outside any reactive owner's context).
    static CURRENT: Cell<Option<Here>> = const { Cell::new(None) };
}

/// The current URL's path and query string (with its `?`, or empty).
#[derive(Debug, Clone, Copy)]
pub struct Here {
    /// `location.pathname`.
    pub path: RwSignal<String>,
    /// `location.search`.
    pub search: RwSignal<String>,
}

impl Here {
    /// The screen at the current URL (tracked).
    pub fn screen(self) -> Screen {
        Screen::parse(&self.path.get(), &self.search.get())
    }

    fn read(self) {
        let loc = window().location();
        self.path.set(loc.pathname().unwrap_or_else(|_| "/".into()));
        self.search.set(loc.search().unwrap_or_default());
    }
}

/// Start following the URL: kept current on the back and forward buttons and on clicks on
/// links to the console's screens.
pub fn provide() -> Here {
    let here = Here {
        path: RwSignal::new(String::new()),
        search: RwSignal::new(String::new()),
    };
    here.read();
    CURRENT.set(Some(here));
    // The listeners live as long as the page: the console is never unmounted.
    std::mem::forget(window_event_listener(ev::popstate, move |_| here.read()));
    std::mem::forget(window_event_listener(ev::click, move |e| {
        if let Some(href) = console_href(&e) {
            e.prevent_default();
            navigate(&href);
        }
    }));
    here
}

/// Where the console is (`None` before [`provide`]).
pub fn here() -> Option<Here> {
    CURRENT.get()
}

/// Go to `screen`: a new history entry (the back button returns), at the top of the page.
pub fn go(screen: &Screen) {
    navigate(&screen.href());
}

fn navigate(href: &str) {
    let window = window();
    let pushed = window
        .history()
        .and_then(|h| h.push_state_with_url(&JsValue::NULL, "", Some(href)));
    if pushed.is_err() {
        // No History API (or a refused URL): let the browser load it.
        let _ = window.location().set_href(href);
        return;
    }
    if let Some(here) = CURRENT.get() {
        here.read();
    }
    window.scroll_to_with_x_and_y(0.0, 0.0);
}

/// The path and query of a plain left click on a link to one of the console's screens that
/// the browser would otherwise follow (no modifier keys, no `target`, no `download`, not
/// already handled, same origin, under `/console/`).
fn console_href(e: &web_sys::MouseEvent) -> Option<String> {
    if e.default_prevented()
        || e.button() != 0
        || e.meta_key()
        || e.ctrl_key()
        || e.shift_key()
        || e.alt_key()
    {
        return None;
    }
    let target = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    let anchor = target
        .closest("a[href]")
        .ok()??
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .ok()?;
    if !anchor.target().is_empty() || anchor.has_attribute("download") {
        return None;
    }
    let here = window().location().origin().ok()?;
    let path = anchor.pathname();
    let ours = path
        .strip_prefix(BASE)
        .is_some_and(|rest| rest.starts_with('/'));
    (anchor.origin() == here && ours).then(|| path + &anchor.search() + &anchor.hash())
}
