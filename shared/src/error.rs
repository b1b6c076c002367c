//! Validation errors: one enum, a stable machine code and words in Chinese and English.

use serde::{Deserialize, Serialize};

/// Which form field a validation issue belongs to. Serialised in `snake_case`; the
/// frontend, the edge's 422 body and the tests all use these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The vendor product id.
    ProductId,
    /// The customer's legal name.
    Name,
    /// The contact mobile number.
    Mobile,
    /// The 18-digit resident ID number.
    IdNumber,
    /// Province, city and district.
    Region,
    /// The street address.
    Address,
    /// A chosen number (optional).
    Number,
    /// A photo.
    Photo,
    /// The ID card's portrait side (`face`).
    PhotoFace,
    /// The ID card's national-emblem side (`back`).
    PhotoBack,
    /// The half-body portrait (`hand`).
    PhotoHand,
    /// Agreement to the personal-information notice.
    Consent,
}

impl Field {
    /// The wire name of the field.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::ProductId => "product_id",
            Field::Name => "name",
            Field::Mobile => "mobile",
            Field::IdNumber => "id_number",
            Field::Region => "region",
            Field::Address => "address",
            Field::Number => "number",
            Field::Photo => "photo",
            Field::PhotoFace => "photo_face",
            Field::PhotoBack => "photo_back",
            Field::PhotoHand => "photo_hand",
            Field::Consent => "consent",
        }
    }
}

/// Every way a customer's input can be refused. `code()` is stable and machine-readable;
/// `zh()` and `en()` are what a customer reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationError {
    /// Nothing was entered.
    Required,
    /// ID number is not 18 characters long.
    IdLength,
    /// ID number has a character other than digits (and X at the end).
    IdChars,
    /// ID number fails the ISO 7064 MOD 11-2 check character.
    IdChecksum,
    /// The birth date inside the ID number is not a real calendar date.
    IdBirthDate,
    /// The birth date inside the ID number is in the future.
    IdFutureBirthDate,
    /// The first two digits are not a province (or HK/MO/TW residence permit) code.
    IdProvince,
    /// The holder's age is outside the product's allowed range.
    IdAge {
        /// Age of the holder today.
        age: u32,
        /// Youngest allowed.
        min: u32,
        /// Oldest allowed.
        max: u32,
    },
    /// The mobile number is not 11 digits.
    MobileFormat,
    /// The mobile number's prefix is not allocated to any carrier.
    MobilePrefix,
    /// The name is too short or too long.
    NameLength,
    /// The name contains digits, Latin letters, markup or other characters not in Chinese names.
    NameChars,
    /// The province is not known.
    RegionProvince,
    /// The city is not in that province.
    RegionCity,
    /// The district is not in that city.
    RegionDistrict,
    /// The address has at most four characters.
    AddressTooShort,
    /// The address is too long.
    AddressTooLong,
    /// The address contains markup or control characters.
    AddressChars,
    /// The address contains a keyword this product refuses (e.g. 快递).
    AddressKeyword(String),
    /// The photo is neither JPEG nor PNG.
    PhotoType,
    /// The photo is larger than 2 MB.
    PhotoTooLarge,
    /// The product id is unknown.
    UnknownProduct,
    /// The chosen product does not ship to the chosen province.
    NotShipped,
    /// The chosen number is not a valid mobile number.
    NumberFormat,
    /// The personal-information notice was not agreed to.
    ConsentRequired,
}

impl ValidationError {
    /// Stable machine code, e.g. `id_checksum`.
    pub fn code(&self) -> &'static str {
        use ValidationError::*;
        match self {
            Required => "required",
            IdLength => "id_length",
            IdChars => "id_chars",
            IdChecksum => "id_checksum",
            NotShipped => "not_shipped",
            IdBirthDate => "id_birth_date",
            IdFutureBirthDate => "id_future_birth_date",
            IdProvince => "id_province",
            IdAge { .. } => "id_age",
            MobileFormat => "mobile_format",
            MobilePrefix => "mobile_prefix",
            NameLength => "name_length",
            NameChars => "name_chars",
            RegionProvince => "region_province",
            RegionCity => "region_city",
            RegionDistrict => "region_district",
            AddressTooShort => "address_too_short",
            AddressTooLong => "address_too_long",
            AddressChars => "address_chars",
            AddressKeyword(_) => "address_keyword",
            PhotoType => "photo_type",
            PhotoTooLarge => "photo_too_large",
            UnknownProduct => "unknown_product",
            NumberFormat => "number_format",
            ConsentRequired => "consent_required",
        }
    }

    /// What a customer reads, in Chinese.
    pub fn zh(&self) -> String {
        use ValidationError::*;
        match self {
            Required => "此项必填".into(),
            IdLength => "身份证号码应为18位".into(),
            IdChars => "身份证号码只能包含数字，最后一位可以是X".into(),
            IdChecksum => "身份证号码校验位不正确，请核对".into(),
            IdBirthDate => "身份证号码中的出生日期无效".into(),
            IdFutureBirthDate => "身份证号码中的出生日期晚于今天".into(),
            IdProvince => "身份证号码前两位不是有效的省份代码".into(),
            IdAge { age, min, max } => {
                format!("该产品仅限{min}至{max}周岁办理（当前{age}周岁）")
            }
            MobileFormat => "手机号码应为11位数字".into(),
            MobilePrefix => "该手机号码号段不存在".into(),
            NameLength => "姓名长度应为2至20个字".into(),
            NameChars => "姓名只能包含汉字和间隔号·".into(),
            RegionProvince => "请选择有效的省份".into(),
            NotShipped => "该产品不发货到所选省份，请换一个产品或收货地址".into(),
            RegionCity => "所选城市不属于该省份".into(),
            RegionDistrict => "所选区县不属于该城市".into(),
            AddressTooShort => "详细地址需多于4个字".into(),
            AddressTooLong => "详细地址不能超过120个字".into(),
            AddressChars => "详细地址包含不允许的字符".into(),
            AddressKeyword(k) => format!("该产品不支持寄送到含“{k}”的地址"),
            PhotoType => "照片必须是JPEG或PNG格式".into(),
            PhotoTooLarge => "照片不能大于2MB".into(),
            UnknownProduct => "产品不存在或已下架".into(),
            NumberFormat => "所选号码无效".into(),
            ConsentRequired => "请阅读并同意《个人信息处理说明》后再提交".into(),
        }
    }

    /// What a customer reads, in English.
    pub fn en(&self) -> String {
        use ValidationError::*;
        match self {
            Required => "This field is required".into(),
            IdLength => "The ID number must be 18 characters".into(),
            IdChars => "The ID number may only contain digits, with X allowed last".into(),
            IdChecksum => "The ID number's check character is wrong; please check it".into(),
            IdBirthDate => "The birth date in the ID number is not a real date".into(),
            IdFutureBirthDate => "The birth date in the ID number is in the future".into(),
            IdProvince => "The ID number does not start with a valid province code".into(),
            IdAge { age, min, max } => {
                format!("This product is for ages {min} to {max} (you are {age})")
            }
            MobileFormat => "The mobile number must be 11 digits".into(),
            MobilePrefix => "No carrier uses this mobile number prefix".into(),
            NameLength => "The name must be 2 to 20 characters".into(),
            NameChars => "The name may only contain Chinese characters and the middle dot ·".into(),
            RegionProvince => "Please choose a valid province".into(),
            NotShipped => {
                "This product does not ship to the chosen province; choose another product or address".into()
            }
            RegionCity => "That city is not in the chosen province".into(),
            RegionDistrict => "That district is not in the chosen city".into(),
            AddressTooShort => "The address must be longer than 4 characters".into(),
            AddressTooLong => "The address must be at most 120 characters".into(),
            AddressChars => "The address contains characters that are not allowed".into(),
            AddressKeyword(k) => {
                format!("This product cannot be delivered to an address containing “{k}”")
            }
            PhotoType => "The photo must be a JPEG or PNG image".into(),
            PhotoTooLarge => "The photo must be at most 2 MB".into(),
            UnknownProduct => "This product does not exist or is no longer offered".into(),
            NumberFormat => "The chosen number is not valid".into(),
            ConsentRequired => {
                "Please read and agree to the personal information notice before submitting".into()
            }
        }
    }

    /// The wire form of this error for `field`.
    pub fn for_field(&self, field: Field) -> FieldIssue {
        FieldIssue {
            field,
            code: self.code().to_owned(),
            message_zh: self.zh(),
            message_en: self.en(),
        }
    }
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh(), self.en())
    }
}

impl std::error::Error for ValidationError {}

/// One problem with one field, as sent over the wire (HTTP 422 bodies, warnings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIssue {
    /// The field at fault.
    pub field: Field,
    /// Stable machine code.
    pub code: String,
    /// Chinese message.
    pub message_zh: String,
    /// English message.
    pub message_en: String,
}
