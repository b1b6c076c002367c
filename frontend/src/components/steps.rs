//! The journey's progress: "1 填写信息 · 2 上传照片 · 3 确认提交".

use std::cmp::Ordering;

use leptos::prelude::*;

/// A numbered list of step names with the current one marked (`aria-current="step"`).
#[component]
pub fn StepBar(
    /// Step names in order (already in the current language).
    #[prop(into)]
    steps: Signal<Vec<String>>,
    /// Index of the current step.
    #[prop(into)]
    current: Signal<usize>,
) -> impl IntoView {
    view! {
        <ol class="steps">
            {move || {
                let now = current.get();
                steps
                    .get()
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let state = match i.cmp(&now) {
                            Ordering::Less => "done",
                            Ordering::Equal => "current",
                            Ordering::Greater => "",
                        };
                        view! {
                            <li class=state aria-current=(i == now).then_some("step")>
                                <span class="num">{i + 1}</span>
                                <span class="name">{name}</span>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ol>
    }
}
