//! The administrative region tree: province › city › county › town › village.
//! Dongguan has no county level, so a town may sit directly under its city.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionLevel {
    Province,
    City,
    County,
    Town,
    Village,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Town => "town",
            RegionLevel::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Province,
            Self::City,
            Self::County,
            Self::Town,
            Self::Village,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::City => "地级市",
            RegionLevel::County => "县(区)",
            RegionLevel::Town => "镇(街道)",
            RegionLevel::Village => "村(社区)",
        }
    }
}

/// The kind a town-level name declares by its suffix (镇 / 街道 / 园区).
pub fn town_kind_of(name: &str) -> Option<&'static str> {
    ["街道", "园区", "镇"]
        .into_iter()
        .find(|s| name.ends_with(s) && name.chars().count() > s.chars().count())
}

/// The kind a village-level name declares by its suffix; the table has one name without any
/// ("石鼓", in 南城街道), which stays unclassified rather than guessed.
pub fn village_kind_of(name: &str) -> &'static str {
    ["社区", "片区", "村"]
        .into_iter()
        .find(|s| name.ends_with(s) && name.chars().count() > s.chars().count())
        .unwrap_or("村(社区)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_classify_names() {
        assert_eq!(town_kind_of("凤岗镇"), Some("镇"));
        assert_eq!(town_kind_of("南城街道"), Some("街道"));
        assert_eq!(town_kind_of("凤岗"), None);
        assert_eq!(town_kind_of("镇"), None);
        assert_eq!(village_kind_of("雁田村"), "村");
        assert_eq!(village_kind_of("横坑社区"), "社区");
        assert_eq!(village_kind_of("丁屋彭屋黄屋片区"), "片区");
        assert_eq!(village_kind_of("石鼓"), "村(社区)");
    }
}
