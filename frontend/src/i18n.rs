//! The two languages of the UI: Chinese first, English switchable. The choice is kept in
//! `localStorage` so a reload keeps it.

use haoka_shared::FieldIssue;
use leptos::prelude::*;

const STORAGE_KEY: &str = "haoka.lang";

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 中文 (default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The stored choice, or Chinese.
    pub fn initial() -> Lang {
        let stored = window()
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        match stored.as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// Keep the choice for the next visit (best effort: private mode may refuse).
    pub fn remember(self) {
        if let Ok(Some(s)) = window().local_storage() {
            let _ = s.set_item(STORAGE_KEY, if self == Lang::En { "en" } else { "zh" });
        }
        if let Some(el) = document().document_element() {
            let _ = el.set_attribute("lang", if self == Lang::En { "en" } else { "zh-CN" });
        }
    }

    /// The other language.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Choose between a Chinese and an English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A field issue's message in this language.
    pub fn issue(self, issue: &FieldIssue) -> String {
        match self {
            Lang::Zh => issue.message_zh.clone(),
            Lang::En => issue.message_en.clone(),
        }
    }
}

/// The current language from context (Chinese if none was provided).
pub fn use_lang() -> Signal<Lang> {
    match use_context::<RwSignal<Lang>>() {
        Some(s) => s.into(),
        None => Signal::stored(Lang::Zh),
    }
}

/// A fixed text in the current language, as a signal (for labels and buttons).
pub fn tr(zh: &'static str, en: &'static str) -> Signal<String> {
    let lang = use_lang();
    Signal::derive(move || lang.get().pick(zh, en).to_owned())
}
