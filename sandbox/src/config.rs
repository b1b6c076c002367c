//! Configuration: the same secrets the edge reads (`.dev.vars` or the environment), plus the
//! sandbox's own knobs.

use std::{collections::HashMap, path::Path, time::Duration};

/// Everything the sandbox needs to behave like the vendors.
#[derive(Debug, Clone)]
pub struct Config {
    /// Xingguang `apiuser`.
    pub xg_api_user: String,
    /// Xingguang key; `apipwd` must be its lower-case MD5.
    pub xg_api_key: String,
    /// RealMe `app_token`.
    pub realme_app_token: String,
    /// RealMe signing key.
    pub realme_sign_key: String,
    /// Phone three-factor `Authorization` token.
    pub phone3_token: String,
    /// Turnstile siteverify `secret`.
    pub turnstile_secret: String,
    /// Whether `/__sandbox/*` is served.
    pub admin: bool,
    /// Time between Xingguang status callbacks.
    pub xg_step: Duration,
    /// Time until a RealMe async result is ready and notified.
    pub realme_delay: Duration,
    /// RealMe calls allowed per second per app_token (over → 90105).
    pub realme_rate_per_sec: usize,
    /// Vendor product ids Xingguang knows.
    pub products: Vec<String>,
    /// Those of them that need the three photos (三照).
    pub photo_products: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            xg_api_user: "haoka-local".into(),
            xg_api_key: "local-xingguang-key".into(),
            realme_app_token: "local-app-token".into(),
            realme_sign_key: "local-sign-key".into(),
            phone3_token: "local-phone3-token".into(),
            turnstile_secret: "local-turnstile-secret".into(),
            admin: false,
            xg_step: Duration::from_secs(3),
            realme_delay: Duration::from_secs(2),
            realme_rate_per_sec: 20,
            // The vendor's catalogue: its documented sample product and a 三照 product (the
            // edge's D1 seed, migrations/0002_orders.sql, offers the same two).
            products: vec!["2188".into(), "2201".into()],
            photo_products: vec!["2201".into()],
        }
    }
}

/// Parse `KEY=VALUE` lines (`#` comments, optional quotes), as wrangler reads `.dev.vars`.
pub fn parse_dev_vars(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            (k.trim().to_owned(), v.to_owned())
        })
        .collect()
}

impl Config {
    /// Apply secrets from a map (a `.dev.vars` file or the environment).
    pub fn apply_vars(&mut self, vars: &HashMap<String, String>) {
        let set = |key: &str, slot: &mut String| {
            if let Some(v) = vars.get(key).filter(|v| !v.is_empty()) {
                *slot = v.clone();
            }
        };
        set("XINGGUANG_API_USER", &mut self.xg_api_user);
        set("XINGGUANG_API_KEY", &mut self.xg_api_key);
        set("REALME_APP_TOKEN", &mut self.realme_app_token);
        set("REALME_SIGN_KEY", &mut self.realme_sign_key);
        set("PHONE3_TOKEN", &mut self.phone3_token);
        set("TURNSTILE_SECRET", &mut self.turnstile_secret);
    }

    /// Read a `.dev.vars` file.
    pub fn load_dev_vars(&mut self, path: &Path) -> std::io::Result<()> {
        let text = std::fs::read_to_string(path)?;
        self.apply_vars(&parse_dev_vars(&text));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_vars() {
        let vars = parse_dev_vars("# c\nA=1\n B = \"two\" \n\nbad line\nC=x=y\n");
        assert_eq!(vars.get("A").map(String::as_str), Some("1"));
        assert_eq!(vars.get("B").map(String::as_str), Some("two"));
        assert_eq!(vars.get("C").map(String::as_str), Some("x=y"));
        let mut c = Config::default();
        c.apply_vars(&parse_dev_vars("XINGGUANG_API_KEY=k\nPHONE3_TOKEN=\n"));
        assert_eq!(c.xg_api_key, "k");
        assert_eq!(c.phone3_token, "local-phone3-token");
        assert_eq!(c.turnstile_secret, "local-turnstile-secret");
        c.apply_vars(&parse_dev_vars("TURNSTILE_SECRET=ts\n"));
        assert_eq!(c.turnstile_secret, "ts");
    }
}
