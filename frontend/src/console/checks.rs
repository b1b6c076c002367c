//! Running a check and showing one: the picker and the form, both drawn from the table
//! (`haoka_shared::realme::CHECKS`, plus phone three-factor with `mobilecheck`'s form), the
//! same validation the edge runs, the consent ticks, photos from the capture page; and the
//! result card, which polls while the check is pending and reveals a masked input on a stated
//! reason. The picker is sectioned by the table's [`Group`]s (what the agent wants to know);
//! the Moxie carrier steps are not entries of their own but run inside the guided flow; a
//! field an agent cannot be expected to know shows the table's words under it.

use crate::sleep;
use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::STANDARD};
use haoka_shared::api::console::{
    self as wire, CHECKS as CHECKS_PATH, CheckView, Consent, Reveal, Revealed, check_path,
    reveal_path,
};
use haoka_shared::{
    consent::{
        CHECK_CONSENT_EN, CHECK_CONSENT_VERSION, CHECK_CONSENT_ZH, SENSITIVE_CONSENT_EN,
        SENSITIVE_CONSENT_ZH, needs_sensitive_consent,
    },
    realme::{self, CHECKS, Check, Group, Kind, Mode, Param},
    realme_form::{self, ParamIssue},
};
use leptos::{ev, prelude::*, task::spawn_local};
use wasm_bindgen_futures::JsFuture;

use super::moxie::MoxieFlow;
use super::{api, csrf, screen::Screen, when};
use crate::{
    capture::embed::{PHOTOS_QUERY, Posted, read_posted},
    i18n::{Lang, tr, use_lang},
};

/// The pseudo-check of phone three-factor.
const PHONE3: &str = "phone3";
/// The picker's entry for the guided Moxie carrier flow.
const MOXIE_FLOW: &str = "moxie-flow";

/// The form's table row: `mobilecheck`'s for phone3.
fn form_of(name: &str) -> Option<&'static Check> {
    if name == PHONE3 {
        realme::check("mobilecheck")
    } else {
        realme::check(name)
    }
}

/// Phone three-factor's entry: its value and title in `lang`.
fn phone3_choice(lang: Lang) -> (&'static str, String) {
    (
        PHONE3,
        lang.pick("手机号三要素核验", "Phone three-factor check")
            .to_owned(),
    )
}

/// A check's entry: its name and title in `lang` (async ones marked).
fn choice(c: &'static Check, lang: Lang) -> (&'static str, String) {
    let title = lang.pick(c.title_zh, c.title_en);
    let later = if c.mode == Mode::Sync {
        ""
    } else {
        lang.pick("（异步）", " (async)")
    };
    (c.name, format!("{title}{later}"))
}

/// Every check, phone3 first, with its title in `lang` (async ones marked): the history's
/// filter, where the carrier steps that were run show up too.
pub fn check_choices(lang: Lang) -> Vec<(&'static str, String)> {
    std::iter::once(phone3_choice(lang))
        .chain(CHECKS.iter().map(|c| choice(c, lang)))
        .collect()
}

/// One labelled section of the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickerSection {
    /// What the entries answer.
    pub group: Group,
    /// The section's heading in `lang`.
    pub label: &'static str,
    /// `(value, title)` of each entry, in table order.
    pub entries: Vec<(&'static str, String)>,
}

/// The picker: every check an agent starts from it, in sections by [`Group::ALL`]'s order;
/// phone three-factor heads the phone section, the guided Moxie flow is the carrier section's
/// entry, and the flow-only steps are left out. Sections without entries are dropped.
pub fn picker_sections(lang: Lang) -> Vec<PickerSection> {
    Group::ALL
        .iter()
        .map(|&group| {
            let mut entries = Vec::new();
            if group == Group::Phone {
                entries.push(phone3_choice(lang));
            }
            entries.extend(
                CHECKS
                    .iter()
                    .filter(|c| c.group == group && !c.flow_only)
                    .map(|c| choice(c, lang)),
            );
            if group == Group::Carrier {
                entries.push((
                    MOXIE_FLOW,
                    lang.pick(
                        "运营商授权（魔蝎，分步引导）",
                        "Carrier authorisation (Moxie, guided)",
                    )
                    .to_owned(),
                ));
            }
            PickerSection {
                group,
                label: lang.pick(group.label_zh(), group.label_en()),
                entries,
            }
        })
        .filter(|s| !s.entries.is_empty())
        .collect()
}

/// The capture page's part for an image parameter: the card frame for ID and bank cards and
/// licences, the portrait otherwise.
fn part_for(param: &str) -> &'static str {
    if param.contains("negative") || param.contains("back") {
        "back"
    } else if param.contains("front")
        || param.contains("card")
        || param.contains("license")
        || param == "id_pic"
    {
        "face"
    } else {
        "hand"
    }
}

fn label(p: &Param, lang: Lang) -> String {
    lang.pick(p.label_zh, p.label_en).to_owned()
}

/// The run-a-check panel of a case.
#[component]
pub fn RunCheck(
    /// The case the check belongs to.
    case_id: String,
    /// What the case holds for checks to use: (`name` | `id_number`, masked words).
    subject: Signal<Vec<(String, String)>>,
    /// A check was run (its view, to show at the top).
    on_ran: Callback<CheckView>,
) -> impl IntoView {
    let lang = use_lang();
    let case_id_for_flow = case_id.clone();
    let chosen = RwSignal::new(String::new());
    let values = RwSignal::new(BTreeMap::<String, String>::new());
    let thumbs = RwSignal::new(BTreeMap::<String, String>::new());
    let issues = RwSignal::new(Vec::<ParamIssue>::new());
    let consent = RwSignal::new(false);
    let sensitive = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    // The image parameter the capture page is open for.
    let capturing = RwSignal::new(None::<String>);
    // Fields the edge fills from the case (the agent sees them masked, and may type instead).
    let from_case = RwSignal::new(BTreeMap::<String, String>::new());
    let case_fields = move |name: &str| -> BTreeMap<String, String> {
        let held = subject.get_untracked();
        let masked_of = |part: &str| held.iter().find(|(p, _)| p == part).map(|(_, m)| m.clone());
        form_of(name)
            .map(|form| {
                realme_form::agent_params(form)
                    .filter_map(|p| {
                        let part = match p.kind {
                            Kind::Name => "name",
                            Kind::IdNumber => "id_number",
                            _ => return None,
                        };
                        masked_of(part).map(|m| (p.name.to_owned(), m))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };

    let reset = move || {
        values.set(BTreeMap::new());
        for url in thumbs.get_untracked().values() {
            let _ = web_sys::Url::revoke_object_url(url);
        }
        thumbs.set(BTreeMap::new());
        issues.set(Vec::new());
        consent.set(false);
        sensitive.set(false);
        error.set(String::new());
    };
    let handle = window_event_listener(ev::message, move |e| {
        on_photo(&e, capturing, values, thumbs);
    });
    on_cleanup(move || handle.remove());

    let submit = move |_| {
        let name = chosen.get_untracked();
        let Some(form) = form_of(&name) else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        let filled = from_case.get_untracked();
        let fields: BTreeMap<String, String> = values
            .get_untracked()
            .into_iter()
            .filter(|(k, v)| !v.trim().is_empty() && !filled.contains_key(k))
            .collect();
        // The edge's own rules first: a form it would refuse is not sent (the fields it fills
        // from the case are its to check).
        if let Err(found) = realme_form::validate_form(form, &fields) {
            let found: Vec<ParamIssue> = found
                .into_iter()
                .filter(|i| !filled.contains_key(&i.param))
                .collect();
            if !found.is_empty() {
                issues.set(found);
                return;
            }
        }
        issues.set(Vec::new());
        busy.set(true);
        error.set(String::new());
        let body = wire::RunCheck {
            check: name,
            fields,
            consent: Consent {
                version: CHECK_CONSENT_VERSION.to_owned(),
                confirmed: consent.get_untracked(),
                sensitive: sensitive.get_untracked(),
            },
            case_id: Some(case_id.clone()),
            from_case: filled.into_keys().collect(),
        };
        let token = csrf();
        spawn_local(async move {
            match api::post::<CheckView, _>(CHECKS_PATH, &token, &body).await {
                Ok(view) => {
                    reset();
                    on_ran.run(view);
                }
                Err(f) => {
                    issues.set(f.problem.params.clone());
                    error.set(f.words(lang.get_untracked()));
                }
            }
            busy.set(false);
        });
    };

    let form = move || form_of(&chosen.get());
    let flow_case = case_id_for_flow;
    let needs_second = move || {
        let name = chosen.get();
        name != PHONE3 && realme::check(&name).is_some_and(needs_sensitive_consent)
    };
    view! {
        <section class="card run-check">
            <h2>{tr("核验", "Run a check")}</h2>
            <div class="field">
                <label for="check-picker">{tr("核验项目", "Check")}</label>
                <select id="check-picker" on:change=move |ev| {
                    let name = event_target_value(&ev);
                    from_case.set(case_fields(&name));
                    chosen.set(name);
                    reset();
                }>
                    <option value="">{tr("请选择", "Choose")}</option>
                    // Native <optgroup>s: on a phone the system's list shows the headings,
                    // with full-height rows, and keyboards and screen readers know them.
                    {move || picker_sections(lang.get()).into_iter().map(|section| view! {
                        <optgroup label=section.label data-group=section.group.key()>
                            {section.entries.into_iter().map(|(name, title)| view! {
                                <option value=name selected=move || chosen.get() == name>{title}</option>
                            }).collect_view()}
                        </optgroup>
                    }).collect_view()}
                </select>
            </div>
            {move || (chosen.get() == MOXIE_FLOW).then(|| view! {
                <MoxieFlow case_id=flow_case.clone() on_ran />
            })}
            {move || form().map(|check| {
                realme_form::agent_params(check).map(|p| view! {
                    <ParamField param=p values thumbs issues capturing from_case />
                }).collect_view()
            })}
            <Show when=move || form().is_some()>
                <label class="consent">
                    <input type="checkbox" id="consent-main"
                        prop:checked=move || consent.get()
                        on:change=move |ev| consent.set(event_target_checked(&ev)) />
                    <span>{move || lang.get().pick(CHECK_CONSENT_ZH, CHECK_CONSENT_EN).to_owned()}</span>
                </label>
                <Show when=needs_second>
                    <label class="consent">
                        <input type="checkbox" id="consent-sensitive"
                            prop:checked=move || sensitive.get()
                            on:change=move |ev| sensitive.set(event_target_checked(&ev)) />
                        <span>{move || lang.get().pick(SENSITIVE_CONSENT_ZH, SENSITIVE_CONSENT_EN).to_owned()}</span>
                    </label>
                </Show>
                <p class="error" id="check-error" role="alert">{move || error.get()}</p>
                <button type="button" class="submit" id="check-submit" disabled=move || busy.get()
                    on:click=submit.clone()>
                    {move || if busy.get() { tr("核验中…", "Checking…").get() } else { tr("提交核验", "Run the check").get() }}
                </button>
            </Show>
        </section>
        {move || capturing.get().map(|param| {
            let frame = NodeRef::<leptos::html::Iframe>::new();
            let src = format!("/capture/?{PHOTOS_QUERY}={}", part_for(&param));
            view! {
                <div class="capture-overlay" role="dialog" aria-modal="true" aria-label=move || lang.get().pick("拍摄照片", "Take the photos").to_owned()>
                    <button type="button" class="close" id="capture-close" on:click=move |_| capturing.set(None)>
                        {tr("关闭", "Close")}
                    </button>
                    <iframe id="capture-frame" src=src allow="camera" node_ref=frame
                        title=move || lang.get().pick("拍照页面", "Photo capture page").to_owned()
                        on:load=move |_| { if let Some(f) = frame.get_untracked() { let _ = f.focus(); } }></iframe>
                </div>
            }
        })}
    }
}

/// One input of the form, drawn from its table row.
#[component]
fn ParamField(
    param: &'static Param,
    values: RwSignal<BTreeMap<String, String>>,
    thumbs: RwSignal<BTreeMap<String, String>>,
    issues: RwSignal<Vec<ParamIssue>>,
    capturing: RwSignal<Option<String>>,
    from_case: RwSignal<BTreeMap<String, String>>,
) -> impl IntoView {
    let lang = use_lang();
    let name = param.name;
    let case_value = move || from_case.get().get(name).cloned();
    let id = format!("param-{name}");
    let value = move || values.get().get(name).cloned().unwrap_or_default();
    let set = move |v: String| {
        values.update(|m| {
            m.insert(name.to_owned(), v);
        })
    };
    let problem = move || {
        issues
            .get()
            .iter()
            .find(|i| i.param == name)
            .map(|i| lang.get().pick(&i.message_zh, &i.message_en).to_owned())
            .unwrap_or_default()
    };
    let required = if param.required { " *" } else { "" };
    // The table's words for a field an agent cannot be expected to know, read out with it.
    let hint_id = format!("param-{name}-hint");
    let described = (!param.hint_zh.is_empty()).then(|| hint_id.clone());
    let hint = described.is_some().then(|| {
        view! {
            <p class="hint param-hint" id=hint_id.clone() data-hint=name>
                {move || lang.get().pick(param.hint_zh, param.hint_en).to_owned()}
            </p>
        }
    });
    let input = match param.kind {
        Kind::Image => view! {
            <div class="image-param">
                {move || thumbs.get().get(name).cloned().map(|url| view! { <img class="thumb" src=url alt="" /> })}
                <button type="button" class="secondary" id=id.clone() data-param=name aria-describedby=described.clone()
                    on:click=move |_| capturing.set(Some(name.to_owned()))>
                    {move || if value().is_empty() { tr("拍照", "Take photo").get() } else { tr("重拍", "Retake").get() }}
                </button>
            </div>
        }
        .into_any(),
        Kind::OneOf(choices) => view! {
            <select id=id.clone() data-param=name aria-describedby=described.clone()
                on:change=move |ev| set(event_target_value(&ev))>
                <option value="">{tr("请选择", "Choose")}</option>
                {choices.iter().map(|c| {
                    let words = move || match realme::choice_label(name, c) {
                        Some((zh, en)) => format!("{c} · {}", lang.get().pick(zh, en)),
                        None => (*c).to_owned(),
                    };
                    view! { <option value=*c>{words}</option> }
                }).collect_view()}
            </select>
        }
        .into_any(),
        kind => {
            let (kind_attr, mode) = match kind {
                Kind::Secret => ("password", "text"),
                Kind::Mobile | Kind::BankCard | Kind::Date | Kind::MonthYear => ("text", "numeric"),
                _ => ("text", "text"),
            };
            view! {
                <input id=id.clone() data-param=name type=kind_attr inputmode=mode autocomplete="off"
                    aria-describedby=described.clone()
                    prop:value=value on:input=move |ev| set(event_target_value(&ev)) />
            }
            .into_any()
        }
    };
    view! {
        <div class="field" class:invalid=move || !problem().is_empty()>
            <label for=id>{move || label(param, lang.get())}{required}</label>
            {move || case_value().map(|masked| view! {
                <p class="from-case" data-from-case=name>
                    {tr("来自案件：", "From the case: ")} <span class="mono">{masked}</span>
                    <button type="button" class="link" data-type-instead=name
                        on:click=move |_| from_case.update(|m| { m.remove(name); })>
                        {tr("手动输入", "Type instead")}
                    </button>
                </p>
            })}
            <div class="param-input" hidden=move || case_value().is_some()>{input}{hint}</div>
            <p class="error" role="alert">{problem}</p>
        </div>
    }
}

/// A photo from the capture page: kept as BASE64 for the form, with a thumbnail.
fn on_photo(
    e: &web_sys::MessageEvent,
    capturing: RwSignal<Option<String>>,
    values: RwSignal<BTreeMap<String, String>>,
    thumbs: RwSignal<BTreeMap<String, String>>,
) {
    match read_posted(e) {
        Some(Posted::Photo { blob, .. }) => {
            let Some(param) = capturing.get_untracked() else {
                return;
            };
            if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
                thumbs.update(|m| {
                    m.insert(param.clone(), url);
                });
            }
            spawn_local(async move {
                if let Ok(buf) = JsFuture::from(blob.array_buffer()).await {
                    let bytes = js_sys::Uint8Array::new(&buf).to_vec();
                    values.update(|m| {
                        m.insert(param, STANDARD.encode(bytes));
                    });
                }
            });
        }
        Some(Posted::Finished) => capturing.set(None),
        None => {}
    }
}

/// A state in words.
fn state_words(state: &str, lang: Lang) -> &'static str {
    let (zh, en) = match state {
        "settled" => ("已完成", "Done"),
        "pending" => ("核验中", "Pending"),
        "failed" => ("未完成", "Not completed"),
        "timed_out" => ("超时", "Timed out"),
        _ => ("", ""),
    };
    lang.pick(zh, en)
}

/// Whether a shown input can be revealed (images and secrets are never kept).
fn revealable(value: &str) -> bool {
    !value.starts_with('<')
}

/// A masked input as an agent reads it: the edge's placeholders (`<图片 image>`, …) in words.
fn shown_input(value: &str, lang: Lang) -> String {
    match value {
        v if v.starts_with("<图片") => lang
            .pick("已发送图片（不保存）", "Image sent (not kept)")
            .to_owned(),
        v if v.starts_with('<') => lang.pick("已发送（不保存）", "Sent (not kept)").to_owned(),
        v => v.to_owned(),
    }
}

/// One check's result: fetched unless given, polled every 2 s while pending; with links to
/// its own page and to its case where the card is not already there.
#[component]
pub fn CheckCard(
    /// The check's id.
    id: String,
    /// Its view, when the list it is in brought it.
    #[prop(default = None)]
    initial: Option<CheckView>,
    /// Shown on its own page (`/console/checks/{id}`): no link to itself.
    #[prop(optional)]
    own_page: bool,
    /// Shown on its case's page: no link to the case.
    #[prop(optional)]
    in_case: bool,
) -> impl IntoView {
    let lang = use_lang();
    let view_of = RwSignal::new(initial);
    let alive = RwSignal::new(true);
    on_cleanup(move || alive.set(false));
    {
        let id = id.clone();
        spawn_local(async move {
            let path = check_path(&id);
            loop {
                let current = view_of.try_get_untracked().flatten();
                match &current {
                    Some(v) if v.state != "pending" => break,
                    Some(_) => sleep(2000).await,
                    None => {}
                }
                if !alive.try_get_untracked().unwrap_or(false) {
                    break;
                }
                match api::get::<CheckView>(&path).await {
                    Ok(v) => {
                        if view_of.try_set(Some(v)).is_some() {
                            break;
                        }
                    }
                    Err(_) => sleep(4000).await,
                }
            }
        });
    }
    let revealed = RwSignal::new(BTreeMap::<String, String>::new());
    let asking = RwSignal::new(None::<String>);
    let reason = RwSignal::new(String::new());
    let reveal_error = RwSignal::new(String::new());
    let reveal = {
        let id = id.clone();
        move |_| {
            let Some(field) = asking.get_untracked() else {
                return;
            };
            let body = Reveal {
                field: field.clone(),
                reason: reason.get_untracked(),
            };
            let path = reveal_path(&id);
            let token = csrf();
            spawn_local(async move {
                match api::post::<Revealed, _>(&path, &token, &body).await {
                    Ok(r) => {
                        revealed.update(|m| {
                            m.insert(field, r.value);
                        });
                        asking.set(None);
                        reason.set(String::new());
                        reveal_error.set(String::new());
                    }
                    Err(f) => reveal_error.set(f.words(lang.get_untracked())),
                }
            });
        }
    };
    move || {
        let Some(v) = view_of.get() else {
            return view! { <article class="card check"><p class="loading">{tr("载入中…", "Loading…")}</p></article> }.into_any();
        };
        let l = lang.get();
        let form = form_of(&v.check);
        let label_of = move |k: &str| {
            form.and_then(|c| c.params.iter().find(|p| p.name == k))
                .map(|p| label(p, l))
                .unwrap_or_else(|| k.to_owned())
        };
        let via = match v.via.as_str() {
            "mobilecheck_failover" => l.pick(
                "三要素服务繁忙，已自动改用 RealMe 手机号实名认证",
                "The three-factor service was busy: answered by RealMe mobilecheck instead",
            ),
            "reuse" => l.pick(
                "与近期同一核验相同，直接复用上次结果，未重复收费",
                "The same question was asked lately: the last result is reused, not charged again",
            ),
            _ => "",
        };
        let reveal = reveal.clone();
        view! {
            <article class="card check" data-check-id=v.id.clone() data-check=v.check.clone()
                data-state=v.state.clone() data-verdict=v.verdict.clone().unwrap_or_default()>
                <h3>{l.pick(&v.title_zh, &v.title_en).to_owned()}</h3>
                <p class="badge state">{state_words(&v.state, l)}</p>
                <p class="verdict">{l.pick(&v.explanation_zh, &v.explanation_en).to_owned()}</p>
                {(!via.is_empty()).then(|| view! { <p class="notice via">{via}</p> })}
                <p class="hint">
                    {format!("{} · {} · ¥{}.{:02}", when(v.created_at_ms), v.agent, v.cost_fen / 100, v.cost_fen % 100)}
                </p>
                <dl class="facts inputs">
                    {v.inputs.iter().map(|(k, shown)| {
                        let key = k.clone();
                        let key2 = k.clone();
                        let masked = shown.clone();
                        let can = revealable(shown);
                        view! {
                            <dt>{label_of(k)}</dt>
                            <dd>
                                {move || match revealed.get().get(&key).cloned() {
                                    Some(clear) => view! { <span class="mono" data-revealed=key.clone()>{clear}</span> }.into_any(),
                                    None => view! { <span class="mono">{shown_input(&masked, lang.get())}</span> }.into_any(),
                                }}
                                {move || (can && !revealed.get().contains_key(&key2)).then(|| {
                                    let key3 = key2.clone();
                                    view! {
                                        <button type="button" class="link" data-reveal=key2.clone()
                                            on:click=move |_| asking.set(Some(key3.clone()))>
                                            {tr("查看", "Reveal")}
                                        </button>
                                    }
                                })}
                            </dd>
                        }
                    }).collect_view()}
                </dl>
                {(!v.fields.is_empty()).then(|| view! {
                    <dl class="facts fields">
                        {v.fields.iter().map(|(k, val)| view! {
                            <dt>{k.clone()}</dt><dd class="mono">{val.clone()}</dd>
                        }).collect_view()}
                    </dl>
                })}
                {move || asking.get().map(|field| view! {
                    <div class="reveal">
                        <label for="reveal-reason">{
                            let l = lang.get();
                            let name = label_of(&field);
                            match l {
                                Lang::Zh => format!("查看「{name}」原文的理由（记入审计）"),
                                Lang::En => format!("Reason to reveal “{name}” (audited)"),
                            }
                        }</label>
                        <input id="reveal-reason" type="text" maxlength="200" data-field=field
                            prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                        <button type="button" class="secondary" id="reveal-submit" on:click=reveal.clone()>
                            {tr("查看", "Reveal")}
                        </button>
                        <button type="button" class="link" on:click=move |_| asking.set(None)>{tr("取消", "Cancel")}</button>
                        <p class="error" role="alert">{move || reveal_error.get()}</p>
                    </div>
                })}
                <p class="raw">{v.raw.clone()}</p>
                {(!own_page || (!in_case && v.case_id.is_some())).then(|| view! {
                    // Plain <a>s: `nav` keeps a click on them inside the console.
                    <p class="links">
                        {(!own_page).then(|| view! {
                            <a href=Screen::Check(v.id.clone()).href() data-check-link=v.id.clone()>
                                {tr("结果详情", "Result page")}
                            </a>
                        })}
                        {(!own_page && !in_case && v.case_id.is_some()).then_some(" · ")}
                        {v.case_id.clone().filter(|_| !in_case).map(|case| view! {
                            <a href=Screen::Case(case.clone()).href() data-case-link=case>
                                {tr("所属案件", "Its case")}
                            </a>
                        })}
                    </p>
                })}
            </article>
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(sections: &[PickerSection]) -> Vec<&'static str> {
        sections
            .iter()
            .flat_map(|s| s.entries.iter().map(|(v, _)| *v))
            .collect()
    }

    #[test]
    fn the_picker_is_sectioned_by_group_in_order() {
        for lang in [Lang::Zh, Lang::En] {
            let sections = picker_sections(lang);
            let groups: Vec<Group> = sections.iter().map(|s| s.group).collect();
            assert_eq!(groups, Group::ALL, "every group, in order");
            for s in &sections {
                assert!(!s.entries.is_empty(), "{:?}", s.group);
                assert_eq!(s.label, lang.pick(s.group.label_zh(), s.group.label_en()));
                for (value, _) in &s.entries {
                    let group = form_of(value).map_or(s.group, |c| c.group);
                    assert_eq!(group, s.group, "{value}");
                }
            }
        }
        let sections = picker_sections(Lang::Zh);
        assert_eq!(sections[0].label, "身份");
        assert_eq!(sections[1].entries[0].0, PHONE3);
        assert_eq!(
            sections[6].entries,
            vec![(MOXIE_FLOW, "运营商授权（魔蝎，分步引导）".to_owned())]
        );
    }

    #[test]
    fn the_moxie_steps_are_only_in_the_flow_and_every_other_check_is_offered_once() {
        let offered = values(&picker_sections(Lang::Zh));
        for c in CHECKS {
            let times = offered.iter().filter(|v| **v == c.name).count();
            assert_eq!(times, usize::from(!c.flow_only), "{}", c.name);
        }
        assert!(!offered.contains(&"getmoxietask"));
        assert!(offered.contains(&MOXIE_FLOW) && offered.contains(&PHONE3));
        assert_eq!(
            offered.len(),
            CHECKS.iter().filter(|c| !c.flow_only).count() + 2
        );
        // The history's filter still knows every check, the carrier steps included.
        assert_eq!(check_choices(Lang::En).len(), CHECKS.len() + 1);
    }
}
