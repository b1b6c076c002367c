//! In-app browsers (WeChat, QQ, Weibo, Alipay, Douyin, DingTalk…): many customers open the
//! shop from a chat or a feed, inside an app's own web view, where the camera and downloads
//! are often not offered. [`detect`] reads the user agent (pure, natively tested); the photo
//! step then says how to open the page in the phone's browser, with the link to copy, and the
//! file path (从相册选择照片) keeps working either way.

/// An app whose own web view the page is running in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InApp {
    /// WeChat (`MicroMessenger`; also WeChat Work, `wxwork`).
    WeChat,
    /// QQ (the chat app's view, `QQ/`, not QQ Browser).
    Qq,
    /// Weibo.
    Weibo,
    /// Alipay.
    Alipay,
    /// Douyin / TikTok (`aweme`, `BytedanceWebview`).
    Douyin,
    /// DingTalk.
    DingTalk,
}

/// What the page knows about where it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The app, if the page is inside one.
    pub app: InApp,
    /// An iPhone or iPad (their web views follow Safari's rules).
    pub ios: bool,
}

/// The app whose web view `ua` (the `User-Agent`) is, if any.
pub fn detect(ua: &str) -> Option<Seen> {
    let lower = ua.to_ascii_lowercase();
    let has = |s: &str| lower.contains(s);
    let app = if has("micromessenger") || has("wxwork") {
        InApp::WeChat
    } else if has("dingtalk") {
        InApp::DingTalk
    } else if has("alipayclient") {
        InApp::Alipay
    } else if has("weibo") {
        InApp::Weibo
    } else if has("aweme") || has("bytedancewebview") || has("bytelocale") {
        InApp::Douyin
    } else if has(" qq/") {
        // The chat app (" QQ/8.9…"); QQ Browser says "MQQBrowser/" and is a real browser.
        InApp::Qq
    } else {
        return None;
    };
    let ios = has("iphone") || has("ipad") || has("ipod");
    Some(Seen { app, ios })
}

impl InApp {
    /// The app's name (Chinese, English).
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            InApp::WeChat => ("微信", "WeChat"),
            InApp::Qq => ("QQ", "QQ"),
            InApp::Weibo => ("微博", "Weibo"),
            InApp::Alipay => ("支付宝", "Alipay"),
            InApp::Douyin => ("抖音", "Douyin"),
            InApp::DingTalk => ("钉钉", "DingTalk"),
        }
    }
}

impl Seen {
    /// What to tell the customer on the photo step (Chinese, English): the camera may not
    /// open here; the menu opens the page in the phone's browser; the album always works.
    pub fn advice(self) -> (String, String) {
        let (zh, en) = self.app.name();
        let browser = if self.ios {
            ("Safari", "Safari")
        } else {
            ("浏览器", "your browser")
        };
        (
            format!(
                "您正在{zh}里打开本页，{zh}可能不允许网页使用摄像头。可以点右上角“···”选择“在{}打开”，或复制下面的链接到{}打开；也可以用“从相册选择照片”上传已拍好的照片。",
                browser.0, browser.0
            ),
            format!(
                "You are in {en}'s built-in browser, which may not let pages use the camera. Use the ··· menu at the top right to open this page in {}, or copy the link below into it; or choose photos you already took from the album.",
                browser.1
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WECHAT_ANDROID: &str = "Mozilla/5.0 (Linux; Android 13; V2203A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";
    const WECHAT_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.45(0x18002d2a) NetType/WIFI Language/zh_CN";
    const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36";
    const SAFARI_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
    const QQ_BROWSER: &str = "Mozilla/5.0 (Linux; U; Android 12; zh-cn; PDEM10 Build/SKQ1.210216.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/109.0.5414.86 MQQBrowser/13.8 Mobile Safari/537.36";
    const QQ_APP: &str = "Mozilla/5.0 (Linux; Android 12; PDEM10 Build/SKQ1.210216.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/98.0.4758.102 MQQBrowser/6.2 TBS/046317 Mobile Safari/537.36 V1_AND_SQ_8.9.85_4766_YYB_D QQ/8.9.85.12820 NetType/WIFI WebP/0.3.0 AppTheme/1000 StatusBarHeight/110 StatusBarType/dark Pixel/1080";
    const DOUYIN: &str = "Mozilla/5.0 (Linux; Android 11; M2012K11AC Build/RKQ1.200826.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/90.0.4430.91 Mobile Safari/537.36 aweme_230400 JsSdk/1.0 NetType/WIFI Channel/xiaomi_1128_64 app_version/23.4.0 ByteLocale/zh-CN Region/CN AppSkin/white AppTheme/light BytedanceWebview/d8a21c6";
    const ALIPAY: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Ariver/1.1.0 AliApp(AP/10.5.20.6000) Nebula WK RVKType(0) AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.5.20.6000 Language/zh-Hans Region/CN";

    #[test]
    fn the_apps_are_told_apart_from_real_browsers() {
        let seen = |ua| detect(ua).map(|s| (s.app, s.ios));
        assert_eq!(seen(WECHAT_ANDROID), Some((InApp::WeChat, false)));
        assert_eq!(seen(WECHAT_IOS), Some((InApp::WeChat, true)));
        assert_eq!(seen(QQ_APP), Some((InApp::Qq, false)));
        assert_eq!(seen(DOUYIN), Some((InApp::Douyin, false)));
        assert_eq!(seen(ALIPAY), Some((InApp::Alipay, true)));
        // The phone's own browsers, QQ Browser among them, are not in-app views.
        assert_eq!(seen(CHROME_ANDROID), None);
        assert_eq!(seen(SAFARI_IOS), None);
        assert_eq!(seen(QQ_BROWSER), None);
        assert_eq!(seen(""), None);
    }

    #[test]
    fn the_advice_names_the_app_and_the_right_browser() {
        let ios = detect(WECHAT_IOS).map(Seen::advice).unwrap_or_default();
        assert!(
            ios.0.contains("微信") && ios.0.contains("Safari"),
            "{}",
            ios.0
        );
        assert!(
            ios.1.contains("WeChat") && ios.1.contains("album"),
            "{}",
            ios.1
        );
        let android = detect(WECHAT_ANDROID).map(Seen::advice).unwrap_or_default();
        assert!(android.0.contains("在浏览器打开"), "{}", android.0);
        assert!(!android.0.contains("Safari"));
    }
}
