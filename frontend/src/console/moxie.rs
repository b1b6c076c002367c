//! The Moxie carrier flow as one guided screen: create the task with the customer's mobile and
//! service password, enter the SMS code (or have it sent again), wait while the carrier's data
//! is collected, then fetch the report. Each step is a check of the table run through the edge
//! like any other (so it is validated, consented, costed and audited, and its card joins the
//! case); the password and the code are sent and never kept, here or at the edge.

use crate::sleep;
use std::collections::BTreeMap;

use haoka_shared::{consent::CHECK_CONSENT_VERSION, realme, realme_form};
use leptos::{prelude::*, task::spawn_local};
use serde_json::{Value, json};

use super::{
    api::{self, CheckView, Failure},
    csrf,
};
use crate::i18n::{Lang, tr, use_lang};

/// Status polls at most (every 3 s).
const STATUS_POLLS: u32 = 40;

/// Where the flow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Task,
    Code,
    Collecting,
    Report,
    Finished,
}

/// Run one step; a form the edge would refuse is refused here first, in its words.
async fn step(
    check: &str,
    case_id: &str,
    fields: BTreeMap<String, String>,
    lang: Lang,
) -> Result<CheckView, String> {
    let Some(form) = realme::check(check) else {
        return Err(String::new());
    };
    if let Err(issues) = realme_form::validate_form(form, &fields) {
        return Err(issues
            .iter()
            .map(|i| lang.pick(&i.message_zh, &i.message_en).to_owned())
            .collect::<Vec<_>>()
            .join("；"));
    }
    let body = json!({
        "check": check,
        "case_id": case_id,
        "fields": fields,
        "consent": { "version": CHECK_CONSENT_VERSION, "confirmed": true, "sensitive": false },
    });
    api::post::<CheckView>("/api/console/checks", &csrf(), &body)
        .await
        .map_err(|f: Failure| f.words(lang))
}

/// A field of the task's `result` JSON (`task_id`, `status`).
fn result_field(view: &CheckView, key: &str) -> Option<String> {
    let result: Value = serde_json::from_str(view.fields.get("result")?).ok()?;
    result[key].as_str().map(str::to_owned)
}

fn fields(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// The guided carrier flow of a case.
#[component]
pub fn MoxieFlow(
    /// The case.
    case_id: String,
    /// A step ran (its card joins the case).
    on_ran: Callback<CheckView>,
) -> impl IntoView {
    let lang = use_lang();
    let at = RwSignal::new(Step::Task);
    let [mobile, password, name, id_number, code, task_id, status] =
        std::array::from_fn(|_| RwSignal::new(String::new()));
    let consent = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    let alive = RwSignal::new(true);
    on_cleanup(move || alive.set(false));
    let case_id = StoredValue::new(case_id);

    // Run `check` with `pairs`; on success hand the card over and continue with `then`.
    let run =
        move |check: &'static str,
              pairs: Vec<(&'static str, String)>,
              then: fn(&CheckView, RwSignal<Step>, RwSignal<String>, RwSignal<String>)| {
            if busy.get_untracked() {
                return;
            }
            if !consent.get_untracked() {
                error.set(
                    lang.get_untracked()
                        .pick(
                            "请先确认客户已同意本次核验",
                            "Confirm the customer agreed first",
                        )
                        .to_owned(),
                );
                return;
            }
            busy.set(true);
            error.set(String::new());
            let case = case_id.get_value();
            spawn_local(async move {
                let l = lang.get_untracked();
                match step(check, &case, fields(&pairs), l).await {
                    Ok(view) if view.state == "settled" => {
                        then(&view, at, task_id, status);
                        on_ran.run(view);
                    }
                    Ok(view) => {
                        error.set(
                            l.pick(&view.explanation_zh, &view.explanation_en)
                                .to_owned(),
                        );
                        on_ran.run(view);
                    }
                    Err(words) => error.set(words),
                }
                busy.set(false);
            });
        };

    let create = move |_| {
        run(
            "getmoxietask",
            vec![
                ("mobile", mobile.get_untracked()),
                ("password", password.get_untracked()),
                ("full_name", name.get_untracked()),
                ("id_number", id_number.get_untracked()),
            ],
            |view, at, task, status| {
                if let Some(id) = result_field(view, "task_id") {
                    task.set(id);
                    status.set(result_field(view, "status").unwrap_or_default());
                    at.set(Step::Code);
                }
            },
        );
        // The password goes once, and is not kept on this page either.
        password.set(String::new());
    };
    let poll = move || {
        spawn_local(async move {
            for _ in 0..STATUS_POLLS {
                if !alive.try_get_untracked().unwrap_or(false)
                    || at.get_untracked() != Step::Collecting
                {
                    return;
                }
                let case = case_id.get_value();
                let pairs = fields(&[("task_id", task_id.get_untracked())]);
                if let Ok(view) = step("getmoxiestatus", &case, pairs, lang.get_untracked()).await {
                    let now = result_field(&view, "status").unwrap_or_default();
                    status.set(now.clone());
                    if now == "DONE" {
                        at.set(Step::Report);
                        return;
                    }
                }
                sleep(3000).await;
            }
            error.set(
                lang.get_untracked()
                    .pick(
                        "采集时间过长，请稍后在本页重试",
                        "Collecting takes too long; try again later",
                    )
                    .to_owned(),
            );
        });
    };
    let enter_code = move |_| {
        run(
            "getmoxieinput",
            vec![
                ("task_id", task_id.get_untracked()),
                ("verify_code", code.get_untracked()),
            ],
            |_, at, _, status| {
                status.set("COLLECTING".into());
                at.set(Step::Collecting);
            },
        );
        code.set(String::new());
    };
    Effect::new(move |_| {
        if at.get() == Step::Collecting {
            poll();
        }
    });
    let resend = move |_| {
        run(
            "getmoxieverifycode",
            vec![
                ("task_id", task_id.get_untracked()),
                ("message_type", "sms".into()),
            ],
            |_, _, _, _| {},
        );
    };
    let report = move |_| {
        run(
            "getmoxiereport",
            vec![
                ("task_id", task_id.get_untracked()),
                ("mobile", mobile.get_untracked()),
            ],
            |_, at, _, _| at.set(Step::Finished),
        );
    };

    let input = move |id: &'static str,
                      signal: RwSignal<String>,
                      zh: &'static str,
                      en: &'static str,
                      kind: &'static str| {
        view! {
            <div class="field">
                <label for=id>{tr(zh, en)}</label>
                <input id=id type=kind autocomplete="off"
                    prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev)) />
            </div>
        }
    };
    let steps = [
        (Step::Task, "1 创建任务", "1 Task"),
        (Step::Code, "2 短信验证码", "2 SMS code"),
        (Step::Collecting, "3 采集中", "3 Collecting"),
        (Step::Report, "4 报告", "4 Report"),
    ];
    view! {
        <section class="card moxie" id="moxie-flow" data-step=move || format!("{:?}", at.get())>
            <h2>{tr("运营商授权（魔蝎）", "Carrier authorisation (Moxie)")}</h2>
            <ol class="steps">
                {steps.map(|(s, zh, en)| view! {
                    <li class:current=move || at.get() == s>{move || lang.get().pick(zh, en).to_owned()}</li>
                }).collect_view()}
            </ol>
            <label class="consent">
                <input type="checkbox" id="moxie-consent" prop:checked=move || consent.get()
                    on:change=move |ev| consent.set(event_target_checked(&ev)) />
                <span>{move || lang.get().pick(
                    haoka_shared::consent::CHECK_CONSENT_ZH,
                    haoka_shared::consent::CHECK_CONSENT_EN,
                ).to_owned()}</span>
            </label>
            {move || match at.get() {
                Step::Task => view! {
                    {input("moxie-mobile", mobile, "手机号码", "Mobile", "tel")}
                    {input("moxie-password", password, "服务密码（不保存）", "Service password (not kept)", "password")}
                    {input("moxie-name", name, "姓名", "Name", "text")}
                    {input("moxie-id", id_number, "身份证号码", "ID number", "text")}
                    <button type="button" class="submit" id="moxie-create" disabled=move || busy.get() on:click=create>
                        {tr("创建采集任务", "Create the task")}
                    </button>
                }.into_any(),
                Step::Code => view! {
                    <p class="hint">{tr("验证码已发送到客户手机，请向客户索取。", "A code was sent to the customer's phone: ask them for it.")}</p>
                    {input("moxie-code", code, "短信验证码（不保存）", "SMS code (not kept)", "text")}
                    <button type="button" class="submit" id="moxie-code-submit" disabled=move || busy.get() on:click=enter_code>
                        {tr("提交验证码", "Send the code")}
                    </button>
                    <button type="button" class="secondary" id="moxie-resend" disabled=move || busy.get() on:click=resend>
                        {tr("重新发送验证码", "Send the code again")}
                    </button>
                }.into_any(),
                Step::Collecting => view! {
                    <p class="notice" id="moxie-status">{tr("运营商数据采集中，完成后自动进入下一步…", "Collecting the carrier's data; the next step opens by itself…")} " " {move || status.get()}</p>
                }.into_any(),
                Step::Report => view! {
                    <button type="button" class="submit" id="moxie-report" disabled=move || busy.get() on:click=report>
                        {tr("获取报告", "Fetch the report")}
                    </button>
                }.into_any(),
                Step::Finished => view! {
                    <p class="notice" id="moxie-done">{tr("报告已获取，见下方结果。", "The report is in; see the results below.")}</p>
                }.into_any(),
            }}
            <p class="hint mono">{move || task_id.get()}</p>
            <p class="error" id="moxie-error" role="alert">{move || error.get()}</p>
        </section>
    }
}
