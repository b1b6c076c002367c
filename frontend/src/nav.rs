//! In-app navigation over the History API: the current URL as a signal, [`navigate`], the
//! back/forward buttons, and same-origin link clicks kept inside the app. Which page a URL
//! is, is [`crate::pages::Page::parse`]'s job.
//!
//! This replaces `leptos_router`: with two flat pages the app used only its history half
//! (matching was already `Page::parse`), and that half cost 20 kB gzip, a tenth of the
//! first-load budget. The browser does the work; what is here is the glue.

use std::cell::Cell;

use leptos::{ev, prelude::*};
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    /// The app's one [`Location`]: set by [`provide`], read by [`navigate`] (which runs from
    /// event handlers and tasks, outside any reactive owner's context).
    static CURRENT: Cell<Option<Location>> = const { Cell::new(None) };
}

/// The current URL's path and query string (with its `?`, or empty).
#[derive(Debug, Clone, Copy)]
pub struct Location {
    /// `location.pathname`.
    pub path: RwSignal<String>,
    /// `location.search`.
    pub search: RwSignal<String>,
}

impl Location {
    /// A query parameter of the current URL (decoded), if present.
    pub fn query(&self, name: &str) -> Option<String> {
        let search = self.search.get();
        web_sys::UrlSearchParams::new_with_str(&search)
            .ok()
            .and_then(|q| q.get(name))
    }

    fn read(self) {
        let loc = window().location();
        self.path.set(loc.pathname().unwrap_or_else(|_| "/".into()));
        self.search.set(loc.search().unwrap_or_default());
    }
}

/// Start following the URL: the app's [`Location`], kept current on the back/forward buttons
/// and on clicks on same-origin links.
pub fn provide() -> Location {
    provide_keeping(|_| true)
}

/// As [`provide`], keeping inside the app only the same-origin links whose path `keep`
/// accepts (the console keeps its own screens; the shop and the CSV export load as usual).
pub fn provide_keeping(keep: fn(&str) -> bool) -> Location {
    let location = Location {
        path: RwSignal::new(String::new()),
        search: RwSignal::new(String::new()),
    };
    location.read();
    CURRENT.set(Some(location));
    // The listeners live as long as the page: the app is never unmounted.
    std::mem::forget(window_event_listener(ev::popstate, move |_| {
        location.read()
    }));
    std::mem::forget(window_event_listener(ev::click, move |e| {
        if let Some(href) = in_app_href(&e, keep) {
            e.prevent_default();
            navigate(&href);
        }
    }));
    location
}

/// The app's [`Location`] (`None` before [`provide`]).
pub fn current() -> Option<Location> {
    CURRENT.get()
}

/// Go to a path inside the app (a new history entry), at the top of the new page.
pub fn navigate(href: &str) {
    let window = window();
    let pushed = window
        .history()
        .and_then(|h| h.push_state_with_url(&JsValue::NULL, "", Some(href)));
    if pushed.is_err() {
        // No History API (or a refused URL): let the browser load it.
        let _ = window.location().set_href(href);
        return;
    }
    if let Some(location) = CURRENT.get() {
        location.read();
    }
    window.scroll_to_with_x_and_y(0.0, 0.0);
}

/// The path and query of a plain left click on a same-origin `<a href>` whose path `keep`
/// accepts and that the browser would otherwise follow (no modifier keys, no `target`, no
/// `download`, not already handled).
fn in_app_href(e: &web_sys::MouseEvent, keep: fn(&str) -> bool) -> Option<String> {
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
    (anchor.origin() == here && keep(&path)).then(|| path + &anchor.search() + &anchor.hash())
}
