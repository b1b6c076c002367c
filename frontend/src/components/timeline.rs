//! An order's timeline: each state it entered, in plain words, with its time in China.

use haoka_shared::{ChinaDateTime, api::TimelineEntry};
use leptos::prelude::*;

use crate::i18n::use_lang;

/// `(date, time)` in China: `("2026-11-22", "14:05")`.
pub fn china_time(at_ms: i64) -> (String, String) {
    let shown = ChinaDateTime::from_unix_millis(at_ms).display();
    let date = shown.get(..10).unwrap_or_default().to_owned();
    let time = shown.get(11..16).unwrap_or_default().to_owned();
    (date, time)
}

/// A vertical list (`#timeline li`), newest first; the newest is the current state and is
/// marked (`class="current"`, `aria-current="step"`).
#[component]
pub fn Timeline(
    /// Every state entered, oldest first (as the edge sends them).
    #[prop(into)]
    entries: Signal<Vec<TimelineEntry>>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <ol class="timeline" id="timeline">
            {move || {
                let lang = lang.get();
                entries
                    .get()
                    .into_iter()
                    .rev()
                    .enumerate()
                    .map(|(i, e)| {
                        let (date, time) = china_time(e.at_ms);
                        let label = lang.pick(e.state.label_zh(), e.state.label_en()).to_owned();
                        view! {
                            <li class:current=i == 0 aria-current=(i == 0).then_some("step")>
                                <span class="label">{label}</span>
                                // Date then time, as the order's details write it.
                                <span class="when">
                                    <span class="date">{date}</span>
                                    " "
                                    <span class="time">{time}</span>
                                </span>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ol>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_china_time() {
        // 2026-11-21T16:05:00Z is 00:05 on 2026-11-22 in China.
        assert_eq!(
            china_time(1_795_276_800_000 + 5 * 60_000),
            ("2026-11-22".to_owned(), "00:05".to_owned())
        );
    }
}
