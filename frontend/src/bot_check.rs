//! Cloudflare Turnstile in the order form, when the edge has it on (`GET /api/client-config`
//! names the site key and the script, loaded once per page). A widget sits just above the
//! button that sends (the pre-check's 下一步, the submit), rendered when its step shows and
//! removed when it goes; its token rides on that request as `x-haoka-turnstile`, and the
//! widget is reset after each use (a token works once).
//!
//! Every call into the script is caught: a script that failed to load or throws leaves the
//! form working without a token, and the edge decides (it refuses with `bot_check_failed`,
//! or lets an unchecked client through its narrower budget during an outage).

use haoka_shared::api::{CLIENT_CONFIG_PATH, ClientConfig, TurnstileWidget};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue, closure::Closure, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;

use crate::{
    api::{self, Body},
    i18n::{Lang, use_lang},
};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = turnstile, js_name = render)]
    fn turnstile_render(
        container: &web_sys::Element,
        options: &JsValue,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = turnstile, js_name = reset)]
    fn turnstile_reset(widget: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = turnstile, js_name = remove)]
    fn turnstile_remove(widget: &JsValue) -> Result<(), JsValue>;
}

/// The bot check's state on the order page (a context; absent means off).
#[derive(Clone, Copy)]
pub struct BotCheck {
    /// The widget's settings, once the edge said Turnstile is on.
    widget: RwSignal<Option<TurnstileWidget>>,
    /// The script's widget id, once rendered.
    rendered: RwSignal<Option<String>>,
    /// The script is in the page.
    loaded: RwSignal<bool>,
    /// The current unused token.
    token: RwSignal<Option<String>>,
    /// The script did not load (in time) or would not render: requests go without a token.
    broken: RwSignal<bool>,
    /// The edge has said whether the check is on (or could not be asked).
    known: RwSignal<bool>,
}

/// How long the widget's script may take to load before requests go without a token (the
/// edge then decides: refused, or through the narrower budget during an outage).
const SCRIPT_WAIT_MS: i32 = 15_000;

/// Why a request should wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotReady;

impl BotCheck {
    /// A bot check for this page, provided as context; asks the edge whether it is on.
    pub fn provide() -> BotCheck {
        let bot = BotCheck {
            widget: RwSignal::new(None),
            rendered: RwSignal::new(None),
            loaded: RwSignal::new(false),
            token: RwSignal::new(None),
            broken: RwSignal::new(false),
            known: RwSignal::new(false),
        };
        provide_context(bot);
        spawn_local(async move {
            if let Ok(config) = client_config().await {
                bot.widget.set(config.turnstile);
            }
            bot.known.set(true);
        });
        bot
    }

    /// Whether the widget is to be shown.
    pub fn on(self) -> bool {
        self.widget.with(Option::is_some)
    }

    /// The token to send now: `Ok(None)` when the check is off (or its script failed: the
    /// edge decides), `Err(NotReady)` while the script loads or the widget is solving.
    pub fn take(self) -> Result<Option<String>, NotReady> {
        if !self.known.get_untracked() {
            // A press before the edge said whether the check is on (a saved attempt reopened
            // on the review step): without a token it might be refused for nothing.
            return Err(NotReady);
        }
        if !self.widget.with_untracked(Option::is_some) || self.broken.get_untracked() {
            return Ok(None);
        }
        match self.token.get_untracked() {
            Some(token) => Ok(Some(token)),
            None => Err(NotReady),
        }
    }

    /// The token was sent (or refused): ask the widget for a fresh one.
    pub fn used(self) {
        self.token.set(None);
        if let Some(id) = self.rendered.get_untracked() {
            let _ = turnstile_reset(&JsValue::from_str(&id));
        }
    }

    /// Load the script (once per page) and render a widget into `container`.
    fn start(self, widget: TurnstileWidget, lang: Lang, container: web_sys::Element) {
        if !self.loaded.get_untracked() {
            // A script that never answers (blocked, very slow) must not hold the form for ever.
            spawn_local(async move {
                crate::sleep(SCRIPT_WAIT_MS).await;
                if !self.loaded.get_untracked() && !self.broken.get_untracked() {
                    web_sys::console::warn_1(&"bot check: the script did not load in time".into());
                    self.broken.set(true);
                }
            });
        }
        spawn_local(async move {
            if !self.loaded.get_untracked() {
                if load_script(&widget.script_url).await.is_err() {
                    web_sys::console::warn_1(&"bot check: the script did not load".into());
                    self.broken.set(true);
                    return;
                }
                self.loaded.set(true);
            }
            match render(&container, &widget.sitekey, lang, self.token) {
                Ok(id) => self.rendered.set(Some(id)),
                Err(_) => {
                    web_sys::console::warn_1(&"bot check: render failed".into());
                    self.broken.set(true);
                }
            }
        });
    }

    /// The widget's step went away: remove it; the next step renders its own.
    fn stop(self) {
        self.token.set(None);
        if let Some(id) = self.rendered.get_untracked() {
            let _ = turnstile_remove(&JsValue::from_str(&id));
            self.rendered.set(None);
        }
    }
}

/// What the form shows when a request waits for the widget.
pub fn not_ready() -> api::ClientError {
    api::ClientError::Refused {
        status: 0,
        body: haoka_shared::api::ApiError {
            error: "bot_check_pending".into(),
            message_zh: "请稍候，人机验证还在进行，完成后再点一次".into(),
            message_en: "Please wait: the check that you are not a robot is still running; \
                then press again"
                .into(),
            fields: Vec::new(),
        },
    }
}

async fn client_config() -> Result<ClientConfig, api::ClientError> {
    let (status, body) = api::call("GET", CLIENT_CONFIG_PATH, &[], Body::Empty).await?;
    if !(200..300).contains(&status) {
        return Err(api::ClientError::Unavailable(status));
    }
    serde_json::from_str(&body).map_err(|_| api::ClientError::Network("decode".into()))
}

/// Add `<script src="{url}?render=explicit" async>` once per page and wait for it: a second
/// caller while it loads waits on the same tag, and one after it has loaded returns at once.
async fn load_script(url: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    if js_sys::Reflect::has(&window, &JsValue::from_str("turnstile")).unwrap_or(false) {
        return Ok(());
    }
    let document = window
        .document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    if let Some(tag) = document.query_selector("script[data-bot-check]")? {
        let loaded = js_sys::Promise::new(&mut |resolve, reject| {
            let _ = tag.add_event_listener_with_callback("load", &resolve);
            let _ = tag.add_event_listener_with_callback("error", &reject);
        });
        return JsFuture::from(loaded).await.map(|_| ());
    }
    let head = document
        .query_selector("head")?
        .ok_or_else(|| JsValue::from_str("no head"))?;
    let script = document.create_element("script")?;
    script.set_attribute("data-bot-check", "")?;
    let sep = if url.contains('?') { '&' } else { '?' };
    script.set_attribute("src", &format!("{url}{sep}render=explicit"))?;
    script.set_attribute("async", "")?;
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &reject);
    });
    head.append_child(&script)?;
    JsFuture::from(loaded).await.map(|_| ())
}

/// `turnstile.render(container, {sitekey, callback, …})`; the widget id.
fn render(
    container: &web_sys::Element,
    sitekey: &str,
    lang: Lang,
    token: RwSignal<Option<String>>,
) -> Result<String, JsValue> {
    let options = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&options, &JsValue::from_str(k), v);
    set("sitekey", &JsValue::from_str(sitekey))?;
    let language = match lang {
        Lang::Zh => "zh-cn",
        Lang::En => "en",
    };
    set("language", &JsValue::from_str(language))?;
    // The closures live as long as the page (a few widgets per page load at most).
    let solved = Closure::<dyn Fn(JsValue)>::new(move |t: JsValue| {
        token.set(t.as_string().filter(|t| !t.is_empty()));
    });
    let lost = Closure::<dyn Fn()>::new(move || token.set(None));
    set("callback", solved.as_ref().unchecked_ref())?;
    set("expired-callback", lost.as_ref().unchecked_ref())?;
    set("error-callback", lost.as_ref().unchecked_ref())?;
    solved.forget();
    lost.forget();
    let id = turnstile_render(container, &options)?;
    Ok(id.as_string().unwrap_or_default())
}

/// Where the widget shows, above a step's sending button (nothing while the check is off or
/// outside the order page).
#[component]
pub fn BotCheckBox() -> impl IntoView {
    let lang = use_lang();
    let bot = use_context::<BotCheck>();
    let holder = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let (Some(bot), Some(el)) = (bot, holder.get()) else {
            return;
        };
        if let Some(widget) = bot.widget.get()
            && bot.rendered.get_untracked().is_none()
        {
            bot.start(widget, lang.get_untracked(), el.into());
        }
    });
    on_cleanup(move || {
        if let Some(bot) = bot {
            bot.stop();
        }
    });
    let on = move || bot.is_some_and(BotCheck::on);
    view! {
        <div class="bot-check" hidden=move || !on()>
            <p class="hint">{move || lang.get().pick("人机验证（保护您的信息不被滥用）", "Bot check (keeps your details from being abused)")}</p>
            <div node_ref=holder></div>
        </div>
    }
}
