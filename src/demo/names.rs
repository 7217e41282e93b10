//! Plausible Chinese names for generated data, and the generator's own random numbers.
//!
//! Names are composed from tables (surname + given name; two place characters + a suffix), so
//! they look real without being anyone's: no table holds a real person, and place and school
//! names are made up (a made-up name may by chance match a real place; nothing else is taken
//! from it). Phone numbers are left empty for the same reason: any well-formed mobile number
//! is someone's.

use std::collections::HashSet;

/// SplitMix64: tiny, fast, and the same sequence for a seed on every platform and build (the
/// `rand` crate's generators may change between versions; this cannot).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// An independent stream for one part of the data (a group, a school), so each part is the
    /// same whatever was generated before it.
    pub fn derive(seed: u64, part: &str, index: u64) -> Self {
        let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
        for b in part.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
        let mut r = Self(h ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// True `per_mille` times in a thousand.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A UUID (version 4 in form) from this stream: ids follow from the seed, never from chance.
    pub fn uuid(&mut self) -> String {
        let bytes = (u128::from(self.next_u64()) << 64 | u128::from(self.next_u64())).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }
}

/// The most common surnames.
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁",
    "任", "卢", "姚", "沈", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖", "石", "金", "韦", "贾",
    "夏", "付", "方", "邹", "熊", "白", "孟", "秦", "邱", "侯", "江", "尹", "薛", "闫", "段", "雷",
    "欧阳", "司徒", "上官",
];

/// Characters of given names.
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玲", "建", "文", "辉", "鹏", "宇", "浩", "凯",
    "健", "俊", "帆", "帅", "旭", "宁", "晨", "欣", "怡", "悦", "琳", "婷", "雪", "倩", "颖", "佳",
    "嘉", "思", "雨", "梓", "子", "志", "国", "海", "红", "云", "峰", "斌", "波", "亮", "晓", "东",
    "春", "冬", "秋", "立", "新", "振", "永", "荣", "家", "兴", "德", "瑞", "博", "睿", "泽", "诗",
];

/// Characters place names are made of.
const PLACE: &[&str] = &[
    "江", "河", "山", "平", "安", "宁", "清", "新", "兴", "华", "阳", "源", "丰", "泰", "和", "龙",
    "凤", "云", "梅", "桂", "湖", "石", "海", "南", "北", "东", "西", "洲", "塘", "岭", "坪", "沙",
    "溪", "林", "田", "水", "城", "德", "兰", "乐", "昌", "庆", "福", "顺", "隆", "茂", "连", "广",
    "韶", "惠", "潮", "汕", "揭", "珠", "中", "肇", "怀", "英", "罗", "化", "高", "吉", "竹", "松",
    "榕", "莲", "荷", "鹤", "鹿", "马", "金", "银", "铜", "黄", "白", "青", "红", "大", "小", "上",
    "下", "前", "后", "长", "永", "开", "太", "宝", "仁", "义", "礼", "信", "文", "武", "康", "寿",
];

/// A person's name: a surname and one or two given-name characters.
pub fn person(rng: &mut Rng) -> String {
    let mut name = (*rng.pick(SURNAMES)).to_string();
    name.push_str(rng.pick::<&str>(GIVEN));
    if rng.chance(700) {
        name.push_str(rng.pick::<&str>(GIVEN));
    }
    name
}

/// Names not yet used within one parent (a region's children, a city's schools).
#[derive(Default)]
pub struct Unique(HashSet<String>);

impl Unique {
    /// A name from `make`, drawn again until unused (a numbered one after many tries).
    pub fn take(&mut self, rng: &mut Rng, mut make: impl FnMut(&mut Rng) -> String) -> String {
        for _ in 0..50 {
            let name = make(rng);
            if self.0.insert(name.clone()) {
                return name;
            }
        }
        let base = make(rng);
        let mut n = 2;
        loop {
            let name = format!("{base}{n}");
            if self.0.insert(name.clone()) {
                return name;
            }
            n += 1;
        }
    }
}

/// Two place characters.
pub fn place_stem(rng: &mut Rng) -> String {
    let a = rng.pick(PLACE);
    let mut b = rng.pick(PLACE);
    while b == a {
        b = rng.pick(PLACE);
    }
    format!("{a}{b}")
}

/// A prefecture-level city: "江华市".
pub fn city(rng: &mut Rng) -> String {
    format!("{}市", place_stem(rng))
}

/// A county-level unit: "平和县" or "新城区".
pub fn county(rng: &mut Rng) -> (String, &'static str) {
    if rng.chance(450) {
        (format!("{}区", place_stem(rng)), "区")
    } else {
        (format!("{}县", place_stem(rng)), "县")
    }
}

/// A town-level unit: "石岭镇" or "东华街道".
pub fn town(rng: &mut Rng) -> (String, &'static str) {
    if rng.chance(280) {
        (format!("{}街道", place_stem(rng)), "街道")
    } else {
        (format!("{}镇", place_stem(rng)), "镇")
    }
}

/// A village or community: "塘尾村", "龙湖社区".
pub fn village(rng: &mut Rng) -> (String, &'static str) {
    const ENDS: &[&str] = &["头", "尾", "围", "坑", "岗", "背", "口", "边", "墩", "埔"];
    let stem = if rng.chance(400) {
        format!("{}{}", rng.pick(PLACE), rng.pick(ENDS))
    } else {
        place_stem(rng)
    };
    if rng.chance(250) {
        (format!("{stem}社区"), "社区")
    } else {
        (format!("{stem}村"), "村")
    }
}

/// A university of a city ("江华市" → "江华理工学院"); medical-focused ones are 医科大学 or 医学院.
pub fn university(rng: &mut Rng, city: &str, medical: bool) -> String {
    let c = city.trim_end_matches('市');
    if medical {
        return format!("{}{}", pick_stem(rng, c), rng.pick(&["医科大学", "医学院"]));
    }
    const KINDS: &[&str] = &[
        "大学",
        "理工学院",
        "师范学院",
        "科技学院",
        "农林大学",
        "工商学院",
        "海洋大学",
        "财经学院",
        "学院",
        "城市学院",
    ];
    format!("{}{}", pick_stem(rng, c), rng.pick(KINDS))
}

/// A vocational school of a city: "某某职业技术学院" and its kin.
pub fn vocational_school(rng: &mut Rng, city: &str) -> String {
    let c = city.trim_end_matches('市');
    const KINDS: &[&str] = &[
        "职业技术学院",
        "职业学院",
        "信息职业技术学院",
        "工贸职业技术学院",
        "农工商职业技术学院",
        "轻工职业技术学院",
        "卫生职业技术学院",
        "技师学院",
        "中等专业学校",
        "理工职业学院",
    ];
    format!("{}{}", pick_stem(rng, c), rng.pick(KINDS))
}

/// The city's own name half the time, else a made-up stem.
fn pick_stem(rng: &mut Rng, city: &str) -> String {
    if rng.chance(500) {
        city.to_string()
    } else {
        place_stem(rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence_on_every_platform() {
        // Fixed values: a change here means every seed's data changed.
        let mut r = Rng::new(1);
        assert_eq!(r.next_u64(), 0x910a_2dec_8902_5cc1);
        let mut a = Rng::derive(7, "group", 3);
        let mut b = Rng::derive(7, "group", 3);
        assert_eq!(a.uuid(), b.uuid());
        assert_ne!(Rng::derive(7, "group", 4).uuid(), b.uuid());
        let id = Rng::new(5).uuid();
        assert!(uuid::Uuid::parse_str(&id).is_ok());
    }

    #[test]
    fn names_look_chinese_and_are_unique_within_a_parent() {
        let mut r = Rng::new(9);
        let name = person(&mut r);
        assert!((2..=4).contains(&name.chars().count()), "{name}");
        let mut used = Unique::default();
        let names: Vec<String> = (0..500).map(|_| used.take(&mut r, |r| town(r).0)).collect();
        let set: HashSet<&String> = names.iter().collect();
        assert_eq!(set.len(), 500);
        assert!(
            names
                .iter()
                .all(|n| n.ends_with('镇') || n.ends_with("街道"))
        );
        assert!(vocational_school(&mut r, "江华市").contains("学"));
    }
}
