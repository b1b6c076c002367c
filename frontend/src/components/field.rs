//! A labelled form field with its error line underneath.

use leptos::prelude::*;

/// A text input bound to `value`, showing `error` below it. The input is `aria-invalid` while
/// an error shows, and the error is linked by `aria-describedby` so screen readers read it.
#[component]
pub fn TextField(
    /// The element id, also the base of the error's id (`{id}-error`).
    id: &'static str,
    /// Label text (already in the current language).
    #[prop(into)]
    label: Signal<String>,
    /// The field's value.
    value: RwSignal<String>,
    /// The message to show, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Called when the field loses focus (marks it as touched).
    #[prop(into)]
    on_blur: Callback<()>,
    /// `inputmode` hint for mobile keyboards (`numeric`, `tel`, `text`).
    #[prop(default = "text")]
    inputmode: &'static str,
    /// `autocomplete` hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Maximum length in characters.
    #[prop(default = 120)]
    maxlength: u32,
    /// Placeholder (already in the current language).
    #[prop(into, optional)]
    placeholder: Signal<String>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type="text"
                inputmode=inputmode
                autocomplete=autocomplete
                maxlength=maxlength
                placeholder=placeholder
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| on_blur.run(())
            />
            <p class="error" id=error_id role="alert">
                {move || error.get().unwrap_or_default()}
            </p>
        </div>
    }
}

/// A `<select>` bound to `value`, offering `options` (value = label) after a prompt option.
#[component]
pub fn SelectField(
    /// The element id.
    id: &'static str,
    /// Label text.
    #[prop(into)]
    label: Signal<String>,
    /// The chosen value ("" for none).
    value: RwSignal<String>,
    /// The options to offer, as (value, label).
    #[prop(into)]
    options: Signal<Vec<(String, String)>>,
    /// The prompt shown while nothing is chosen.
    #[prop(into)]
    prompt: Signal<String>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select
                id=id
                name=id
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="">{prompt}</option>
                {move || {
                    let chosen = value.get();
                    options
                        .get()
                        .into_iter()
                        .map(|(v, l)| {
                            let selected = v == chosen;
                            view! { <option value=v selected=selected>{l}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}
