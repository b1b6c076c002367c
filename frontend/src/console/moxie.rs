//! The Moxie carrier flow as one guided screen: create the task with the customer's mobile and
//! service password, enter the SMS code (or have it sent again), wait while the carrier's data
//! is collected, then fetch the report and, if wanted, the raw bills. Beside the task: the
//! number's channel information, and a password reset for a customer who forgot the service
//! password (a reset task, then the SMS code with the new password). These are the table's
//! flow-only checks (`Check::flow_only`): the console's picker offers this flow, never the
//! steps alone. Each step is a check of the table run through the edge like any other (so it
//! is validated, consented, costed and audited, and its card joins the case); passwords and
//! codes are sent and never kept, here or at the edge.

use crate::sleep;
use std::collections::BTreeMap;

use haoka_shared::{
    api::console::{CHECKS, CheckView, Consent, RunCheck},
    consent::CHECK_CONSENT_VERSION,
    realme, realme_form,
};
use leptos::{prelude::*, task::spawn_local};
use serde_json::{Value, json};

use super::{
    api::{self, Failure},
    csrf,
};
use crate::i18n::{Lang, tr, use_lang};

/// Status polls at most (every 3 s).
const STATUS_POLLS: u32 = 40;

/// Where the flow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The customer's mobile, service password, name and ID number, to create the task.
    Task,
    /// The SMS code the carrier sent.
    Code,
    /// The carrier's data is being collected (status polled).
    Collecting,
    /// Collected: the report can be fetched.
    Report,
    /// The report is in; the raw bills can be fetched.
    Finished,
    /// A forgotten password: the reset task's mobile, name and ID number.
    ResetTask,
    /// The reset's SMS code and the new service password.
    ResetCode,
}

/// The headings of the steps shown above the flow where it is: the collection's four, or the
/// reset's two.
fn steps_for(at: Step) -> &'static [(Step, &'static str, &'static str)] {
    match at {
        Step::ResetTask | Step::ResetCode => &[
            (Step::ResetTask, "1 重置任务", "1 Reset task"),
            (
                Step::ResetCode,
                "2 验证码与新密码",
                "2 Code and new password",
            ),
        ],
        _ => &[
            (Step::Task, "1 创建任务", "1 Task"),
            (Step::Code, "2 短信验证码", "2 SMS code"),
            (Step::Collecting, "3 采集中", "3 Collecting"),
            (Step::Report, "4 报告", "4 Report"),
        ],
    }
}

/// `getmoxieresetinput`'s `verify_code_list`: the SMS code and the new service password, as
/// the JSON array of `{"type","value"}` the vendor takes.
fn reset_code_list(sms_code: &str, new_password: &str) -> String {
    json!([
        { "type": "sms", "value": sms_code.trim() },
        { "type": "pwd", "value": new_password },
    ])
    .to_string()
}

/// What the status line says after a password reset (the `status` the flow keeps).
const RESET_DONE: &str = "RESET_DONE";

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
    let body = RunCheck {
        check: check.to_owned(),
        fields,
        consent: Consent {
            version: CHECK_CONSENT_VERSION.to_owned(),
            confirmed: true,
            sensitive: false,
        },
        case_id: Some(case_id.to_owned()),
        from_case: Vec::new(),
    };
    api::post::<CheckView, _>(CHECKS, &csrf(), &body)
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
    let [
        mobile,
        password,
        name,
        id_number,
        code,
        task_id,
        status,
        new_password,
    ] = std::array::from_fn(|_| RwSignal::new(String::new()));
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
    let bills = move |_| {
        run(
            "getmoxiedata",
            vec![
                ("task_id", task_id.get_untracked()),
                ("mobile", mobile.get_untracked()),
            ],
            |_, _, _, _| {},
        );
    };
    let channel = move |_| {
        run(
            "getmoxiemobile",
            vec![("mobile", mobile.get_untracked())],
            |_, _, _, _| {},
        );
    };
    let reset_create = move |_| {
        run(
            "getmoxieresettask",
            vec![
                ("mobile", mobile.get_untracked()),
                ("full_name", name.get_untracked()),
                ("id_number", id_number.get_untracked()),
            ],
            |view, at, task, status| {
                if let Some(id) = result_field(view, "task_id") {
                    task.set(id);
                    status.set(String::new());
                    at.set(Step::ResetCode);
                }
            },
        );
    };
    let reset_submit = move |_| {
        run(
            "getmoxieresetinput",
            vec![
                ("task_id", task_id.get_untracked()),
                (
                    "verify_code_list",
                    reset_code_list(&code.get_untracked(), &new_password.get_untracked()),
                ),
            ],
            |_, at, task, status| {
                task.set(String::new());
                status.set(RESET_DONE.into());
                at.set(Step::Task);
            },
        );
        // Sent once, kept nowhere.
        code.set(String::new());
        new_password.set(String::new());
    };
    let go = move |to: Step| {
        error.set(String::new());
        at.set(to);
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
    view! {
        <section class="card moxie" id="moxie-flow" data-step=move || format!("{:?}", at.get())>
            <h2>{tr("运营商授权（魔蝎）", "Carrier authorisation (Moxie)")}</h2>
            <ol class="steps">
                {move || steps_for(at.get()).iter().map(|&(s, zh, en)| view! {
                    <li class:current=move || at.get() == s
                        aria-current=move || (at.get() == s).then_some("step")>
                        {move || lang.get().pick(zh, en).to_owned()}
                    </li>
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
                    {(status.get_untracked() == RESET_DONE).then(|| view! {
                        <p class="notice" id="moxie-reset-done">{tr("服务密码已重置，请用新密码创建任务。", "The service password is reset: create the task with the new one.")}</p>
                    })}
                    {input("moxie-mobile", mobile, "手机号码", "Mobile", "tel")}
                    {input("moxie-password", password, "服务密码（不保存）", "Service password (not kept)", "password")}
                    {input("moxie-name", name, "姓名", "Name", "text")}
                    {input("moxie-id", id_number, "身份证号码", "ID number", "text")}
                    <button type="button" class="submit" id="moxie-create" disabled=move || busy.get() on:click=create>
                        {tr("创建采集任务", "Create the task")}
                    </button>
                    <button type="button" class="secondary" id="moxie-channel" disabled=move || busy.get() on:click=channel>
                        {tr("查询号码通道信息", "Look up the number's channel")}
                    </button>
                    <button type="button" class="secondary" id="moxie-reset" disabled=move || busy.get() on:click=move |_| go(Step::ResetTask)>
                        {tr("客户忘记服务密码：先重置", "Customer forgot the password: reset it")}
                    </button>
                }.into_any(),
                Step::ResetTask => view! {
                    <p class="hint">{tr("重置后运营商会向客户手机发送验证码。", "The carrier then sends a code to the customer's phone.")}</p>
                    {input("moxie-mobile", mobile, "手机号码", "Mobile", "tel")}
                    {input("moxie-name", name, "姓名", "Name", "text")}
                    {input("moxie-id", id_number, "身份证号码", "ID number", "text")}
                    <button type="button" class="submit" id="moxie-reset-create" disabled=move || busy.get() on:click=reset_create>
                        {tr("创建重置任务", "Create the reset task")}
                    </button>
                    <button type="button" class="secondary" id="moxie-reset-back" disabled=move || busy.get() on:click=move |_| go(Step::Task)>
                        {tr("返回", "Back")}
                    </button>
                }.into_any(),
                Step::ResetCode => view! {
                    <p class="hint">{tr("请向客户索取短信验证码，并由客户设定新的服务密码。", "Ask the customer for the SMS code and the new service password they choose.")}</p>
                    {input("moxie-reset-code", code, "短信验证码（不保存）", "SMS code (not kept)", "text")}
                    {input("moxie-new-password", new_password, "新服务密码（不保存）", "New service password (not kept)", "password")}
                    <button type="button" class="submit" id="moxie-reset-submit" disabled=move || busy.get() on:click=reset_submit>
                        {tr("提交并重置密码", "Reset the password")}
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
                    <button type="button" class="secondary" id="moxie-bills" disabled=move || busy.get() on:click=bills>
                        {tr("获取账单原始数据", "Fetch the raw bills")}
                    </button>
                }.into_any(),
            }}
            <p class="hint mono">{move || task_id.get()}</p>
            <p class="error" id="moxie-error" role="alert">{move || error.get()}</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reset_code_list_is_what_the_table_takes() {
        let list = reset_code_list(" 123456 ", "n3w pass");
        let v: Value = serde_json::from_str(&list).unwrap_or_default();
        assert_eq!(v[0]["type"], "sms");
        assert_eq!(v[0]["value"], "123456");
        assert_eq!(v[1]["type"], "pwd");
        assert_eq!(v[1]["value"], "n3w pass");
        let form = realme::check("getmoxieresetinput");
        let fields = fields(&[("task_id", "TASK1".to_owned()), ("verify_code_list", list)]);
        assert!(form.is_some_and(|c| realme_form::validate_form(c, &fields).is_ok()));
    }

    #[test]
    fn every_flow_only_check_is_a_step_of_this_flow() {
        // The flow's own code, before its tests.
        let source = include_str!("moxie.rs")
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default();
        for c in realme::CHECKS.iter().filter(|c| c.flow_only) {
            assert!(source.contains(&format!("\"{}\"", c.name)), "{}", c.name);
        }
    }

    #[test]
    fn the_step_headings_follow_the_branch() {
        assert_eq!(steps_for(Step::Task).len(), 4);
        assert_eq!(steps_for(Step::Finished), steps_for(Step::Code));
        assert_eq!(steps_for(Step::ResetCode)[1].0, Step::ResetCode);
        assert!(steps_for(Step::ResetTask).iter().all(|(s, zh, en)| {
            matches!(s, Step::ResetTask | Step::ResetCode) && !zh.is_empty() && !en.is_empty()
        }));
    }
}
