//! The agents' console (`/console/`, its own app like the capture page, so the order form's
//! first load does not carry it): sign in, cases, any of the 28 identity checks with a form
//! drawn from the one table (`haoka_shared::realme`), consent, results that update by
//! themselves while pending, reveal with a reason, history and the audit log. Every rule is
//! the edge's; this page only shows and asks. Each screen has its URL ([`screen::Screen`]),
//! so a link opens it after sign-in and the back button returns to the screen before.

mod admin;
pub mod api;
mod checks;
mod moxie;
pub mod nav;
pub mod screen;

use haoka_shared::api::console::{
    AUDIT, Audit, CASES, Case, CaseDetail, Cases, CheckFilter, CheckView, Checks, CloseCase, LOGIN,
    LOGOUT, LOGOUT_ALL, Login as LoginBody, ME, Me, NewCase, case_close_path, case_path,
};
use leptos::{prelude::*, task::spawn_local};

use self::{
    checks::{CheckCard, RunCheck, check_choices},
    nav::go,
    screen::{Screen, checks_path, history_filter, is_current, title_with},
};
use crate::i18n::{Lang, tr, use_lang};

/// What every screen needs: who is signed in.
#[derive(Clone, Copy)]
struct Ctx {
    me: RwSignal<Option<Me>>,
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

/// Keep the browser's title on `title` (in the current language) while this screen shows.
fn set_title(title: impl Fn(Lang) -> String + 'static) {
    let lang = use_lang();
    Effect::new(move |_| document().set_title(&title(lang.get())));
}

/// The console.
#[component]
pub fn ConsoleApp() -> impl IntoView {
    let lang = RwSignal::new(Lang::initial());
    provide_context(lang);
    Effect::new(move |_| lang.get().remember());
    let me = RwSignal::new(None::<Me>);
    let checked = RwSignal::new(false);
    CTX.with(|c| c.set(Some(Ctx { me })));
    let here = nav::provide();
    spawn_local(async move {
        if let Ok(m) = api::get::<Me>(ME).await {
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
            // Signed out, any URL shows the sign-in and keeps the URL: after it, the screen
            // that was asked for.
            {move || match (checked.get(), me.get().is_some()) {
                (false, _) => view! { <p class="loading">{tr("载入中…", "Loading…")}</p> }.into_any(),
                (true, false) => view! { <Login /> }.into_any(),
                (true, true) => view! { <Shell here /> }.into_any(),
            }}
        </main>
    }
}

/// The sign-in form.
#[component]
fn Login() -> impl IntoView {
    let lang = use_lang();
    set_title(|l| title_with(l.pick("登录", "Sign in"), l));
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
        let body = LoginBody {
            username: username.get_untracked(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match api::post::<Me, _>(LOGIN, "", &body).await {
                Ok(m) => {
                    password.set(String::new());
                    if let Some(c) = ctx() {
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

/// The signed-in console: who, the nav, and the screen at the URL.
#[component]
fn Shell(
    /// Where the console is.
    here: nav::Here,
) -> impl IntoView {
    let lang = use_lang();
    let Some(c) = ctx() else {
        return ().into_any();
    };
    let me = c.me;
    let sign_out = move |all: bool| {
        let target = if all { LOGOUT_ALL } else { LOGOUT };
        let token = csrf();
        spawn_local(async move {
            let _ = api::post_empty(target, &token).await;
            me.set(None);
            // Whoever signs in next starts at the cases, not at this agent's last screen.
            go(&Screen::Cases);
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
    let history = Screen::History(CheckFilter::default());
    view! {
        <nav class="console-nav">
            <span class="who">{who}</span>
            <NavEntry here id="nav-home" screen=Screen::Cases zh="案件" en="Cases" />
            <NavEntry here id="nav-history" screen=history zh="历史" en="History" />
            <Show when=audit_link>
                <NavEntry here id="nav-audit" screen=Screen::Audit zh="审计" en="Audit" />
            </Show>
            <Show when=admin_link>
                <NavEntry here id="nav-admin" screen=Screen::Manage zh="管理" en="Manage" />
            </Show>
            <button type="button" class="secondary" id="sign-out" on:click=move |_| sign_out(false)>
                {tr("退出", "Sign out")}
            </button>
            <button type="button" class="secondary" id="sign-out-all" on:click=move |_| sign_out(true)>
                {tr("全部设备退出", "Sign out everywhere")}
            </button>
        </nav>
        <CurrentScreen here />
        <p class="hint">{move || lang.get().pick(
            "客户信息默认脱敏显示；查看原文需填写理由并记入审计日志。",
            "Customer data is masked; revealing a value needs a reason and is audited.",
        )}</p>
    }
    .into_any()
}

/// The screen at the URL. Only a change of screen (or of case or check) builds a new view:
/// the history follows its URL's filter itself.
#[component]
fn CurrentScreen(
    /// Where the console is.
    here: nav::Here,
) -> impl IntoView {
    let screen = Memo::new(move |_| match here.screen() {
        Screen::History(_) => Screen::History(CheckFilter::default()),
        other => other,
    });
    move || match screen.get() {
        Screen::Cases => view! { <Home /> }.into_any(),
        Screen::Case(id) => view! { <CasePage id /> }.into_any(),
        Screen::Check(id) => view! { <CheckPage id /> }.into_any(),
        Screen::History(_) => view! { <History here /> }.into_any(),
        Screen::Audit => view! { <AuditLog /> }.into_any(),
        Screen::Manage => view! { <Manage /> }.into_any(),
        Screen::NotFound => view! { <NotFound /> }.into_any(),
    }
}

/// One entry of the nav: a button (styled as the console's others) that goes to `screen`,
/// marked as the current page while the agent is there.
#[component]
fn NavEntry(
    /// Where the console is.
    here: nav::Here,
    /// The button's id.
    id: &'static str,
    /// Where it goes.
    screen: Screen,
    /// Its words in Chinese.
    zh: &'static str,
    /// Its words in English.
    en: &'static str,
) -> impl IntoView {
    let target = screen.clone();
    view! {
        <button type="button" class="secondary" id=id
            aria-current=move || here.path.with(|p| is_current(&target, p)).then_some("page")
            on:click=move |_| go(&screen)>
            {tr(zh, en)}
        </button>
    }
}

/// Any other path under `/console/`: says so, with the way back.
#[component]
fn NotFound() -> impl IntoView {
    set_title(|l| Screen::NotFound.title(l));
    view! {
        <section class="card dead-end" id="not-found">
            <h2>{tr("页面不存在", "Page not found")}</h2>
            <p>{tr("链接可能有误或已过期。", "The link may be wrong or out of date.")}</p>
            // A plain <a>: `nav` keeps a click on it inside the console.
            <a href=Screen::Cases.href() class="button secondary" id="not-found-home">
                {tr("返回案件列表", "Back to the cases")}
            </a>
        </section>
    }
}

/// The management screen for the signed-in role.
#[component]
fn Manage() -> impl IntoView {
    set_title(|l| Screen::Manage.title(l));
    let role = ctx()
        .and_then(|c| c.me.get_untracked())
        .map(|m| m.role)
        .unwrap_or_default();
    view! { <admin::Admin role /> }
}

/// `/console/`: a new case, and the cases this account may see.
#[component]
fn Home() -> impl IntoView {
    let lang = use_lang();
    set_title(|l| Screen::Cases.title(l));
    let name = RwSignal::new(String::new());
    let id_number = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    let cases = RwSignal::new(None::<Vec<Case>>);
    spawn_local(async move {
        match api::get::<Cases>(CASES).await {
            Ok(list) => cases.set(Some(list.cases)),
            Err(f) => error.set(f.words(lang.get_untracked())),
        }
    });
    let open = move |id: String| go(&Screen::Case(id));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(String::new());
        let body = NewCase {
            subject_name: name.get_untracked(),
            id_number: id_number.get_untracked(),
            order_id: None,
        };
        let token = csrf();
        spawn_local(async move {
            match api::post::<Case, _>(CASES, &token, &body).await {
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

/// `/console/cases/{id}`: its subject and state, the checks run on it, a new check, and its
/// closing.
#[component]
fn CasePage(
    /// The case's id.
    id: String,
) -> impl IntoView {
    let lang = use_lang();
    {
        let id = id.clone();
        set_title(move |l| Screen::Case(id.clone()).title(l));
    }
    let detail = RwSignal::new(None::<CaseDetail>);
    let error = RwSignal::new(String::new());
    // Checks shown: (id, the view when we already have it).
    let shown = RwSignal::new(Vec::<(String, Option<CheckView>)>::new());
    let load = {
        let id = id.clone();
        move || {
            let path = case_path(&id);
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
            let body = CloseCase {
                decision: decision.get_untracked(),
                reason: reason.get_untracked(),
            };
            let path = case_close_path(&id);
            let token = csrf();
            let load = load.clone();
            spawn_local(async move {
                match api::post::<Case, _>(&path, &token, &body).await {
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
        <section class="card case" data-case=id.clone()>
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
                <CheckCard id=item.0 initial=item.1 in_case=true />
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

/// `/console/history?check=&verdict=`: the checks this account may see, filtered. The URL
/// holds the two lists' choices (back returns to the last search); the ID number or mobile
/// searched for is kept out of it.
#[component]
fn History(
    /// Where the console is.
    here: nav::Here,
) -> impl IntoView {
    let lang = use_lang();
    set_title(|l| Screen::History(CheckFilter::default()).title(l));
    // The URL's filter; `None` once the console has left the history (this view is going).
    let at_url = Memo::new(move |_| match here.screen() {
        Screen::History(filter) => Some(filter),
        _ => None,
    });
    let check = RwSignal::new(String::new());
    let verdict = RwSignal::new(String::new());
    let q = RwSignal::new(String::new());
    let rows = RwSignal::new(None::<Vec<CheckView>>);
    let error = RwSignal::new(String::new());
    let load = move || {
        let filter = CheckFilter {
            q: Some(q.get_untracked()),
            ..at_url.get_untracked().unwrap_or_default()
        };
        spawn_local(async move {
            match api::get::<Checks>(&checks_path(&filter)).await {
                Ok(list) => {
                    error.set(String::new());
                    rows.set(Some(list.checks));
                }
                Err(f) => error.set(f.words(lang.get_untracked())),
            }
        });
    };
    // The URL's filter into the form, then the search: on arrival, and on back and forward.
    Effect::new(move |_| {
        let Some(filter) = at_url.get() else {
            return;
        };
        check.set(filter.check.unwrap_or_default());
        verdict.set(filter.verdict.unwrap_or_default());
        load();
    });
    let search = move || {
        let wanted = history_filter(Some(&check.get_untracked()), Some(&verdict.get_untracked()));
        if Some(&wanted) == at_url.get_untracked().as_ref() {
            load();
        } else {
            go(&Screen::History(wanted));
        }
    };
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
            // The options' `selected` as properties: back and forward set the lists to the
            // URL's filter after the agent has picked by hand, which the attribute would not.
            <div class="field">
                <label for="history-check">{tr("核验项目", "Check")}</label>
                <select id="history-check" on:change=move |ev| check.set(event_target_value(&ev))>
                    <option value="" prop:selected=move || check.get().is_empty()>{tr("全部项目", "Any check")}</option>
                    {move || check_choices(lang.get()).into_iter().map(|(name, title)| view! {
                        <option value=name prop:selected=move || check.get() == name>{title}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="history-verdict">{tr("结论", "Verdict")}</label>
                <select id="history-verdict" on:change=move |ev| verdict.set(event_target_value(&ev))>
                    {verdicts.map(|(v, zh, en)| view! {
                        <option value=v prop:selected=move || verdict.get() == v>{move || lang.get().pick(zh, en).to_owned()}</option>
                    }).collect_view()}
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

/// `/console/checks/{id}`: one check's result on its own (a link to send a colleague).
#[component]
fn CheckPage(
    /// The check's id.
    id: String,
) -> impl IntoView {
    {
        let id = id.clone();
        set_title(move |l| Screen::Check(id.clone()).title(l));
    }
    view! {
        <section class="results">
            <CheckCard id own_page=true />
        </section>
    }
}

/// `/console/audit`: the newest audit entries and whether their hash chain holds.
#[component]
fn AuditLog() -> impl IntoView {
    let lang = use_lang();
    set_title(|l| Screen::Audit.title(l));
    let audit = RwSignal::new(None::<Audit>);
    let error = RwSignal::new(String::new());
    spawn_local(async move {
        match api::get::<Audit>(AUDIT).await {
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
