//! RealMe's 27 identity checks as one declarative table: path, version, interface number,
//! fields and their kinds, sync or async. The edge validates and signs from it, the console
//! renders its forms from it, and the sandbox enforces it. Each check also names the console
//! picker's [`Group`] it belongs to (what the agent wants to know) and whether it is a step of
//! a guided flow only; each parameter an agent cannot be expected to know carries a short
//! explanation for the form.

/// How a parameter's value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A person's Chinese name (`name::parse_name`).
    Name,
    /// An 18-digit resident ID (`idcard::parse_resident_id`).
    IdNumber,
    /// A mainland mobile number (`mobile::parse_mobile`).
    Mobile,
    /// A BASE64 JPEG/PNG (a `data:` prefix is accepted).
    Image,
    /// A bank card number: 12–19 digits.
    BankCard,
    /// One of the listed values.
    OneOf(&'static [&'static str]),
    /// An `http://` or `https://` URL.
    Url,
    /// A date `YYYYMMDD`.
    Date,
    /// A card expiry `mmyy`.
    MonthYear,
    /// A carrier password or code: never stored or logged.
    Secret,
    /// A JSON array of `{"type","value"}` objects (Moxie `verify_code_list`).
    CodeList,
    /// An IPv4 or IPv6 address.
    Ip,
    /// Free text, 1–256 characters.
    Text,
}

/// One request parameter of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Wire name.
    pub name: &'static str,
    /// How its value is checked.
    pub kind: Kind,
    /// Whether the vendor marks it required.
    pub required: bool,
    /// Chinese label (vendor's description).
    pub label_zh: &'static str,
    /// English label.
    pub label_en: &'static str,
    /// Chinese words shown under the field, for parameters an agent cannot be expected to know
    /// (vendor codes and ids); empty if the label says enough.
    pub hint_zh: &'static str,
    /// English words shown under the field; empty exactly when `hint_zh` is.
    pub hint_en: &'static str,
}

/// What an agent wants to know: the console picker's sections, in [`Group::ALL`]'s order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// 身份: a name and ID number against the police record.
    Identity,
    /// 手机号: a mobile number's owner.
    Phone,
    /// 人脸: faces, liveness and the face library.
    Face,
    /// 银行卡: a bank card's owner.
    BankCard,
    /// 证件识别: reading ID cards, bank cards and licences from photos (OCR).
    Documents,
    /// 风险: lists, fraud and credit scores.
    Risk,
    /// 运营商数据: the carrier's records through Moxie (a guided flow).
    Carrier,
}

impl Group {
    /// Every group, in the picker's order.
    pub const ALL: [Group; 7] = [
        Group::Identity,
        Group::Phone,
        Group::Face,
        Group::BankCard,
        Group::Documents,
        Group::Risk,
        Group::Carrier,
    ];

    /// The section heading in Chinese.
    pub fn label_zh(self) -> &'static str {
        match self {
            Group::Identity => "身份",
            Group::Phone => "手机号",
            Group::Face => "人脸",
            Group::BankCard => "银行卡",
            Group::Documents => "证件识别",
            Group::Risk => "风险",
            Group::Carrier => "运营商数据",
        }
    }

    /// The section heading in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Group::Identity => "Identity",
            Group::Phone => "Phone",
            Group::Face => "Face",
            Group::BankCard => "Bank card",
            Group::Documents => "Documents (OCR)",
            Group::Risk => "Risk",
            Group::Carrier => "Carrier data",
        }
    }

    /// Position in the picker, from 0.
    pub fn order(self) -> usize {
        Group::ALL
            .iter()
            .position(|g| *g == self)
            .unwrap_or(Group::ALL.len())
    }

    /// A stable machine name (`identity`, `phone`, …), for page attributes and tests.
    pub fn key(self) -> &'static str {
        match self {
            Group::Identity => "identity",
            Group::Phone => "phone",
            Group::Face => "face",
            Group::BankCard => "bank_card",
            Group::Documents => "documents",
            Group::Risk => "risk",
            Group::Carrier => "carrier",
        }
    }
}

/// When the verdict arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// In the response.
    Sync,
    /// Later, by notification to `mer_bg_url` or by `checkresult`.
    Async,
    /// Either (cardcheck: 10200 with a verdict, or 10201 and wait).
    Either,
}

/// A cross-field rule the vendor states in prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// No extra rule.
    None,
    /// At least one of these must be given (antilaunderquery: name or ID).
    AnyOf(&'static [&'static str]),
    /// `full_name` plus at least two of these (antifraudquery).
    NamePlusTwoOf(&'static [&'static str]),
    /// `image` or `file_id` (face register / retrieve).
    ImageOrFileId,
}

/// One RealMe check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// Path segment after `trade/`, e.g. `namecheck`.
    pub name: &'static str,
    /// API version segment: `v3`, `v4` or `v5`.
    pub version: &'static str,
    /// Three-digit interface number (the first three digits of its return codes).
    pub interface: u16,
    /// Chinese title.
    pub title_zh: &'static str,
    /// English title.
    pub title_en: &'static str,
    /// Sync or async.
    pub mode: Mode,
    /// Return code on acceptance, as the vendor's sample shows it.
    pub accepted_code: &'static str,
    /// Parameters besides the common ones.
    pub params: &'static [Param],
    /// The picker section it belongs to.
    pub group: Group,
    /// A step of a guided flow (the Moxie carrier steps): run only from inside that flow,
    /// never offered as a picker entry of its own.
    pub flow_only: bool,
    /// Cross-field rule.
    pub rule: Rule,
}

impl Check {
    /// `{version}/trade/{name}`, appended to the base URL.
    pub fn path(&self) -> String {
        format!("{}/trade/{}", self.version, self.name)
    }

    /// The interface's generic failure code, e.g. `10410`.
    pub fn failure_code(&self) -> String {
        format!("{}10", self.interface)
    }

    /// Whether the check takes `mer_bg_url`.
    pub fn takes_callback(&self) -> bool {
        self.params.iter().any(|p| p.name == "mer_bg_url")
    }
}

const fn p(
    name: &'static str,
    kind: Kind,
    required: bool,
    label_zh: &'static str,
    label_en: &'static str,
) -> Param {
    Param {
        name,
        kind,
        required,
        label_zh,
        label_en,
        hint_zh: "",
        hint_en: "",
    }
}

const SOURCE: Param = p(
    "source_channel",
    Kind::OneOf(&["0", "1", "2"]),
    true,
    "来源渠道",
    "Source channel",
);
const IMEI: Param = p("imei", Kind::Text, false, "设备号", "Device id").hint(
    "客户手机的设备识别码（IMEI），不清楚可不填",
    "The customer's phone IMEI; leave empty if unknown",
);
const BG: Param = p(
    "mer_bg_url",
    Kind::Url,
    false,
    "异步通知回调地址",
    "Notification URL",
);
const BG_REQ: Param = p(
    "mer_bg_url",
    Kind::Url,
    true,
    "异步通知回调地址",
    "Notification URL",
);
const AUTH: Param = p(
    "authorization_info",
    Kind::Text,
    false,
    "用户授权标识",
    "User authorisation id",
)
.hint(
    "RealMe 分配的用户授权标识，本店未获分配时留空",
    "RealMe's user authorisation id; leave empty unless RealMe gave the shop one",
);
const NAME: Param = p("full_name", Kind::Name, true, "姓名", "Full name");
const NAME_OPT: Param = p("full_name", Kind::Name, false, "姓名", "Full name");
const ID: Param = p("id_number", Kind::IdNumber, true, "身份证号", "ID number");
const ID_OPT: Param = p("id_number", Kind::IdNumber, false, "身份证号", "ID number");
const MOBILE_NO_OPT: Param = p("mobile_no", Kind::Mobile, false, "手机号", "Mobile");
const MOBILE: Param = p("mobile", Kind::Mobile, true, "手机号码", "Mobile");
const TASK: Param = p("task_id", Kind::Text, true, "任务ID", "Task id").hint(
    "由分步流程在创建任务后自动填写",
    "Filled in by the guided flow once the task exists",
);
const VIDEO_PIC: Param = p("video_pic", Kind::Image, true, "视频截图", "Face photo");
/// The words under an image-type choice: photos taken on the capture page are single photos.
const PHOTO_TYPE_ZH: &str = "在本页拍照时选“单张照片”；“SDK 采集”只用于 RealMe SDK 拍摄的图片";
/// [`PHOTO_TYPE_ZH`] in English.
const PHOTO_TYPE_EN: &str =
    "Photo taken here: choose Single photo; SDK capture is only for pictures from RealMe's SDK";
/// An image's file suffix (licenseocr's `img_suffix`; `file_suffix` elsewhere).
const SUFFIX: Param = p(
    "img_suffix",
    Kind::OneOf(&["jpg", "jpeg", "png"]),
    false,
    "图片后缀",
    "Image suffix",
)
.hint(
    "图片格式；在本页拍的照片为 jpg",
    "The image format; photos taken here are jpg",
);
/// An image already in RealMe's file store, instead of a photo (face register / search).
const FILE_ID: Param = p("file_id", Kind::Text, false, "文件ID", "File id").hint(
    "已存入 RealMe 文件存储（ufile）的图片ID；拍照时不填",
    "The id of an image already in RealMe's file store (ufile); leave empty when taking a photo",
);
const CARD_NO_OPT: Param = p(
    "card_no",
    Kind::BankCard,
    false,
    "银行卡号",
    "Bank card number",
);

/// The 27 checks, in the vendor's order (the picker orders them by [`Group`]).
pub const CHECKS: &[Check] = &[
    Check {
        name: "staticfacecheck",
        version: "v4",
        interface: 100,
        title_zh: "人脸公安实名认证",
        title_en: "Face vs police record",
        mode: Mode::Async,
        accepted_code: "10001",
        params: &[NAME, ID, VIDEO_PIC, SOURCE, IMEI, BG, AUTH],
        group: Group::Face,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "dynamicfacecheck",
        version: "v4",
        interface: 101,
        title_zh: "活体检测",
        title_en: "Liveness check",
        mode: Mode::Async,
        accepted_code: "10101",
        params: &[
            NAME,
            ID,
            VIDEO_PIC,
            SOURCE,
            IMEI,
            p(
                "video_pic_flag",
                Kind::OneOf(&["true", "false"]),
                false,
                "视频截图类型",
                "Photo is SDK package",
            )
            .hint(
                "在本页拍照时选“单张照片”或留空；“SDK 采集包”只用于 RealMe SDK 加密的人脸包",
                "Photo taken here: choose Single photo or leave empty; SDK package is only for RealMe SDK's encrypted bundle",
            ),
            BG,
            AUTH,
        ],
        group: Group::Face,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "cardcheck",
        version: "v4",
        interface: 102,
        title_zh: "银行卡实名认证",
        title_en: "Bank card check",
        mode: Mode::Either,
        accepted_code: "10200",
        params: &[
            NAME,
            ID_OPT,
            MOBILE_NO_OPT,
            p("acct_no", Kind::BankCard, true, "银行卡号", "Card number"),
            p(
                "acct_type",
                Kind::OneOf(&["E", "P"]),
                false,
                "账户类型",
                "Account type",
            )
            .hint(
                "个人客户的卡选“对私”；不确定可不填",
                "A personal customer's card is Personal; leave empty if unsure",
            ),
            p(
                "card_type",
                Kind::OneOf(&["D", "C", "P", "V", "Y", "Z"]),
                false,
                "卡类型",
                "Card type",
            )
            .hint(
                "看卡面：借记卡或信用卡；不确定可不填",
                "See the card: debit or credit; leave empty if unsure",
            ),
            p(
                "valid_date",
                Kind::MonthYear,
                false,
                "有效期(mmyy)",
                "Expiry (mmyy)",
            ),
            p("cvv2", Kind::Secret, false, "CVV2", "CVV2"),
            p("bank_identity", Kind::Text, false, "银行标识", "Bank id").hint(
                "银行的机构标识，由银行或 RealMe 提供；不清楚可不填",
                "The bank's identifier, from the bank or RealMe; leave empty if unknown",
            ),
            SOURCE,
            IMEI,
            BG,
            AUTH,
        ],
        group: Group::BankCard,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "mobilecheck",
        version: "v4",
        interface: 103,
        title_zh: "手机号实名认证",
        title_en: "Mobile three-factor",
        mode: Mode::Sync,
        accepted_code: "10300",
        params: &[
            NAME_OPT,
            ID_OPT,
            p("mobile_no", Kind::Mobile, true, "手机号", "Mobile"),
            SOURCE,
            IMEI,
            AUTH,
        ],
        group: Group::Phone,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "namecheck",
        version: "v4",
        interface: 104,
        title_zh: "身份证实名认证",
        title_en: "ID two-factor",
        mode: Mode::Sync,
        accepted_code: "10400",
        params: &[NAME, ID, SOURCE, IMEI, AUTH],
        group: Group::Identity,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "idcardcheck",
        version: "v3",
        interface: 106,
        title_zh: "身份证照片实名认证",
        title_en: "ID card photos vs police record",
        mode: Mode::Async,
        accepted_code: "10601",
        params: &[
            NAME_OPT,
            ID_OPT,
            p(
                "id_front_pic",
                Kind::Image,
                true,
                "身份证人像面",
                "ID portrait side",
            ),
            p(
                "id_negative_pic",
                Kind::Image,
                true,
                "身份证国徽面",
                "ID emblem side",
            ),
            SOURCE,
            IMEI,
            BG,
            AUTH,
        ],
        group: Group::Identity,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "picturematch",
        version: "v4",
        interface: 105,
        title_zh: "人像图片比对",
        title_en: "Face photo match",
        mode: Mode::Sync,
        accepted_code: "10500",
        params: &[
            p("image1", Kind::Image, true, "图片1", "Image 1"),
            p(
                "image1_type",
                Kind::OneOf(&["1", "2"]),
                true,
                "图片1类型",
                "Image 1 type",
            )
            .hint(PHOTO_TYPE_ZH, PHOTO_TYPE_EN),
            p("image2", Kind::Image, true, "图片2", "Image 2"),
            p(
                "image2_type",
                Kind::OneOf(&["1", "2"]),
                true,
                "图片2类型",
                "Image 2 type",
            )
            .hint(PHOTO_TYPE_ZH, PHOTO_TYPE_EN),
            SOURCE,
            IMEI,
            AUTH,
        ],
        group: Group::Face,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "idcardidentify",
        version: "v4",
        interface: 107,
        title_zh: "身份证信息识别",
        title_en: "ID card OCR",
        mode: Mode::Async,
        accepted_code: "10700",
        params: &[
            p("id_pic", Kind::Image, true, "身份证照", "ID card photo"),
            p(
                "interface_id",
                Kind::OneOf(&["01", "02", "03", "04"]),
                true,
                "接口区分",
                "Side and background",
            )
            .hint(
                "按所拍的面选：人像面为正面，国徽面为背面；证件占满照片为“不带背景”",
                "Pick the side photographed: portrait side is front, emblem side back; a card filling the photo is no background",
            ),
            SOURCE,
            IMEI,
            BG,
            AUTH,
        ],
        group: Group::Documents,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "bankcardidentify",
        version: "v3",
        interface: 108,
        title_zh: "银行卡信息识别",
        title_en: "Bank card OCR",
        mode: Mode::Async,
        accepted_code: "10800",
        params: &[
            p(
                "bank_card_pic",
                Kind::Image,
                true,
                "银行卡照",
                "Bank card photo",
            ),
            BG_REQ,
            SOURCE,
            IMEI,
            AUTH,
        ],
        group: Group::Documents,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "faceregister",
        version: "v4",
        interface: 109,
        title_zh: "1:N人像注册",
        title_en: "1:N face register",
        mode: Mode::Sync,
        accepted_code: "10900",
        params: &[
            p(
                "group_ids",
                Kind::Text,
                true,
                "组名(;分隔)",
                "Group ids (; separated)",
            )
            .hint(
                "本店人像库的分组名，自行约定（如门店名）；多个用英文分号 ; 分隔",
                "Groups of the shop's face library, names of your choosing (e.g. the store); several separated by ;",
            ),
            p("person_id", Kind::Text, true, "用户唯一标识", "Person id").hint(
                "本店给此人定的唯一编号（如案件号），检索命中时返回",
                "Your own unique id for this person (e.g. the case number), returned when a search finds them",
            ),
            p("image", Kind::Image, false, "人像图片", "Face image"),
            SUFFIX.with_name("file_suffix"),
            FILE_ID,
            NAME_OPT.with_name("person_name"),
            AUTH,
        ],
        group: Group::Face,
        flow_only: false,
        rule: Rule::ImageOrFileId,
    },
    Check {
        name: "faceretrieve",
        version: "v4",
        interface: 110,
        title_zh: "1:N人像检索",
        title_en: "1:N face search",
        mode: Mode::Async,
        accepted_code: "11001",
        params: &[
            p("group_id", Kind::Text, true, "组名", "Group id").hint(
                "要检索的人像库分组名，与注册时所填相同",
                "The face-library group to search, as given when registering",
            ),
            p("image", Kind::Image, false, "人像图片", "Face image"),
            SUFFIX.with_name("file_suffix"),
            FILE_ID,
            p(
                "number",
                Kind::OneOf(&["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]),
                false,
                "返回个数",
                "How many",
            )
            .hint(
                "返回最相似的几个人，不填为 1",
                "How many closest matches to return; 1 if empty",
            ),
            BG,
            AUTH,
        ],
        group: Group::Face,
        flow_only: false,
        rule: Rule::ImageOrFileId,
    },
    Check {
        name: "defensehack",
        version: "v5",
        interface: 111,
        title_zh: "人像防Hack检查",
        title_en: "Face anti-hack check",
        mode: Mode::Sync,
        accepted_code: "11100",
        params: &[VIDEO_PIC, AUTH],
        group: Group::Face,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "licenseocr",
        version: "v5",
        interface: 113,
        title_zh: "营业执照信息识别",
        title_en: "Business licence OCR",
        mode: Mode::Sync,
        accepted_code: "11301",
        params: &[
            p(
                "license_pic",
                Kind::Image,
                false,
                "营业执照图片",
                "Licence photo",
            ),
            SUFFIX,
            AUTH,
        ],
        group: Group::Documents,
        flow_only: false,
        rule: Rule::AnyOf(&["license_pic"]),
    },
    Check {
        name: "antilaunderquery",
        version: "v5",
        interface: 114,
        title_zh: "反洗钱高风险客户名单查询",
        title_en: "Anti-money-laundering list",
        mode: Mode::Sync,
        accepted_code: "11401",
        params: &[NAME_OPT, ID_OPT, MOBILE_NO_OPT, CARD_NO_OPT, AUTH],
        group: Group::Risk,
        flow_only: false,
        rule: Rule::AnyOf(&["full_name", "id_number"]),
    },
    Check {
        name: "getmoxietask",
        version: "v5",
        interface: 115,
        title_zh: "魔蝎创建运营商采集任务",
        title_en: "Moxie: create carrier task",
        mode: Mode::Sync,
        accepted_code: "11500",
        params: &[
            MOBILE,
            p(
                "password",
                Kind::Secret,
                true,
                "服务密码",
                "Service password",
            ),
            NAME,
            ID,
            BG_REQ,
            AUTH,
        ],
        group: Group::Carrier,
        flow_only: true,
        rule: Rule::None,
    },
    Check {
        name: "getmoxieinput",
        version: "v5",
        interface: 116,
        title_zh: "魔蝎输入图片/短信验证码",
        title_en: "Moxie: enter code",
        mode: Mode::Sync,
        accepted_code: "11600",
        params: &[
            TASK,
            p(
                "verify_code",
                Kind::Secret,
                true,
                "验证码",
                "Verification code",
            ),
            AUTH,
        ],
        group: Group::Carrier,
        flow_only: true,
        rule: Rule::None,
    },
    Check {
        name: "getmoxieverifycode",
        version: "v5",
        interface: 117,
        title_zh: "魔蝎再次获取图片/短信验证码",
        title_en: "Moxie: resend code",
        mode: Mode::Sync,
        accepted_code: "11700",
        params: &[
            TASK,
            p(
                "message_type",
                Kind::OneOf(&["img", "sms"]),
                true,
                "验证码类型",
                "Code type",
            )
            .hint(
                "由分步流程选择（重新发送短信验证码）",
                "Chosen by the guided flow (send the SMS code again)",
            ),
            AUTH,
        ],
        group: Group::Carrier,
        flow_only: true,
        rule: Rule::None,
    },
    Check {
        name: "getmoxiestatus",
        version: "v5",
        interface: 118,
        title_zh: "魔蝎获取运营商采集任务执行状态",
        title_en: "Moxie: task status",
        mode: Mode::Sync,
        accepted_code: "11800",
        params: &[TASK, AUTH],
        group: Group::Carrier,
        flow_only: true,
        rule: Rule::None,
    },
    Check {
        name: "getmoxiemobile",
        version: "v5",
        interface: 119,
        title_zh: "魔蝎获取手机号码通道信息",
        title_en: "Moxie: number channel info",
        mode: Mode::Sync,
        accepted_code: "11900",
        params: &[MOBILE, AUTH],
        group: Group::Carrier,
        flow_only: true,
        rule: Rule::None,
    },
    Check {
        name: "getmoxieresettask",
        version: "v5",
        interface: 120,
        title_zh: "魔蝎创建运营商重置密码任务",
        title_en: "Moxie: create password reset",
        mode: Mode::Sync,
        accepted_code: "12000",
        params: &[MOBILE, NAME, ID, AUTH],
        group: Group::Carrier,
        flow_only: true,
        rule: Rule::None,
    },
    Check {
        name: "getmoxieresetinput",
        version: "v5",
        interface: 121,
        title_zh: "魔蝎输入图片/短信/新服务密码",
        title_en: "Moxie: enter reset codes",
        mode: Mode::Sync,
        accepted_code: "12100",
        params: &[
            TASK,
            p(
                "verify_code_list",
                Kind::CodeList,
                true,
                "验证码集合",
                "Codes (JSON)",
            )
            .hint(
                "由分步流程用短信验证码和新服务密码组成",
                "Built by the guided flow from the SMS code and the new service password",
            ),
            AUTH,
        ],
        group: Group::Carrier,
        flow_only: true,
        rule: Rule::None,
    },
    Check {
        name: "getmagicmirror",
        version: "v5",
        interface: 122,
        title_zh: "获取魔镜信审评分",
        title_en: "Magic-mirror credit score",
        mode: Mode::Sync,
        accepted_code: "12200",
        params: &[NAME, MOBILE, ID, AUTH],
        group: Group::Risk,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "getmoxiereport",
        version: "v5",
        interface: 123,
        title_zh: "魔蝎获取报告通知",
        title_en: "Moxie: report",
        mode: Mode::Sync,
        accepted_code: "12300",
        params: &[TASK, MOBILE, AUTH],
        group: Group::Carrier,
        flow_only: true,
        rule: Rule::None,
    },
    Check {
        name: "getmoxiedata",
        version: "v5",
        interface: 124,
        title_zh: "魔蝎获取账单通知(原始数据)",
        title_en: "Moxie: raw bills",
        mode: Mode::Sync,
        accepted_code: "12400",
        params: &[TASK, MOBILE, AUTH],
        group: Group::Carrier,
        flow_only: true,
        rule: Rule::None,
    },
    Check {
        name: "getyyfinanceinfo",
        version: "v5",
        interface: 125,
        title_zh: "yy金融查询p2p金融信息",
        title_en: "YY finance P2P info",
        mode: Mode::Sync,
        accepted_code: "12500",
        params: &[
            ID,
            p("query_date", Kind::Date, true, "查询日期", "Query date").hint(
                "查询日期，8位数字 YYYYMMDD，一般填今天",
                "The query date as eight digits YYYYMMDD, usually today",
            ),
            AUTH,
        ],
        group: Group::Risk,
        flow_only: false,
        rule: Rule::None,
    },
    Check {
        name: "antifraudquery",
        version: "v5",
        interface: 126,
        title_zh: "腾讯反欺诈信息分值查询",
        title_en: "Anti-fraud score",
        mode: Mode::Sync,
        accepted_code: "12600",
        params: &[
            ID_OPT,
            NAME_OPT,
            MOBILE_NO_OPT,
            CARD_NO_OPT,
            p("user_ip", Kind::Ip, false, "用户请求来源IP", "User IP").hint(
                "客户上网所用的 IP 地址（如线上申请时记录的）；不清楚可不填",
                "The IP address the customer came from (e.g. recorded with an online application); leave empty if unknown",
            ),
            IMEI,
            p("idfa", Kind::Text, false, "iOS广告标示符", "IDFA").hint(
                "客户 iPhone 的广告标识符；不清楚可不填",
                "The advertising id of the customer's iPhone; leave empty if unknown",
            ),
            AUTH,
        ],
        group: Group::Risk,
        flow_only: false,
        rule: Rule::NamePlusTwoOf(&[
            "id_number",
            "mobile_no",
            "card_no",
            "user_ip",
            "imei",
            "idfa",
        ]),
    },
    Check {
        name: "getloaninfo",
        version: "v5",
        interface: 127,
        title_zh: "91征信查询",
        title_en: "91 credit report",
        mode: Mode::Async,
        accepted_code: "12701",
        params: &[ID_OPT, NAME_OPT, BG, AUTH],
        group: Group::Risk,
        flow_only: false,
        rule: Rule::AnyOf(&["id_number", "full_name"]),
    },
];

impl Param {
    /// The same parameter under another wire name.
    const fn with_name(self, name: &'static str) -> Param {
        Param { name, ..self }
    }

    /// The parameter with words under its field (Chinese, English).
    const fn hint(self, hint_zh: &'static str, hint_en: &'static str) -> Param {
        Param {
            hint_zh,
            hint_en,
            ..self
        }
    }
}

/// The result-polling endpoint (`GET`), interface 200.
pub const CHECKRESULT_PATH: &str = "v4/checkresult";

/// Common request parameters every call carries.
pub const COMMON_PARAMS: [&str; 4] = ["order_date", "order_id", "app_token", "sign"];

/// checkresult: the verification is still running (20012, "该笔正在验证中").
pub const CHECKRESULT_PENDING: &str = "20012";
/// checkresult: no such verification (20011).
pub const CHECKRESULT_UNKNOWN: &str = "20011";
/// checkresult: result available (20000).
pub const CHECKRESULT_DONE: &str = "20000";

/// Words for the values of the table's enumerations (`Kind::OneOf`), from the vendor's
/// descriptions, for the console's selects: `(param, value, zh, en)`. Values without a row
/// (file suffixes, counts) are their own label.
pub const CHOICE_LABELS: &[(&str, &str, &str, &str)] = &[
    ("video_pic_flag", "true", "SDK 采集包", "SDK package"),
    ("video_pic_flag", "false", "单张照片", "Single photo"),
    ("acct_type", "E", "对公", "Corporate"),
    ("acct_type", "P", "对私", "Personal"),
    ("card_type", "D", "借记卡", "Debit card"),
    ("card_type", "C", "信用卡", "Credit card"),
    ("card_type", "P", "存折", "Passbook"),
    ("card_type", "V", "虚拟账户", "Virtual account"),
    ("card_type", "Y", "预付费卡", "Prepaid card"),
    ("card_type", "Z", "借贷合一卡", "Debit-credit card"),
    (
        "image1_type",
        "1",
        "单张照片（BASE64）",
        "Single photo (BASE64)",
    ),
    ("image1_type", "2", "SDK 采集", "SDK capture"),
    (
        "image2_type",
        "1",
        "单张照片（BASE64）",
        "Single photo (BASE64)",
    ),
    ("image2_type", "2", "SDK 采集", "SDK capture"),
    ("interface_id", "01", "不带背景正面", "Front, no background"),
    ("interface_id", "02", "不带背景背面", "Back, no background"),
    ("interface_id", "03", "带背景正面", "Front, with background"),
    ("interface_id", "04", "带背景背面", "Back, with background"),
    ("message_type", "img", "图片验证码", "Picture code"),
    ("message_type", "sms", "短信验证码", "SMS code"),
];

/// The words for `value` of the enumeration `param` (Chinese, English), if it has any.
pub fn choice_label(param: &str, value: &str) -> Option<(&'static str, &'static str)> {
    CHOICE_LABELS
        .iter()
        .find(|(p, v, _, _)| *p == param && *v == value)
        .map(|(_, _, zh, en)| (*zh, *en))
}

/// A check by its path name.
pub fn check(name: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.name == name)
}

/// What a `return_code` means (API-CONTRACTS.md): never match exact codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeClass {
    /// Interface-specific success (x00–x09 of interfaces 1xx–8xx).
    Success,
    /// Interface-specific failure (x10–x99).
    Failure,
    /// Common success (90000–90009).
    CommonSuccess,
    /// Common error (90100–91099).
    CommonError,
    /// Not a 5-digit code of any known class.
    Unknown,
}

/// Classify a `return_code`.
pub fn classify(code: &str) -> CodeClass {
    if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return CodeClass::Unknown;
    }
    let n: u32 = code.parse().unwrap_or(0);
    let last2 = n % 100;
    match code.as_bytes()[0] {
        b'1'..=b'8' if last2 <= 9 => CodeClass::Success,
        b'1'..=b'8' => CodeClass::Failure,
        b'9' if (90000..=90009).contains(&n) => CodeClass::CommonSuccess,
        b'9' if (90100..=91099).contains(&n) => CodeClass::CommonError,
        _ => CodeClass::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_seven_distinct_checks() {
        assert_eq!(CHECKS.len(), 27);
        let mut names: Vec<_> = CHECKS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 27);
        let mut ifaces: Vec<_> = CHECKS.iter().map(|c| c.interface).collect();
        ifaces.sort_unstable();
        ifaces.dedup();
        assert_eq!(ifaces.len(), 27);
    }

    #[test]
    fn accepted_codes_are_success_of_their_interface() {
        for c in CHECKS {
            assert!(
                c.accepted_code.starts_with(&c.interface.to_string()),
                "{}",
                c.name
            );
            assert_eq!(classify(c.accepted_code), CodeClass::Success, "{}", c.name);
            assert_eq!(
                classify(&c.failure_code()),
                CodeClass::Failure,
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn async_checks_take_a_callback() {
        for c in CHECKS.iter().filter(|c| c.mode != Mode::Sync) {
            assert!(c.takes_callback(), "{}", c.name);
        }
        assert_eq!(
            check("idcardcheck").map(|c| c.path()),
            Some("v3/trade/idcardcheck".into())
        );
    }

    #[test]
    fn classes() {
        assert_eq!(classify("10400"), CodeClass::Success);
        assert_eq!(classify("10201"), CodeClass::Success);
        assert_eq!(classify("11700"), CodeClass::Success);
        assert_eq!(classify("10410"), CodeClass::Failure);
        // checkresult's "still verifying" is a failure by class; pending is read from
        // `checkresult_pending` instead.
        assert_eq!(classify("20012"), CodeClass::Failure);
        assert_eq!(classify("20011"), CodeClass::Failure);
        assert_eq!(classify("90000"), CodeClass::CommonSuccess);
        assert_eq!(classify("90101"), CodeClass::CommonError);
        assert_eq!(classify("90199"), CodeClass::CommonError);
        assert_eq!(classify("91099"), CodeClass::CommonError);
        assert_eq!(classify("91100"), CodeClass::Unknown);
        assert_eq!(classify("9010"), CodeClass::Unknown);
        assert_eq!(classify("abcde"), CodeClass::Unknown);
    }

    #[test]
    fn every_check_has_a_group_and_every_group_is_non_empty() {
        for (i, g) in Group::ALL.iter().enumerate() {
            assert_eq!(g.order(), i, "{g:?}");
            assert!(!g.label_zh().is_empty() && !g.label_en().is_empty() && !g.key().is_empty());
            let members: Vec<_> = CHECKS.iter().filter(|c| c.group == *g).collect();
            assert!(!members.is_empty(), "{g:?} has no check");
        }
        let mut keys: Vec<_> = Group::ALL.iter().map(|g| g.key()).collect();
        keys.dedup();
        assert_eq!(keys.len(), Group::ALL.len());
        for c in CHECKS {
            assert!(Group::ALL.contains(&c.group), "{}", c.name);
        }
        let group_of = |name: &str| check(name).map(|c| c.group);
        assert_eq!(group_of("namecheck"), Some(Group::Identity));
        assert_eq!(group_of("mobilecheck"), Some(Group::Phone));
        assert_eq!(group_of("staticfacecheck"), Some(Group::Face));
        assert_eq!(group_of("cardcheck"), Some(Group::BankCard));
        assert_eq!(group_of("idcardidentify"), Some(Group::Documents));
        assert_eq!(group_of("antifraudquery"), Some(Group::Risk));
        assert_eq!(group_of("getmoxietask"), Some(Group::Carrier));
    }

    #[test]
    fn the_moxie_steps_are_flow_only_and_nothing_else_is() {
        for c in CHECKS {
            let moxie = c.name.starts_with("getmoxie");
            assert_eq!(c.flow_only, moxie, "{}", c.name);
            if moxie {
                assert_eq!(c.group, Group::Carrier, "{}", c.name);
            }
        }
        // Every group other than the carrier's has checks of its own in the picker.
        for g in Group::ALL.iter().filter(|g| **g != Group::Carrier) {
            assert!(
                CHECKS.iter().any(|c| c.group == *g && !c.flow_only),
                "{g:?}"
            );
        }
    }

    #[test]
    fn hints_come_in_both_languages() {
        for c in CHECKS {
            for p in c.params {
                assert_eq!(
                    p.hint_zh.is_empty(),
                    p.hint_en.is_empty(),
                    "{}.{}",
                    c.name,
                    p.name
                );
            }
        }
        let imei = check("namecheck").and_then(|c| c.params.iter().find(|p| p.name == "imei"));
        assert!(imei.is_some_and(|p| p.hint_zh.contains("IMEI")));
    }

    #[test]
    fn every_choice_label_names_a_value_of_the_table() {
        for (param, value, zh, en) in CHOICE_LABELS {
            let listed = CHECKS.iter().flat_map(|c| c.params).any(|p| {
                p.name == *param && matches!(p.kind, Kind::OneOf(values) if values.contains(value))
            });
            assert!(listed, "{param}={value}");
            assert!(!zh.is_empty() && !en.is_empty());
        }
        assert_eq!(choice_label("acct_type", "E"), Some(("对公", "Corporate")));
        assert_eq!(choice_label("file_suffix", "jpg"), None);
    }
}
