//! Step 2 (三照 products only): the three photos.

use leptos::prelude::*;

use super::STEP_HEADING;
use crate::{components::photo_picker::PhotoFields, i18n::tr, photo::PhotoSet};

/// The photo inputs; "下一步" goes on once all three are picked and passed the check.
#[component]
pub fn PhotosStep(
    /// The three photos.
    photos: PhotoSet,
    /// Back to the details.
    #[prop(into)]
    on_back: Callback<()>,
    /// On to the review.
    #[prop(into)]
    on_next: Callback<()>,
) -> impl IntoView {
    let next = move |_| {
        photos.require_all();
        if photos.ready().is_some() {
            on_next.run(());
        }
    };
    view! {
        <section class="card">
            <h2 id=STEP_HEADING tabindex="-1">{tr("上传照片", "Photos")}</h2>
            <PhotoFields photos />
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| on_back.run(())>
                    {tr("上一步", "Back")}
                </button>
                <button type="button" class="submit" id="photos-next" on:click=next>
                    {tr("下一步", "Next")}
                </button>
            </div>
        </section>
    }
}
