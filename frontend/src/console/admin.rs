//! The console's management screen: accounts (admins all, leads their store's agents), the
//! month's spend and pass rates with the CSV export, check prices, and orders stuck in 待确认
//! to settle. The edge decides who may do what; a refusal shows its words.

use haoka_shared::api::console::{
    ACCOUNTS, ADMIN_ORDERS, Account, AccountChange, Accounts, AdminOrder, AdminOrders,
    EXPORT_CHECKS, NewAccount, NewPrice, PRICES, Price, Prices, SETTINGS, SPEND, Setting,
    SettingChange, SettingChanged, Settings, Settle, Spend, SpendRow, account_path, settle_path,
};
use leptos::{prelude::*, task::spawn_local};
use serde::{Serialize, de::DeserializeOwned, de::IgnoredAny};

use super::{api, csrf};
use crate::i18n::{Lang, tr, use_lang};

/// This month in China, `YYYY-MM`.
fn this_month() -> String {
    let d = haoka_shared::china_date_from_unix_millis(js_sys::Date::now() as i64);
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// ¥ from fen.
fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

/// POST `body` to `path` with the session's CSRF token, its answer read as `T` (the panel
/// loads its list again, so only its shape is checked); then clear `error` and run `then`, or
/// show the refusal's words in `error`.
fn send_then<T: DeserializeOwned + 'static>(
    path: String,
    body: impl Serialize + 'static,
    lang: Signal<Lang>,
    error: RwSignal<String>,
    then: impl Fn() + 'static,
) {
    let token = csrf();
    spawn_local(async move {
        match api::post::<T, _>(&path, &token, &body).await {
            Ok(_) => {
                error.set(String::new());
                then();
            }
            Err(f) => error.set(f.words(lang.get_untracked())),
        }
    });
}

/// The management screen.
#[component]
pub fn Admin(
    /// The signed-in role (what to offer; the edge enforces).
    role: String,
) -> impl IntoView {
    let admin = role == "admin";
    let lead = role == "lead";
    let sees_money = admin || lead || role == "compliance";
    view! {
        {(admin || lead).then(|| view! { <AccountsPanel admin /> })}
        {sees_money.then(|| view! { <SpendPanel admin /> })}
        {admin.then(|| view! { <PricesPanel /> })}
        {(admin || role == "compliance").then(|| view! { <SettingsPanel admin /> })}
        {admin.then(|| view! { <StuckOrders /> })}
    }
}

#[component]
fn AccountsPanel(admin: bool) -> impl IntoView {
    let lang = use_lang();
    let list = RwSignal::new(Vec::<Account>::new());
    let error = RwSignal::new(String::new());
    let load = move || {
        spawn_local(async move {
            match api::get::<Accounts>(ACCOUNTS).await {
                Ok(a) => list.set(a.accounts),
                Err(f) => error.set(f.words(lang.get_untracked())),
            }
        });
    };
    load();
    let change = move |username: String, body: AccountChange| {
        send_then::<Account>(account_path(&username), body, lang, error, load);
    };
    let fields = ["username", "display_name", "role", "store", "password"].map(|k| {
        (
            k,
            RwSignal::new(if k == "role" {
                "agent".to_owned()
            } else {
                String::new()
            }),
        )
    });
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let [username, display_name, role, store, password] =
            fields.map(|(_, s)| s.get_untracked());
        let body = NewAccount {
            username,
            display_name,
            password,
            role: Some(role),
            store,
        };
        let token = csrf();
        spawn_local(async move {
            match api::post::<Account, _>(ACCOUNTS, &token, &body).await {
                Ok(_) => {
                    for (_, s) in fields {
                        s.set(String::new());
                    }
                    fields[2].1.set("agent".into());
                    error.set(String::new());
                    load();
                }
                Err(f) => error.set(f.words(lang.get_untracked())),
            }
        });
    };
    let input = move |key: &'static str, zh: &'static str, en: &'static str| {
        let signal = fields.iter().find(|(k, _)| *k == key).map(|(_, s)| *s);
        signal.map(|s| {
            let id = format!("account-{key}");
            let kind = if key == "password" { "password" } else { "text" };
            view! {
                <div class="field">
                    <label for=id.clone()>{tr(zh, en)}</label>
                    <input id=id type=kind autocomplete="off"
                        prop:value=move || s.get() on:input=move |ev| s.set(event_target_value(&ev)) />
                </div>
            }
        })
    };
    let roles: &'static [(&str, &str, &str)] = if admin {
        &[
            ("agent", "坐席", "Agent"),
            ("lead", "组长", "Lead"),
            ("admin", "管理员", "Admin"),
            ("compliance", "合规（只读）", "Compliance (read-only)"),
        ]
    } else {
        &[("agent", "坐席", "Agent")]
    };
    view! {
        <section class="card">
            <h2>{tr("账号", "Accounts")}</h2>
            <ul class="case-list">
                {move || list.get().into_iter().map(|a| {
                    let (u1, u2) = (a.username.clone(), a.username.clone());
                    let disabled = a.disabled;
                    view! {
                        <li class="case-item" data-account=a.username.clone()>
                            <strong>{a.display_name.clone()}</strong>
                            <span class="mono">{a.username.clone()}</span>
                            <span class="badge">{a.role.clone()}</span>
                            <span>{a.store.clone()}</span>
                            {a.disabled.then(|| view! { <span class="badge">{tr("已停用", "Disabled")}</span> })}
                            {a.locked.then(|| view! {
                                <button type="button" class="link" on:click=move |_| change(u1.clone(), AccountChange { unlock: Some(true), ..AccountChange::default() })>
                                    {tr("解锁", "Unlock")}
                                </button>
                            })}
                            <button type="button" class="link" data-toggle=a.username.clone()
                                on:click=move |_| change(u2.clone(), AccountChange { disabled: Some(!disabled), ..AccountChange::default() })>
                                {if disabled { tr("启用", "Enable") } else { tr("停用", "Disable") }}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form novalidate on:submit=create>
                <h3>{tr("新建账号", "New account")}</h3>
                {input("username", "用户名", "User name")}
                {input("display_name", "显示名", "Display name")}
                <div class="field">
                    <label for="account-role">{tr("角色", "Role")}</label>
                    <select id="account-role" on:change=move |ev| fields[2].1.set(event_target_value(&ev))>
                        {roles.iter().map(|(v, zh, en)| view! {
                            <option value=*v>{move || lang.get().pick(zh, en).to_owned()}</option>
                        }).collect_view()}
                    </select>
                </div>
                {input("store", "门店", "Store")}
                {input("password", "初始密码（12–128 位）", "First password (12–128 characters)")}
                <button type="submit" class="secondary" id="account-create">{tr("创建", "Create")}</button>
            </form>
            <p class="error" role="alert">{move || error.get()}</p>
        </section>
    }
}

/// One spend table (checks, cost, pass rate per row), with its caption and headers; each row
/// is (its heading, its hover text, the row).
fn spend_table(
    id: &'static str,
    caption: Signal<String>,
    first: Signal<String>,
    rows: Vec<(String, String, SpendRow)>,
) -> impl IntoView {
    let rate = |r: &SpendRow| {
        r.pass_rate
            .map(|p| format!("{:.0}%", p * 100.0))
            .unwrap_or_else(|| "–".into())
    };
    view! {
        <table class="spend" id=id>
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">{first}</th>
                <th scope="col" class="num">{tr("次数", "Checks")}</th>
                <th scope="col" class="num">{tr("费用", "Cost")}</th>
                <th scope="col" class="num">{tr("通过率", "Pass rate")}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|(title, hover, row)| view! {
                    <tr>
                        <th scope="row" title=hover>{title}</th>
                        <td class="num">{row.checks.to_string()}</td>
                        <td class="num">{yuan(row.fen)}</td>
                        <td class="num">{rate(&row)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn SpendPanel(admin: bool) -> impl IntoView {
    let lang = use_lang();
    let month = RwSignal::new(this_month());
    let report = RwSignal::new(None::<Spend>);
    let error = RwSignal::new(String::new());
    let load = move || {
        let m = month.get_untracked();
        spawn_local(async move {
            match api::get::<Spend>(&format!("{SPEND}?month={m}")).await {
                Ok(r) => {
                    error.set(String::new());
                    report.set(Some(r));
                }
                Err(f) => error.set(f.words(lang.get_untracked())),
            }
        });
    };
    load();
    view! {
        <section class="card">
            <h2>{tr("费用与通过率", "Spend and pass rates")}</h2>
            <div class="field">
                <label for="spend-month">{tr("月份", "Month")}</label>
                <input id="spend-month" type="month" prop:value=move || month.get()
                    on:change=move |ev| { month.set(event_target_value(&ev)); load(); } />
            </div>
            <p class="error" role="alert">{move || error.get()}</p>
            {move || report.get().map(|r| view! {
                <p id="spend-total"><strong>{tr("合计", "Total")}</strong> " " {yuan(r.total_fen)}</p>
                {spend_table(
                    "spend-by-agent",
                    tr("按店员", "By agent"),
                    tr("店员 · 门店", "Agent · store"),
                    r.by_agent.into_iter().map(|row| {
                        let who = format!(
                            "{} · {}",
                            row.agent.as_deref().unwrap_or_default(),
                            row.store.as_deref().unwrap_or_default(),
                        );
                        (who.clone(), who, row)
                    }).collect(),
                )}
                {spend_table(
                    "spend-by-check",
                    tr("按核验", "By check"),
                    tr("核验", "Check"),
                    r.by_check.into_iter().map(|row| {
                        let code = row.check_name.clone().unwrap_or_default();
                        let title = haoka_shared::realme::check(&code)
                            .map(|c| lang.get().pick(c.title_zh, c.title_en).to_owned())
                            .unwrap_or_else(|| code.clone());
                        (title, code, row)
                    }).collect(),
                )}
            })}
            {admin.then(|| view! {
                <a class="button secondary" id="export-checks" download=""
                    href=move || format!("{EXPORT_CHECKS}?month={}", month.get())>
                    {tr("导出本月核验（CSV，已脱敏）", "Export the month's checks (CSV, masked)")}
                </a>
            })}
        </section>
    }
}

#[component]
fn PricesPanel() -> impl IntoView {
    let lang = use_lang();
    let prices = RwSignal::new(Vec::<Price>::new());
    let error = RwSignal::new(String::new());
    let load = move || {
        spawn_local(async move {
            match api::get::<Prices>(PRICES).await {
                Ok(v) => prices.set(v.prices),
                Err(f) => error.set(f.words(lang.get_untracked())),
            }
        });
    };
    load();
    let save = move |check: String, value: String| {
        let Ok(yuan) = value.trim().parse::<f64>() else {
            error.set(
                lang.get_untracked()
                    .pick("价格应为数字（元）", "The price must be a number (yuan)")
                    .to_owned(),
            );
            return;
        };
        let fen = (yuan * 100.0).round() as i64;
        let body = NewPrice { check, fen };
        send_then::<NewPrice>(PRICES.into(), body, lang, error, load);
    };
    view! {
        <details class="card">
            <summary>{tr("核验价格（元/次）", "Check prices (yuan each)")}</summary>
            <p class="error" role="alert">{move || error.get()}</p>
            <dl class="facts prices">
                {move || prices.get().into_iter().map(|p| {
                    let check = p.check.clone();
                    let title = lang.get().pick(&p.title_zh, &p.title_en).to_owned();
                    let fen = p.fen;
                    let shown = format!("{}.{:02}", fen / 100, fen % 100);
                    view! {
                        <dt>{title}</dt>
                        <dd>
                            <input type="text" inputmode="decimal" data-price=check.clone() value=shown
                                on:change=move |ev| save(check.clone(), event_target_value(&ev)) />
                        </dd>
                    }
                }).collect_view()}
            </dl>
        </details>
    }
}

/// A settle button: its name (`data-settle`), the decision it sends, its words.
type SettleButton = (&'static str, Settle, &'static str, &'static str);

#[component]
fn StuckOrders() -> impl IntoView {
    let lang = use_lang();
    let orders = RwSignal::new(None::<Vec<AdminOrder>>);
    let error = RwSignal::new(String::new());
    let load = move || {
        spawn_local(async move {
            match api::get::<AdminOrders>(&format!("{ADMIN_ORDERS}?state=unconfirmed")).await {
                Ok(v) => orders.set(Some(v.orders)),
                Err(f) => error.set(f.words(lang.get_untracked())),
            }
        });
    };
    load();
    let settle = move |order: String, action: Settle| {
        // The answer (the order's new state) is not shown: the list is loaded again.
        send_then::<IgnoredAny>(settle_path(&order), action, lang, error, load);
    };
    let actions: [SettleButton; 3] = [
        (
            "confirm",
            Settle::Confirm { apiorder: None },
            "上游已收到",
            "Vendor has it",
        ),
        ("resend", Settle::Resend, "重新提交", "Send again"),
        ("close", Settle::Close, "关闭订单", "Close the order"),
    ];
    view! {
        <section class="card">
            <h2>{tr("待确认订单", "Orders waiting for confirmation")}</h2>
            <p class="hint">{tr(
                "提交给上游后未得到明确答复的订单：请向上游核实后处理。",
                "Orders the vendor did not clearly accept or refuse: check with the vendor, then settle.",
            )}</p>
            <p class="error" role="alert">{move || error.get()}</p>
            {move || orders.get().map(|list| {
                if list.is_empty() {
                    return view! { <p class="hint" id="stuck-none">{tr("没有待确认的订单", "None waiting")}</p> }.into_any();
                }
                list.into_iter().map(|o| {
                    let id = o.order_id.clone();
                    view! {
                        <div class="case-item" data-order=id.clone()>
                            <span class="mono">{id.clone()}</span>
                            <span>{o.name.clone()}</span>
                            <span>{o.mobile.clone()}</span>
                            {actions.clone().map(|(name, action, zh, en)| {
                                let id = id.clone();
                                view! {
                                    <button type="button" class="link" data-settle=name
                                        on:click=move |_| settle(id.clone(), action.clone())>
                                        {move || lang.get().pick(zh, en).to_owned()}
                                    </button>
                                }
                            }).collect_view()}
                        </div>
                    }
                }).collect_view().into_any()
            })}
        </section>
    }
}

#[component]
fn SettingsPanel(admin: bool) -> impl IntoView {
    let lang = use_lang();
    let list = RwSignal::new(Vec::<Setting>::new());
    let error = RwSignal::new(String::new());
    let load = move || {
        spawn_local(async move {
            match api::get::<Settings>(SETTINGS).await {
                Ok(v) => list.set(v.settings),
                Err(f) => error.set(f.words(lang.get_untracked())),
            }
        });
    };
    load();
    let save = move |key: String, value: String| {
        let body = SettingChange { key, value };
        send_then::<SettingChanged>(SETTINGS.into(), body, lang, error, load);
    };
    view! {
        <details class="card">
            <summary>{tr("核验设置", "Check settings")}</summary>
            <p class="hint">{tr("修改立即生效并记入审计日志。", "A change applies at once and is audited.")}</p>
            <p class="error" role="alert">{move || error.get()}</p>
            <dl class="facts settings">
                {move || list.get().into_iter().map(|item| {
                    let key = item.key.clone();
                    let words = lang.get().pick(&item.zh, &item.en).to_owned();
                    let value = item.value.to_string();
                    let default = item.default.to_string();
                    view! {
                        <dt>{words}</dt>
                        <dd>
                            <input type="text" inputmode="decimal" data-setting=key.clone() value=value
                                disabled=!admin
                                on:change=move |ev| save(key.clone(), event_target_value(&ev)) />
                            <span class="hint">{move || format!("{} {default}", lang.get().pick("默认", "default"))}</span>
                        </dd>
                    }
                }).collect_view()}
            </dl>
        </details>
    }
}
