//! The compliance matrix (合规矩阵, issue 11): groups × group rules and schools × school rules for
//! a year or a month, read as of a date. Every verdict comes from `services::compliance` (the one
//! evaluator), loaded once per fact table for the viewer's set of groups; the page, its cell
//! pages, the xlsx export and `GET /api/v1/compliance` all call here.
//!
//! Who sees what: the bureau and HQ every group and every school; a school, a town or a village
//! the groups it is (or was) in, as the group list shows them, and a school its own school row
//! (a town or village no school row); the administrators nothing (三权分立).

use super::ServiceError;
use super::access::{self, Viewer};
use super::compliance::{self, GroupChecks, SchoolRules};
use super::judged::{Judged, JudgedCache, MatrixGroup, plan_of_year};
use crate::domain::FieldErrors;
use crate::domain::evaluator::{GROUP_RULES, SCHOOL_RULES};
use crate::domain::ids::{GroupId, OrgId};
use crate::domain::period::Period;
use crate::domain::plan::Plan;
use crate::domain::rules::{RuleId, Status, Verdict};
use crate::domain::user::Role;
use crate::store::facts::GroupSet;
use crate::store::plans::PlanCache;
use crate::store::{GroupFilter, GroupRow, GroupScope, Store};
use jiff::civil::Date;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The most groups read for one matrix (a province has some 2,000).
const MAX_GROUPS: i64 = 100_000;
/// Rows per page unless asked otherwise.
pub const PER_PAGE: i64 = 50;
/// The most rows a page may ask for by number (`all` asks for every row).
pub const MAX_PER_PAGE: i64 = 500;
/// The last page number a matrix answers.
pub const MAX_PAGE: i64 = 1_000_000;

/// A rule's column head: its clause and the plan's wording. The one place both are read, so they
/// can move into the plan file without touching the pages.
pub struct RuleHead {
    pub rule: RuleId,
    pub clause: String,
    pub title: String,
    /// The plan's own words for the rule (from the founding document).
    pub wording: String,
}

pub fn rule_head(plan: &Plan, rule: RuleId) -> RuleHead {
    RuleHead {
        rule,
        clause: plan.rule_clause(rule).to_string(),
        title: plan.rule_title(rule),
        wording: plan.rule_wording(rule).to_string(),
    }
}

/// How the rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// By group number.
    Number,
    /// Most rules not met first, then by number.
    NotMet,
}

/// What a matrix asks for, read and checked.
#[derive(Debug, Clone)]
pub struct MatrixQuery {
    pub period: Period,
    /// Only groups whose lead town is this one.
    pub town: Option<OrgId>,
    /// Only groups with this university among their members.
    pub university: Option<OrgId>,
    /// Only rows not met on this rule (groups for a group rule, schools for a school rule).
    pub rule: Option<RuleId>,
    pub sort: Sort,
    pub page: i64,
    /// `None`: every row on one page.
    pub per_page: Option<i64>,
}

/// The query as it arrives (every field text), from a page or the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RawMatrixQuery {
    pub year: Option<String>,
    pub month: Option<String>,
    pub as_of: Option<String>,
    pub town: Option<String>,
    pub university: Option<String>,
    pub rule: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl MatrixQuery {
    /// Reads every field, naming each wrong one under its query name.
    pub fn parse(raw: &RawMatrixQuery, today: Date) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let period = match Period::parse(
            given(&raw.year),
            given(&raw.month),
            given(&raw.as_of),
            today,
        ) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        let mut org = |field: &'static str, v: Option<&str>| {
            v.and_then(|s| {
                let id = OrgId::parse(s);
                if id.is_none() {
                    errors.push(field, format!("“{s}”不是单位编号"));
                }
                id
            })
        };
        let town = org("town", given(&raw.town));
        let university = org("university", given(&raw.university));
        let rule = given(&raw.rule).and_then(|r| {
            let rule = RuleId::parse(r);
            if rule.is_none() {
                errors.push("rule", format!("“{r}”不是方案的规则"));
            }
            rule
        });
        let sort = match given(&raw.sort) {
            None | Some("number") => Sort::Number,
            Some("not_met") => Sort::NotMet,
            Some(s) => {
                errors.push("sort", format!("“{s}”不是排序方式（number 或 not_met）"));
                Sort::Number
            }
        };
        let page = match given(&raw.page) {
            None => 1,
            Some(p) => match p.parse::<i64>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
                _ => {
                    errors.push("page", format!("应为 1–{MAX_PAGE} 之间的整数"));
                    1
                }
            },
        };
        let per_page = match given(&raw.per_page) {
            None => Some(PER_PAGE),
            Some("all") => None,
            Some(p) => match p.parse::<i64>() {
                Ok(n) if (1..=MAX_PER_PAGE).contains(&n) => Some(n),
                _ => {
                    errors.push(
                        "per_page",
                        format!("应为 1–{MAX_PER_PAGE} 之间的整数，或 all"),
                    );
                    None
                }
            },
        };
        let period = period.filter(|_| errors.is_empty());
        errors.into_result(|| MatrixQuery {
            period: period.expect("no errors"),
            town,
            university,
            rule,
            sort,
            page,
            per_page,
        })
    }
}

/// One group's row.
pub struct MatrixRow {
    pub group: GroupId,
    pub number: i64,
    pub lead_town: String,
    /// Its universities (any in the group's history, as the pairing table names them).
    pub universities: Vec<String>,
    /// One verdict per group rule, in `GROUP_RULES` order.
    pub verdicts: Vec<Verdict>,
    pub not_met: usize,
}

/// How many rows (of every row the filters keep, not only the page) stand at each status.
pub struct ColumnCount {
    pub rule: RuleId,
    pub counts: Vec<(Status, usize)>,
}

pub struct Matrix {
    pub period: Period,
    pub group_rules: Vec<RuleHead>,
    pub school_rules: Vec<RuleHead>,
    /// The page of rows.
    pub rows: Vec<MatrixRow>,
    /// Rows the filters keep (all pages).
    pub total: usize,
    pub columns: Vec<ColumnCount>,
    /// The school rows the viewer may see (filtered by a school rule when one is asked for).
    pub schools: Vec<SchoolRules>,
    pub school_columns: Vec<ColumnCount>,
    /// The lead towns and the universities of the viewer's groups, for the filters.
    pub towns: Vec<(OrgId, String)>,
    pub universities: Vec<(OrgId, String)>,
}

impl Matrix {
    /// The plan's clause of `rule` (a group or a school rule of this matrix).
    pub fn clause_of(&self, rule: RuleId) -> &str {
        self.group_rules
            .iter()
            .chain(&self.school_rules)
            .find(|h| h.rule == rule)
            .map_or(rule.clause(), |h| h.clause.as_str())
    }
}

/// Which school rows a viewer sees.
fn school_scope(viewer: &Viewer) -> Option<Option<&OrgId>> {
    if access::sees_programme(viewer) {
        Some(None)
    } else if viewer.role == Role::School {
        Some(Some(&viewer.org_id))
    } else {
        None
    }
}

async fn visible_groups(store: &Store, viewer: &Viewer) -> Result<Vec<GroupRow>, ServiceError> {
    access::require_business(viewer)?;
    let (rows, _) = store
        .list_groups(
            &access::group_scope(viewer),
            &GroupFilter {
                q: None,
                limit: MAX_GROUPS,
                offset: 0,
            },
        )
        .await?;
    Ok(rows)
}

fn counts<'a>(rule: RuleId, verdicts: impl Iterator<Item = &'a Verdict>) -> ColumnCount {
    let mut n: BTreeMap<u8, usize> = BTreeMap::new();
    for v in verdicts {
        *n.entry(v.status.severity()).or_default() += 1;
    }
    ColumnCount {
        rule,
        counts: Status::ALL
            .into_iter()
            .map(|s| (s, n.get(&s.severity()).copied().unwrap_or(0)))
            .collect(),
    }
}

/// The matrix `viewer` may see for `q`. The bureau and HQ read the programme's judgement (kept
/// while no write has moved the data version, see `services::judged`); a school, town or village
/// user reads its groups' verdicts from it when one is kept, else only its groups are judged.
pub async fn matrix(
    store: &Store,
    plans: &PlanCache,
    judged: &JudgedCache,
    viewer: &Viewer,
    q: &MatrixQuery,
    now_ms: i64,
) -> Result<Matrix, ServiceError> {
    access::require_business(viewer)?;
    let period = q.period;
    let programme = if access::sees_programme(viewer) {
        judged.programme(store, plans, &period, now_ms).await?
    } else {
        let rows = visible_groups(store, viewer).await?;
        let only = school_scope(viewer).flatten();
        Arc::new(
            judged
                .members(store, plans, &period, now_ms, &rows, only)
                .await?,
        )
    };
    Ok(shape(&programme, q))
}

/// The rows of `judged` the query keeps, counted, sorted and paged.
fn shape(judged: &Judged, q: &MatrixQuery) -> Matrix {
    let mut towns: BTreeMap<OrgId, String> = BTreeMap::new();
    let mut universities: BTreeMap<OrgId, String> = BTreeMap::new();
    // (row, verdicts, not met) of every row the filters keep.
    let mut all: Vec<(&MatrixGroup, &[Verdict], usize)> = Vec::with_capacity(judged.rows.len());
    for g in &judged.rows {
        towns.insert(g.lead_town_id.clone(), g.lead_town.clone());
        for (id, name) in &g.universities {
            universities.insert(id.clone(), name.clone());
        }
        if q.town.as_ref().is_some_and(|t| t != &g.lead_town_id) {
            continue;
        }
        if q.university
            .as_ref()
            .is_some_and(|u| !g.universities.iter().any(|(id, _)| id == u))
        {
            continue;
        }
        let Some(verdicts) = judged.verdicts.get(&g.id) else {
            continue;
        };
        if let Some(r) = q.rule.filter(|r| GROUP_RULES.contains(r))
            && !verdicts
                .iter()
                .any(|v| v.rule == r && v.status == Status::NotMet)
        {
            continue;
        }
        let not_met = verdicts
            .iter()
            .filter(|v| v.status == Status::NotMet)
            .count();
        all.push((g, verdicts, not_met));
    }
    match q.sort {
        Sort::Number => all.sort_by_key(|r| r.0.number),
        Sort::NotMet => all.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.number.cmp(&b.0.number))),
    }
    let columns = GROUP_RULES
        .iter()
        .map(|r| {
            counts(
                *r,
                all.iter()
                    .filter_map(|row| row.1.iter().find(|v| v.rule == *r)),
            )
        })
        .collect();
    let total = all.len();
    let (skip, take) = match q.per_page {
        None => (0, total),
        Some(n) => (((q.page - 1) * n) as usize, n as usize),
    };
    let rows = all
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|(g, verdicts, not_met)| {
            let mut names: Vec<String> = g.universities.iter().map(|(_, n)| n.clone()).collect();
            names.dedup();
            MatrixRow {
                group: g.id.clone(),
                number: g.number,
                lead_town: g.lead_town.clone(),
                universities: names,
                verdicts: verdicts.to_vec(),
                not_met,
            }
        })
        .collect();
    let school_rule = q.rule.filter(|r| SCHOOL_RULES.contains(r));
    let schools: Vec<SchoolRules> = judged
        .schools
        .iter()
        .filter(|s| {
            school_rule.is_none_or(|r| {
                s.verdicts
                    .iter()
                    .any(|v| v.rule == r && v.status == Status::NotMet)
            })
        })
        .cloned()
        .collect();
    let school_columns = SCHOOL_RULES
        .iter()
        .map(|r| {
            counts(
                *r,
                schools
                    .iter()
                    .filter_map(|s| s.verdicts.iter().find(|v| v.rule == *r)),
            )
        })
        .collect();
    Matrix {
        period: q.period,
        group_rules: GROUP_RULES
            .iter()
            .map(|r| rule_head(&judged.plan, *r))
            .collect(),
        school_rules: SCHOOL_RULES
            .iter()
            .map(|r| rule_head(&judged.plan, *r))
            .collect(),
        rows,
        total,
        columns,
        schools,
        school_columns,
        towns: towns.into_iter().collect(),
        universities: universities.into_iter().collect(),
    }
}

/// One cell of a group's row: the verdict with the facts it was judged on.
pub struct GroupCell {
    pub period: Period,
    pub group: GroupRow,
    pub head: RuleHead,
    pub verdict: Verdict,
    pub checks: GroupChecks,
}

/// The cell of group `id` on `rule` in `period`, if the viewer may see the group.
pub async fn group_cell(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    id: &GroupId,
    rule: RuleId,
    period: Period,
) -> Result<GroupCell, ServiceError> {
    access::require_business(viewer)?;
    if !GROUP_RULES.contains(&rule) {
        return Err(ServiceError::NotFound);
    }
    let view = store
        .get_group(&access::group_scope(viewer), id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let plan = plan_of_year(store, plans, period.year()).await?;
    let ids = [id.clone()];
    let checks = compliance::checks_as_of(
        store,
        plans,
        GroupSet::Ids(&ids),
        period.year(),
        period.judged_on(),
    )
    .await?
    .into_iter()
    .next()
    .ok_or(ServiceError::NotFound)?;
    let verdict = checks
        .verdicts
        .get(rule)
        .cloned()
        .ok_or(ServiceError::NotFound)?;
    Ok(GroupCell {
        period,
        group: view.group,
        head: rule_head(&plan, rule),
        verdict,
        checks,
    })
}

/// One cell of a school's row, with the groups it is (or was) in.
pub struct SchoolCell {
    pub period: Period,
    pub head: RuleHead,
    pub verdict: Verdict,
    pub school: SchoolRules,
    pub groups: Vec<GroupRow>,
}

/// The cell of school `org` on a school rule in `period`: the bureau and HQ any school's, a
/// school its own; anyone else is refused, and another school's reads as not found.
pub async fn school_cell(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    org: &OrgId,
    rule: RuleId,
    period: Period,
    now_ms: i64,
) -> Result<SchoolCell, ServiceError> {
    access::require_business(viewer)?;
    match school_scope(viewer) {
        None => return Err(ServiceError::Forbidden),
        Some(Some(own)) if own != org => return Err(ServiceError::NotFound),
        _ => {}
    }
    let index = SCHOOL_RULES
        .iter()
        .position(|r| *r == rule)
        .ok_or(ServiceError::NotFound)?;
    let plan = plan_of_year(store, plans, period.year()).await?;
    let school = compliance::school_rule_checks(store, plans, &period, now_ms, Some(org))
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    let (groups, _) = store
        .list_groups(
            &GroupScope::Member(org.clone()),
            &GroupFilter {
                q: None,
                limit: MAX_GROUPS,
                offset: 0,
            },
        )
        .await?;
    Ok(SchoolCell {
        period,
        head: rule_head(&plan, rule),
        verdict: school.verdicts[index].clone(),
        school,
        groups,
    })
}
