//! The pairing table (签约结对关系安排表, the annex of 东教通〔2023〕15号) parsed from sheet rows.
//! Columns as in `presets/dongguan-2023/pairings.csv`:
//! `group_no, lead_town, town_kind, villages, university, vocational_schools`.
//! Villages are written `name(town)`; `;` separates several names in one cell.

use std::collections::HashSet;

use crate::domain::sheet::{RowError, locate_columns};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageRef {
    pub name: String,
    pub town: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingRow {
    /// The sheet row this came from, for errors found later (unknown school, …).
    pub row: usize,
    /// Whether every cell of the row was read without a problem.
    pub valid: bool,
    pub number: i64,
    pub lead_town: String,
    pub town_kind: String,
    pub villages: Vec<VillageRef>,
    pub university: String,
    pub vocational_schools: Vec<String>,
}

/// Column codes with the Chinese headings also accepted.
pub const COLUMNS: [(&str, &str); 6] = [
    ("group_no", "序号"),
    ("lead_town", "镇(街道)"),
    ("town_kind", "镇街类型"),
    ("villages", "村(社区)"),
    ("university", "在莞高校"),
    ("vocational_schools", "中职学校"),
];

const TOWN_KINDS: [&str; 3] = ["镇", "街道", "园区"];

fn split_list(cell: &str) -> Vec<String> {
    cell.split([';', '；'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Parses `雁田村(凤岗镇)`, also with full-width brackets.
fn parse_village(item: &str) -> Option<VillageRef> {
    let place = crate::domain::org::PlaceName::parse(item);
    Some(VillageRef {
        town: place.town?,
        name: place.name,
    })
}

/// Parses every row and reports every problem found, not just the first.
pub fn parse_pairing_rows(rows: &[Vec<String>]) -> Result<Vec<PairingRow>, Vec<RowError>> {
    let (out, errors) = read_pairing_rows(rows);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Every row as far as it could be read (a row with a bad cell too, with what the cell held
/// left empty or as written, so the store can still look up its other cells), and every
/// problem found in them: an import reports them together.
pub fn read_pairing_rows(rows: &[Vec<String>]) -> (Vec<PairingRow>, Vec<RowError>) {
    let columns = match locate_columns(rows, &COLUMNS) {
        Ok(c) => c,
        Err(errors) => return (Vec::new(), errors),
    };
    let mut errors = Vec::new();
    let cell = |row: &Vec<String>, i: usize| columns.cell(row, i);

    let mut out = Vec::new();
    let mut seen_numbers = HashSet::new();
    for (offset, row) in rows.iter().enumerate().skip(columns.first_data_row) {
        let line = offset + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let before = errors.len();

        let number_text = cell(row, 0);
        let number = match number_text.parse::<i64>() {
            Ok(n) if n >= 1 => {
                if !seen_numbers.insert(n) {
                    errors.push(RowError::new(
                        line,
                        "序号",
                        format!("结对组编号 {n} 在表中重复"),
                    ));
                }
                n
            }
            _ => {
                let shown = if number_text.is_empty() {
                    "空".to_string()
                } else {
                    format!("“{number_text}”")
                };
                errors.push(RowError::new(
                    line,
                    "序号",
                    format!("应为正整数，实际为{shown}"),
                ));
                0
            }
        };

        let mut town_kind = cell(row, 2);
        let mut lead_town = cell(row, 1);
        if lead_town.is_empty() {
            errors.push(RowError::new(line, "镇(街道)", "不能为空"));
        } else {
            if town_kind.is_empty() {
                town_kind = crate::domain::region::town_kind_of(&lead_town)
                    .unwrap_or("")
                    .to_string();
            }
            if !TOWN_KINDS.contains(&town_kind.as_str()) {
                errors.push(RowError::new(
                    line,
                    "镇街类型",
                    format!("应为 镇、街道 或 园区，实际为“{town_kind}”"),
                ));
            } else if !lead_town.ends_with(&town_kind) {
                // The founding table writes "凤岗" for 凤岗镇: complete the name from its kind.
                lead_town.push_str(&town_kind);
            }
        }

        let mut villages = Vec::new();
        let village_cell = cell(row, 3);
        if village_cell.is_empty() {
            errors.push(RowError::new(
                line,
                "村(社区)",
                "每个结对组至少需要 1 个村(社区)",
            ));
        }
        for item in split_list(&village_cell) {
            match parse_village(&item) {
                Some(mut v) => {
                    if crate::domain::region::town_kind_of(&v.town).is_none() {
                        if !lead_town.is_empty() && format!("{}{}", v.town, town_kind) == lead_town
                        {
                            v.town = lead_town.clone();
                        } else {
                            errors.push(RowError::new(
                                line,
                                "村(社区)",
                                format!(
                                    "“{item}”的所属镇街“{}”应写全称，如 凤岗镇、南城街道",
                                    v.town
                                ),
                            ));
                            continue;
                        }
                    }
                    if villages
                        .iter()
                        .any(|x: &VillageRef| x.name == v.name && x.town == v.town)
                    {
                        errors.push(RowError::new(line, "村(社区)", format!("“{item}”重复")));
                    }
                    villages.push(v);
                }
                None => errors.push(RowError::new(
                    line,
                    "村(社区)",
                    format!("“{item}”缺少所属镇街，应写作 村名(镇街)，如 雁田村(凤岗镇)"),
                )),
            }
        }

        let university = cell(row, 4);
        let universities = split_list(&university);
        if universities.is_empty() {
            errors.push(RowError::new(line, "在莞高校", "不能为空"));
        } else if universities.len() > 1 {
            errors.push(RowError::new(
                line,
                "在莞高校",
                "每个结对组只能有 1 所牵头高校",
            ));
        }
        let vocational_schools = split_list(&cell(row, 5));
        let mut schools: Vec<&String> = universities
            .iter()
            .chain(vocational_schools.iter())
            .collect();
        schools.sort();
        if schools.windows(2).any(|w| w[0] == w[1]) {
            errors.push(RowError::new(line, "中职学校", "同一学校在本行出现了两次"));
        }

        out.push(PairingRow {
            row: line,
            valid: errors.len() == before,
            number,
            lead_town,
            town_kind,
            villages,
            university: universities.into_iter().next().unwrap_or_default(),
            vocational_schools,
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(RowError::new(2, "序号", "表中没有任何结对组"));
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(lines: &[&str]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    }

    const HEADER: &str = "group_no,lead_town,town_kind,villages,university,vocational_schools";

    #[test]
    fn the_dongguan_table_parses_whole() {
        let mut rdr =
            csv::Reader::from_reader(crate::domain::plan::DONGGUAN_2023_PAIRINGS.as_bytes());
        let mut rows = vec![
            rdr.headers()
                .unwrap()
                .iter()
                .map(str::to_string)
                .collect::<Vec<_>>(),
        ];
        for r in rdr.records() {
            rows.push(r.unwrap().iter().map(str::to_string).collect());
        }
        let groups = parse_pairing_rows(&rows).unwrap();
        assert_eq!(groups.len(), 8);
        assert_eq!(groups.iter().map(|g| g.villages.len()).sum::<usize>(), 15);
        assert_eq!(
            groups[1].villages[2],
            VillageRef {
                name: "潢涌村".into(),
                town: "中堂镇".into()
            }
        );
        assert_eq!(
            groups[6].villages[1],
            VillageRef {
                name: "石鼓".into(),
                town: "南城街道".into()
            }
        );
        assert_eq!(
            groups[0].vocational_schools,
            vec!["东莞市经济贸易学校", "东莞市电子商贸学校"]
        );
    }

    #[test]
    fn short_town_names_are_completed_from_their_kind() {
        let rows = sheet(&[HEADER, "1,凤岗,镇,雁田村(凤岗),广东酒店管理职业技术学院,"]);
        let g = &parse_pairing_rows(&rows).unwrap()[0];
        assert_eq!(g.lead_town, "凤岗镇");
        assert_eq!(g.villages[0].town, "凤岗镇");
    }

    #[test]
    fn each_problem_names_row_and_column() {
        let rows = sheet(&[
            HEADER,
            "1,凤岗镇,镇,雁田村(凤岗镇),A大学,",
            "1,东坑镇,镇,江边村(企石镇),B大学,",
            "x,,镇,江边村,,",
            "3,寮步镇,市,横坑社区（寮步镇）,C大学,C大学",
        ]);
        let errs = parse_pairing_rows(&rows).unwrap_err();
        let has = |row: usize, col: &str| errs.iter().any(|e| e.row == row && e.column == col);
        assert!(has(3, "序号"), "duplicate number: {errs:?}");
        assert!(has(4, "序号") && has(4, "镇(街道)") && has(4, "村(社区)") && has(4, "在莞高校"));
        assert!(has(5, "镇街类型") && has(5, "中职学校"));
        assert!(!errs.iter().any(|e| e.row == 2));
        assert!(
            errs.iter()
                .find(|e| e.row == 4 && e.column == "村(社区)")
                .unwrap()
                .message
                .contains("缺少所属镇街")
        );
    }

    #[test]
    fn missing_columns_and_empty_files() {
        let errs = parse_pairing_rows(&sheet(&["group_no,lead_town"])).unwrap_err();
        assert!(errs.iter().any(|e| e.row == 1 && e.column == "在莞高校"));
        assert!(parse_pairing_rows(&[]).is_err());
        assert!(parse_pairing_rows(&sheet(&[HEADER])).is_err());
    }

    #[test]
    fn chinese_headings_are_accepted() {
        let rows = sheet(&[
            "序号,镇(街道),镇街类型,村(社区),在莞高校,中职学校",
            "1,凤岗镇,,雁田村(凤岗镇),A大学,B学校",
        ]);
        let g = &parse_pairing_rows(&rows).unwrap()[0];
        assert_eq!(g.town_kind, "镇");
    }
}
