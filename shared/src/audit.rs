//! The audit log's action codes in words, for the console (the edge writes the codes; an
//! agent reads the words). A code missing here shows as itself.

/// Every action code the edge writes to the audit log, with its words (Chinese, English).
pub const ACTIONS: &[(&str, &str, &str)] = &[
    ("login", "登录", "Signed in"),
    ("login_failed", "登录失败", "Sign-in failed"),
    ("login_locked", "登录被锁定", "Sign-in while locked"),
    (
        "login_disabled",
        "停用账号尝试登录",
        "Sign-in to a disabled account",
    ),
    (
        "login_throttled",
        "登录过于频繁被拒",
        "Sign-in attempts throttled",
    ),
    ("logout", "退出登录", "Signed out"),
    ("logout_all", "退出全部设备", "Signed out everywhere"),
    ("bootstrap", "创建首个管理员", "First administrator created"),
    ("account_create", "创建账号", "Account created"),
    ("account_change", "修改账号", "Account changed"),
    (
        "password_change_refused",
        "修改密码被拒",
        "Password change refused",
    ),
    ("csrf_refused", "跨站请求被拒", "Cross-site request refused"),
    ("forbidden", "越权访问被拒", "Access refused"),
    ("case_open", "新建案件", "Case opened"),
    ("case_close", "关闭案件", "Case closed"),
    ("check_run", "发起核验", "Check run"),
    ("check_settled", "核验结果返回", "Check result arrived"),
    ("check_timed_out", "核验超时", "Check timed out"),
    ("reveal", "查看原文", "Value revealed"),
    ("export", "导出数据", "Data exported"),
    ("price_change", "修改价格", "Price changed"),
    ("settings_change", "修改设置", "Settings changed"),
    (
        "order_settle",
        "处理待确认订单",
        "Unconfirmed order settled",
    ),
    ("retention_purge", "按保留期清理", "Retention purge"),
];

/// The words of an action code in Chinese and English, or `None` for a code this table does
/// not know (shown as the code itself).
pub fn action_words(code: &str) -> Option<(&'static str, &'static str)> {
    ACTIONS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| (*zh, *en))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_once_with_words() {
        let mut codes: Vec<&str> = ACTIONS.iter().map(|(c, _, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len(), "a code listed twice");
        for (code, zh, en) in ACTIONS {
            assert!(!zh.is_empty() && !en.is_empty(), "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!(action_words("reveal"), Some(("查看原文", "Value revealed")));
        assert_eq!(action_words("nope"), None);
    }
}
