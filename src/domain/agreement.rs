//! 三方合作协议 (四(二)): an agreement as entered, parsed into one the store may record; a group's
//! tripartite agreement, or the supplementary agreement (补充协议) a party added by an adjustment
//! signs (结对调整, 五(三)).

use crate::domain::group::GroupCalendar;
use crate::domain::ids::{AdjustmentId, GroupId, OrgId};
use crate::domain::org::MemberRole;
use crate::domain::{FieldError, FieldErrors, parse_date};
use jiff::civil::Date;

/// The longest note kept with an agreement, in characters.
pub const MAX_NOTES_CHARS: usize = 2000;

/// Which of a group's agreements: its tripartite agreement (`adjustment: None`, one per group),
/// or the supplementary agreement answering an adjustment that added parties (one per adjustment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementKey {
    pub group: GroupId,
    pub adjustment: Option<AdjustmentId>,
}

impl AgreementKey {
    pub fn tripartite(group: &GroupId) -> Self {
        Self {
            group: group.clone(),
            adjustment: None,
        }
    }

    pub fn supplementary(group: &GroupId, adjustment: &AdjustmentId) -> Self {
        Self {
            group: group.clone(),
            adjustment: Some(adjustment.clone()),
        }
    }

    /// The agreement as a page names it.
    pub fn label(&self) -> &'static str {
        match self.adjustment {
            None => "三方合作协议",
            Some(_) => "补充协议",
        }
    }
}

/// The adjustment a supplementary agreement answers, as its checks need it.
#[derive(Debug, Clone)]
pub struct Supplement<'a> {
    /// The day the added parties joined: the agreement cannot be signed before it.
    pub effective_on: Date,
    /// The organisations the adjustment added: each must be a party.
    pub added: &'a [OrgId],
}

/// An agreement as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct AgreementInput {
    /// `YYYY-MM-DD`, or empty while it is not signed yet.
    pub signed_on: String,
    pub notes: String,
    /// Organisation ids.
    pub parties: Vec<String>,
    /// Whether scans come with it (a scan needs a signed date).
    pub with_scans: bool,
}

/// An agreement that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgreement {
    signed_on: Option<Date>,
    notes: String,
    parties: Vec<OrgId>,
}

impl NewAgreement {
    pub fn signed_on(&self) -> Option<Date> {
        self.signed_on
    }

    pub fn notes(&self) -> &str {
        &self.notes
    }

    /// Each party once, sorted.
    pub fn parties(&self) -> &[OrgId] {
        &self.parties
    }
}

/// Checks an agreement against the group and today; all the errors at once.
pub fn parse_agreement(
    input: &AgreementInput,
    group: &GroupCalendar,
    today: Date,
) -> Result<NewAgreement, FieldErrors> {
    parse(input, group, today, None)
}

/// Checks a supplementary agreement as [`parse_agreement`] does, and against the adjustment it
/// answers: signed on or after the adjustment took effect (the parties it added were not members
/// before), its parties members of the group on that day, the added ones among them.
pub fn parse_supplementary(
    input: &AgreementInput,
    group: &GroupCalendar,
    today: Date,
    supplement: &Supplement<'_>,
) -> Result<NewAgreement, FieldErrors> {
    parse(input, group, today, Some(supplement))
}

fn parse(
    input: &AgreementInput,
    group: &GroupCalendar,
    today: Date,
    supplement: Option<&Supplement<'_>>,
) -> Result<NewAgreement, FieldErrors> {
    let mut errors = FieldErrors::default();
    let signed_on = if input.signed_on.trim().is_empty() {
        if input.with_scans {
            errors.push("签署日期", "上传扫描件时须填写签署日期");
        } else if input.notes.trim().is_empty() {
            // Nothing typed: no date, no note, no scan. The parties alone (the form offers the
            // group's members) are no record of an agreement, so an empty form stores nothing.
            errors.push(
                "签署日期",
                "未填写：协议签署后请填写签署日期并上传扫描件；尚未签署时可在备注中说明进展",
            );
        }
        None
    } else {
        errors
            .take(parse_date("签署日期", &input.signed_on))
            .and_then(|d| {
                errors.take(if d > today {
                    Err(FieldError::new(
                        "签署日期",
                        format!("{d} 晚于今天，不能登记未来的日期"),
                    ))
                } else if let Some(s) = supplement.filter(|s| d < s.effective_on) {
                    Err(FieldError::new(
                        "签署日期",
                        format!(
                            "签署日期不能早于调整生效日期 {}（{d} 时新加入的单位尚未加入本组）",
                            s.effective_on
                        ),
                    ))
                } else if d < group.started_on {
                    Err(FieldError::new(
                        "签署日期",
                        format!("{d} 早于结对开始日期 {}", group.started_on),
                    ))
                } else {
                    Ok(d)
                })
            })
    };
    if input.notes.chars().count() > MAX_NOTES_CHARS {
        errors.push("备注", format!("不能超过 {MAX_NOTES_CHARS} 个字符"));
    }
    let parties = errors.take(parse_parties(&input.parties, group).and_then(|p| {
        supplement
            .map_or(Ok(()), |s| check_supplement(&p, group, s))
            .map(|()| p)
    }));
    errors.into_result(|| NewAgreement {
        signed_on,
        notes: input.notes.clone(),
        parties: parties.unwrap_or_default(),
    })
}

fn parse_parties(input: &[String], group: &GroupCalendar) -> Result<Vec<OrgId>, FieldError> {
    let mut parties = input
        .iter()
        .map(|p| OrgId::parse(p).ok_or_else(|| FieldError::new("签约各方", "选择的单位无效")))
        .collect::<Result<Vec<_>, _>>()?;
    parties.sort();
    parties.dedup();
    // A record needs at least a school and the town or a village, all members of the group; whether
    // every party the plan names has signed (四(二) 三方合作协议) is for the evaluator to judge.
    let roles: Vec<MemberRole> = parties
        .iter()
        .map(|p| group.role_of(p))
        .collect::<Option<_>>()
        .ok_or_else(|| FieldError::new("签约各方", "只能选择本组的成员单位"))?;
    let has_school = roles
        .iter()
        .any(|r| matches!(r, MemberRole::University | MemberRole::VocationalSchool));
    let has_locality = roles
        .iter()
        .any(|r| matches!(r, MemberRole::Town | MemberRole::Village));
    if !(has_school && has_locality) {
        return Err(FieldError::new(
            "签约各方",
            "至少包括一所签约学校和签约镇(街道)或村(社区)",
        ));
    }
    Ok(parties)
}

/// A supplementary agreement's parties: members on the day the adjustment took effect (one it
/// ended is no party to it), and every organisation it added.
fn check_supplement(
    parties: &[OrgId],
    group: &GroupCalendar,
    s: &Supplement<'_>,
) -> Result<(), FieldError> {
    let member_then = |org: &OrgId| {
        group
            .members
            .iter()
            .any(|m| &m.org_id == org && m.active_on(s.effective_on))
    };
    if !parties.iter().all(member_then) {
        return Err(FieldError::new(
            "签约各方",
            format!("只能选择调整生效日 {} 时本组的成员单位", s.effective_on),
        ));
    }
    let missing: Vec<&str> = s
        .added
        .iter()
        .filter(|a| !parties.contains(a))
        .map(|a| {
            group
                .members
                .iter()
                .find(|m| &m.org_id == a)
                .map_or(a.as_str(), |m| m.name.as_str())
        })
        .collect();
    if !missing.is_empty() {
        return Err(FieldError::new(
            "签约各方",
            format!(
                "补充协议须由本次调整新加入的单位签署，缺少：{}",
                missing.join("、")
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Membership;

    fn group() -> (GroupCalendar, OrgId, OrgId) {
        let (school, town) = (OrgId::new(), OrgId::new());
        let m = |org: &OrgId, role| Membership {
            org_id: org.clone(),
            name: String::new(),
            role,
            from: Date::constant(2024, 1, 1),
            to: None,
        };
        let g = GroupCalendar {
            started_on: Date::constant(2024, 1, 1),
            ended_on: None,
            members: vec![
                m(&school, MemberRole::University),
                m(&town, MemberRole::Town),
            ],
        };
        (g, school, town)
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let (g, school, _) = group();
        let input = AgreementInput {
            signed_on: "2026-07-01".into(),
            notes: "字".repeat(MAX_NOTES_CHARS + 1),
            parties: vec![school.to_string()],
            with_scans: false,
        };
        let errs = parse_agreement(&input, &g, Date::constant(2026, 6, 15)).unwrap_err();
        let fields: Vec<_> = errs.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["签署日期", "备注", "签约各方"]);
    }

    #[test]
    fn the_signed_day_may_be_the_start_or_today_but_not_outside() {
        let (g, school, town) = group();
        let today = Date::constant(2026, 6, 15);
        let at = |d: &str| AgreementInput {
            signed_on: d.into(),
            parties: vec![town.to_string(), school.to_string(), town.to_string()],
            ..Default::default()
        };
        for ok in ["2024-01-01", "2026-06-15"] {
            let a = parse_agreement(&at(ok), &g, today).unwrap();
            assert_eq!(a.parties().len(), 2);
        }
        for bad in ["2023-12-31", "2026-06-16"] {
            assert!(parse_agreement(&at(bad), &g, today).is_err(), "{bad}");
        }
        // An empty form: no date, no note, no scan, no party; each field named.
        let empty = parse_agreement(&AgreementInput::default(), &g, today).unwrap_err();
        let fields: Vec<_> = empty.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["签署日期", "签约各方"]);
        // The parties alone are not an agreement either; a note on an unsigned one is.
        assert!(parse_agreement(&at(""), &g, today).is_err());
        let noted = AgreementInput {
            notes: "镇政府审批中".into(),
            ..at("")
        };
        assert_eq!(
            parse_agreement(&noted, &g, today).unwrap().signed_on(),
            None
        );
        let scans_unsigned = AgreementInput {
            with_scans: true,
            ..at("")
        };
        assert!(parse_agreement(&scans_unsigned, &g, today).is_err());
    }

    #[test]
    fn a_supplementary_agreement_is_signed_by_the_added_party_once_it_joined() {
        let (mut g, school, town) = group();
        let (village, gone) = (OrgId::new(), OrgId::new());
        let m = |org: &OrgId, from, to| Membership {
            org_id: org.clone(),
            name: if org == &village {
                "新民社区"
            } else {
                "旧村"
            }
            .into(),
            role: MemberRole::Village,
            from,
            to,
        };
        let effective = Date::constant(2025, 7, 1);
        g.members
            .push(m(&gone, Date::constant(2024, 1, 1), Some(effective)));
        g.members.push(m(&village, effective, None));
        let added = [village.clone()];
        let s = Supplement {
            effective_on: effective,
            added: &added,
        };
        let today = Date::constant(2026, 6, 15);
        let input = |d: &str, parties: &[&OrgId]| AgreementInput {
            signed_on: d.into(),
            parties: parties.iter().map(|p| p.to_string()).collect(),
            ..Default::default()
        };
        // The effective day itself, with the school and the added village.
        let ok = parse_supplementary(&input("2025-07-01", &[&school, &village]), &g, today, &s);
        assert_eq!(ok.unwrap().parties().len(), 2);
        // The day before: named by its field, with the effective date.
        let early = parse_supplementary(&input("2025-06-30", &[&school, &village]), &g, today, &s)
            .unwrap_err();
        assert_eq!(early.0.len(), 1);
        assert_eq!(early.0[0].field, "签署日期");
        assert!(early.0[0].message.contains("2025-07-01"), "{early:?}");
        // Without the village it joined for: the parties named, with the village's name.
        let without = parse_supplementary(&input("2025-07-10", &[&school, &town]), &g, today, &s)
            .unwrap_err();
        assert_eq!(without.0[0].field, "签约各方");
        assert!(without.0[0].message.contains("新民社区"), "{without:?}");
        // The village the adjustment ended is no party to it.
        let ended = parse_supplementary(
            &input("2025-07-10", &[&school, &village, &gone]),
            &g,
            today,
            &s,
        )
        .unwrap_err();
        assert_eq!(ended.0[0].field, "签约各方");
        // The tripartite agreement's checks still hold: not in the future.
        assert!(
            parse_supplementary(&input("2026-06-16", &[&school, &village]), &g, today, &s).is_err()
        );
    }
}
