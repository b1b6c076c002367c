//! The agents' console (`/console/`, its own app like the capture page, so the order form's
//! first load does not carry it): sign in, cases, any of the 28 identity checks with a form
//! drawn from the one table (`haoka_shared::realme`), consent, results that update by
//! themselves while pending, reveal with a reason, history and the audit log. Every rule is
//! the edge's; this page only shows and asks.

mod admin;
pub mod api;
mod checks;
mod moxie;

use leptos::{prelude::*, task::spawn_local};
use serde_json::json;

use self::{
    api::{Audit, Case, CaseDetail, Cases, CheckView, Checks, Me},
    checks::{CheckCard, RunCheck, check_choices},
};
use crate::i18n::{Lang, tr, use_lang};

/// Where the console is.
#[derive(Debug, Clone, PartialEq)]
enum View {
    Home,
    Case(String),
    History,
    Audit,
    Admin,
}

/// What every screen needs: who is signed in, and where they are.
#[derive(Clone, Copy)]
struct Ctx {
    me: RwSignal<Option<Me>>,
    view: RwSignal<View>,
}

thread_local! {
    /// The console's one [`Ctx`], set when it mounts. Kept here rather than only in Leptos'
    /// context because event handlers and tasks after an `await` run without an owner.
    static CTX: std::cell::Cell<Option<Ctx>> = const { std::cell::Cell::new(None) };
}

fn ctx() -> Option<Ctx> {
    CTX.with(std::cell::Cell::get)
}

/// The session's CSRF token (empty when signed out: the edge then refuses).
fn csrf() -> String {
    ctx()
        .and_then(|c| c.me.get_untracked())
        .map(|m| m.csrf)
        .unwrap_or_default()
}

/// A time in China, to the second.
fn when(ms: i64) -> String {
    haoka_shared::ChinaDateTime::from_unix_millis(ms).display()
}

/// The console.
#[component]
pub fn ConsoleApp() -> impl IntoView {
    let lang = RwSignal::new(Lang::initial());
    provide_context(lang);
    Effect::new(move |_| lang.get().remember());
    let me = RwSignal::new(None::<Me>);
    let checked = RwSignal::new(false);
    let view = RwSignal::new(View::Home);
    CTX.with(|c| c.set(Some(Ctx { me, view })));
    spawn_local(async move {
        if let Ok(m) = api::get::<Me>("/api/console/me").await {
            me.set(Some(m));
        }
        checked.set(true);
    });
    view! {
        <header class="top">
            <h1>{tr("号卡坐席台", "Agent console")}</h1>
            <button type="button" class="lang" id="lang-toggle"
                on:click=move |_| lang.update(|l| *l = l.other())>
                {move || lang.get().pick("English", "中文")}
            </button>
        </header>
        <main class="console">
            {move || match (checked.get(), me.get().is_some()) {
                (false, _) => view! { <p class="loading">{tr("载入中…", "Loading…")}</p> }.into_any(),
                (true, false) => view! { <Login /> }.into_any(),
                (true, true) => view! { <Shell /> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn Login() -> impl IntoView {
    let lang = use_lang();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(String::new());
        let body =
            json!({ "username": username.get_untracked(), "password": password.get_untracked() });
        spawn_local(async move {
            match api::post::<Me>("/api/console/login", "", &body).await {
                Ok(m) => {
                    password.set(String::new());
                    if let Some(c) = ctx() {
                        c.view.set(View::Home);
                        c.me.set(Some(m));
                    }
                }
                Err(f) => error.set(f.words(lang.get_untracked())),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card" novalidate on:submit=submit>
            <h2>{tr("登录", "Sign in")}</h2>
            <div class="field">
                <label for="login-username">{tr("用户名", "User name")}</label>
                <input id="login-username" type="text" autocomplete="username" autocapitalize="off"
                    prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="login-password">{tr("密码", "Password")}</label>
                <input id="login-password" type="password" autocomplete="current-password"
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev)) />
            </div>
            <p class="error" id="login-error" role="alert">{move || error.get()}</p>
            <button type="submit" class="submit" id="login-submit" disabled=move || busy.get()>
                {tr("登录", "Sign in")}
            </button>
        </form>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let lang = use_lang();
    let Some(c) = ctx() else {
        return ().into_any();
    };
    let me = c.me;
    let view = c.view;
    let sign_out = move |all: bool| {
        let path = if all {
            "/api/console/logout-all"
        } else {
            "/api/console/logout"
        };
        let token = csrf();
        spawn_local(async move {
            let _ = api::post::<()>(path, &token, &json!({})).await;
            me.set(None);
        });
    };
    let who = move || {
        me.get()
            .map(|m| {
                [m.display_name, m.store, m.role]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ")
            })
            .unwrap_or_default()
    };
    let audit_link = move || me.get().is_some_and(|m| m.reads_audit());
    let admin_link = move || me.get().is_some_and(|m| m.role != "agent");
    view! {
        <nav class="console-nav">
            <span class="who">{who}</span>
            <button type="button" class="secondary" id="nav-home" on:click=move |_| view.set(View::Home)>
                {tr("案件", "Cases")}
            </button>
            <button type="button" class="secondary" id="nav-history" on:click=move |_| view.set(View::History)>
                {tr("历史", "History")}
            </button>
            <Show when=audit_link>
                <button type="button" class="secondary" id="nav-audit" on:click=move |_| view.set(View::Audit)>
                    {tr("审计", "Audit")}
                </button>
            </Show>
            <Show when=admin_link>
                <button type="button" class="secondary" id="nav-admin" on:click=move |_| view.set(View::Admin)>
                    {tr("管理", "Manage")}
                </button>
            </Show>
            <button type="button" class="secondary" id="sign-out" on:click=move |_| sign_out(false)>
                {tr("退出", "Sign out")}
            </button>
            <button type="button" class="secondary" id="sign-out-all" on:click=move |_| sign_out(true)>
                {tr("全部设备退出", "Sign out everywhere")}
            </button>
        </nav>
        {move || match view.get() {
            View::Home => view! { <Home /> }.into_any(),
            View::Case(id) => view! { <CasePage id /> }.into_any(),
            View::History => view! { <History /> }.into_any(),
            View::Audit => view! { <AuditLog /> }.into_any(),
            View::Admin => {
                let role = me.get_untracked().map(|m| m.role).unwrap_or_default();
                view! { <admin::Admin role /> }.into_any()
            }
        }}
        <p class="hint">{move || lang.get().pick(
            "客户信息默认脱敏显示；查看原文需填写理由并记入审计日志。",
            "Customer data is masked; revealing a value needs a reason and is audited.",
        )}</p>
    }
    .into_any()
}

#[component]
fn Home() -> impl IntoView {
    let lang = use_lang();
    let name = RwSignal::new(String::new());
    let id_number = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    let cases = RwSignal::new(None::<Vec<Case>>);
    spawn_local(async move {
        match api::get::<Cases>("/api/console/cases").await {
            Ok(list) => cases.set(Some(list.cases)),
            Err(f) => error.set(f.words(lang.get_untracked())),
        }
    });
    let open = move |id: String| {
        if let Some(c) = ctx() {
            c.view.set(View::Case(id));
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(String::new());
        let body =
            json!({ "subject_name": name.get_untracked(), "id_number": id_number.get_untracked() });
        let token = csrf();
        spawn_local(async move {
            match api::post::<Case>("/api/console/cases", &token, &body).await {
                Ok(case) => open(case.id),
                Err(f) => error.set(f.words(lang.get_untracked())),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card" novalidate on:submit=submit>
            <h2>{tr("新建案件", "New case")}</h2>
            <div class="field">
                <label for="new-case-name">{tr("客户姓名", "Customer's name")}</label>
                <input id="new-case-name" type="text" autocomplete="off"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="new-case-id">{tr("身份证号码", "ID number")}</label>
                <input id="new-case-id" type="text" autocomplete="off" maxlength="18"
                    prop:value=move || id_number.get() on:input=move |ev| id_number.set(event_target_value(&ev)) />
            </div>
            <p class="error" role="alert">{move || error.get()}</p>
            <button type="submit" class="submit" id="new-case-submit" disabled=move || busy.get()>
                {tr("新建", "Open the case")}
            </button>
        </form>
        <section class="card">
            <h2>{tr("我的案件", "Cases")}</h2>
            {move || match cases.get() {
                None => view! { <p class="loading">{tr("载入中…", "Loading…")}</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="hint">{tr("还没有案件", "No cases yet")}</p> }.into_any(),
                Some(list) => view! {
                    <ul class="case-list">
                        {list.into_iter().map(|case| {
                            let id = case.id.clone();
                            view! {
                                <li>
                                    <button type="button" class="case-item" data-case-id=case.id.clone()
                                        on:click=move |_| open(id.clone())>
                                        <span class="subject">{case.subject_masked.clone()}</span>
                                        <span class="badge">{state_words(&case.state, lang.get_untracked())}</span>
                                        <span class="hint">{when(case.created_at_ms)}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

/// A case's state in words.
fn state_words(state: &str, lang: Lang) -> String {
    let (zh, en) = match state {
        "open" => ("进行中", "Open"),
        "approved" => ("已通过", "Approved"),
        "rejected" => ("已拒绝", "Rejected"),
        "recapture" => ("需重新采集", "Needs re-capture"),
        _ => ("", ""),
    };
    lang.pick(zh, en).to_owned()
}

#[component]
fn CasePage(id: String) -> impl IntoView {
    let lang = use_lang();
    let detail = RwSignal::new(None::<CaseDetail>);
    let error = RwSignal::new(String::new());
    // Checks shown: (id, the view when we already have it).
    let shown = RwSignal::new(Vec::<(String, Option<CheckView>)>::new());
    let load = {
        let id = id.clone();
        move || {
            let path = format!("/api/console/cases/{id}");
            spawn_local(async move {
                match api::get::<CaseDetail>(&path).await {
                    Ok(d) => {
                        shown.set(d.checks.iter().map(|b| (b.id.clone(), None)).collect());
                        detail.set(Some(d));
                    }
                    Err(f) => error.set(f.words(lang.get_untracked())),
                }
            });
        }
    };
    load();
    let ran = Callback::new(move |v: CheckView| {
        let id = v.id.clone();
        shown.update(|list| list.insert(0, (v.id.clone(), Some(v))));
        // Show the new result: it is drawn below the form.
        request_animation_frame(move || {
            let card = document()
                .query_selector(&format!("[data-check-id='{id}']"))
                .ok()
                .flatten();
            if let Some(card) = card {
                card.scroll_into_view();
            }
        });
    });
    let decision = RwSignal::new("approved".to_owned());
    let reason = RwSignal::new(String::new());
    let closing = RwSignal::new(false);
    let close = {
        let id = id.clone();
        move |_| {
            if closing.get_untracked() {
                return;
            }
            closing.set(true);
            let body =
                json!({ "decision": decision.get_untracked(), "reason": reason.get_untracked() });
            let path = format!("/api/console/cases/{id}/close");
            let token = csrf();
            let load = load.clone();
            spawn_local(async move {
                match api::post::<Case>(&path, &token, &body).await {
                    Ok(_) => load(),
                    Err(f) => error.set(f.words(lang.get_untracked())),
                }
                closing.set(false);
            });
        }
    };
    let is_open = move || detail.get().is_some_and(|d| d.case.state == "open");
    let subject =
        Signal::derive(move || detail.get().map(|d| d.case.subject()).unwrap_or_default());
    let case_id = id.clone();
    view! {
        <section class="card case">
            <h2>{tr("案件", "Case")} " " <span class="mono">{id.clone()}</span></h2>
            {move || detail.get().map(|d| view! {
                <p class="subject">{d.case.subject_masked.clone()}</p>
                <p class="badge" data-case-state=d.case.state.clone()>
                    {state_words(&d.case.state, lang.get())} " " {d.case.reason.clone()}
                </p>
            })}
            <p class="error" role="alert">{move || error.get()}</p>
        </section>
        <Show when=is_open>
            <RunCheck case_id=case_id.clone() subject on_ran=ran />
        </Show>
        <section class="results">
            <For each=move || shown.get() key=|(id, _)| id.clone() let:item>
                <CheckCard id=item.0 initial=item.1 />
            </For>
        </section>
        <Show when=is_open>
            <section class="card">
                <h2>{tr("结案", "Close the case")}</h2>
                <div class="field">
                    <label for="close-decision">{tr("结论", "Decision")}</label>
                    <select id="close-decision" on:change=move |ev| decision.set(event_target_value(&ev))>
                        <option value="approved">{tr("通过", "Approved")}</option>
                        <option value="rejected">{tr("拒绝", "Rejected")}</option>
                        <option value="recapture">{tr("需重新采集", "Needs re-capture")}</option>
                    </select>
                </div>
                <div class="field">
                    <label for="close-reason">{tr("理由", "Reason")}</label>
                    <input id="close-reason" type="text" maxlength="200"
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                </div>
                <button type="button" class="secondary" id="close-submit" disabled=move || closing.get()
                    on:click=close.clone()>
                    {tr("结案", "Close")}
                </button>
            </section>
        </Show>
    }
}

#[component]
fn History() -> impl IntoView {
    let lang = use_lang();
    let check = RwSignal::new(String::new());
    let verdict = RwSignal::new(String::new());
    let q = RwSignal::new(String::new());
    let rows = RwSignal::new(None::<Vec<CheckView>>);
    let error = RwSignal::new(String::new());
    let search = move || {
        let query = serde_urlencoded_pairs(&[
            ("check", check.get_untracked()),
            ("verdict", verdict.get_untracked()),
            ("q", q.get_untracked()),
        ]);
        spawn_local(async move {
            match api::get::<Checks>(&format!("/api/console/checks?{query}")).await {
                Ok(list) => rows.set(Some(list.checks)),
                Err(f) => error.set(f.words(lang.get_untracked())),
            }
        });
    };
    search();
    let verdicts = [
        ("", "全部结论", "Any verdict"),
        ("match", "一致", "Match"),
        ("mismatch", "不一致", "Mismatch"),
        ("no_record", "查无此人", "No record"),
        (
            "face_below_threshold",
            "人像低于阈值",
            "Face below threshold",
        ),
        ("done", "已完成", "Done"),
    ];
    view! {
        <form class="card" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); search(); }>
            <h2>{tr("核验历史", "History")}</h2>
            <div class="field">
                <label for="history-check">{tr("核验项目", "Check")}</label>
                <select id="history-check" on:change=move |ev| check.set(event_target_value(&ev))>
                    <option value="">{tr("全部项目", "Any check")}</option>
                    {move || check_choices(lang.get()).into_iter().map(|(name, title)| view! {
                        <option value=name>{title}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="history-verdict">{tr("结论", "Verdict")}</label>
                <select id="history-verdict" on:change=move |ev| verdict.set(event_target_value(&ev))>
                    {verdicts.map(|(v, zh, en)| view! { <option value=v>{move || lang.get().pick(zh, en).to_owned()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="history-q">{tr("身份证号或手机号", "ID number or mobile")}</label>
                <input id="history-q" type="search" autocomplete="off"
                    prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev)) />
            </div>
            <button type="submit" class="secondary" id="history-search">{tr("查询", "Search")}</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
        {move || rows.get().map(|list| {
            if list.is_empty() {
                return view! { <p class="hint">{tr("没有记录", "Nothing found")}</p> }.into_any();
            }
            list.into_iter()
                .map(|v| view! { <CheckCard id=v.id.clone() initial=Some(v) /> })
                .collect_view()
                .into_any()
        })}
    }
}

/// `k=v&…` for the non-empty values, percent-encoded.
fn serde_urlencoded_pairs(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| {
            let encoded: String = js_sys::encode_uri_component(v.trim()).into();
            format!("{k}={encoded}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[component]
fn AuditLog() -> impl IntoView {
    let lang = use_lang();
    let audit = RwSignal::new(None::<Audit>);
    let error = RwSignal::new(String::new());
    spawn_local(async move {
        match api::get::<Audit>("/api/console/audit").await {
            Ok(a) => audit.set(Some(a)),
            Err(f) => error.set(f.words(lang.get_untracked())),
        }
    });
    view! {
        <section class="card">
            <h2>{tr("审计日志", "Audit log")}</h2>
            <p class="error" role="alert">{move || error.get()}</p>
            {move || audit.get().map(|a| view! {
                <p class="badge" id="audit-chain" data-chain-ok=a.chain_ok.to_string()>
                    {if a.chain_ok {
                        lang.get().pick("哈希链完整", "Hash chain intact")
                    } else {
                        lang.get().pick("哈希链被破坏！", "Hash chain broken!")
                    }}
                </p>
                <ul class="audit">
                    {a.entries.into_iter().map(|e| view! {
                        <li data-audit-action=e.action.clone()>
                            <span class="hint">{format!("#{} {}", e.seq, when(e.at_ms))}</span>
                            " " <strong>{e.actor.clone()}</strong>
                            " " <span class="action" title=e.action.clone()>{
                                let l = lang.get();
                                haoka_shared::audit::action_words(&e.action)
                                    .map_or_else(|| e.action.clone(), |(zh, en)| l.pick(zh, en).to_owned())
                            }</span>
                            " " <span>{e.target.clone()}</span>
                            " " <span>{e.detail.clone()}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}
