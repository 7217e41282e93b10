//! 年度评价 (五(三)): "市“百千万工程”指挥部每年组织开展结对情况评价". For every completed year from
//! the plan's first, each group active in it is scored on the plan's criteria: indicators from the
//! year's records (the one evaluator's verdicts and on-site count, meetings, the group's schools'
//! monthly reports, projects, published cases) and HQ's reviewers' scores. HQ assigns the
//! reviewers and finalises the year; from then on the result is read from what was frozen, so
//! nothing written later moves it. The web pages, the exports and the API call these functions.

use super::ServiceError;
use super::access::Viewer;
use super::compliance;
use crate::domain::FieldErrors;
use crate::domain::evaluation::{
    Indicator, Indicators, ReviewScore, Scheme, Scored, Tenths, parse_points, points_label, score,
};
use crate::domain::evaluator::meetings_in;
use crate::domain::ids::{GroupId, OrgId, PlanId, UserId};
use crate::domain::org::MemberRole;
use crate::domain::plan::Plan;
use crate::domain::rules::{self, RuleId, Status, year_bounds};
use crate::domain::user::Role;
use crate::store::Store;
use crate::store::evaluations::{Finalised, Finalising, ReviewerRow};
use crate::store::facts::GroupSet;
use crate::store::plans::PlanCache;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// One group's year: what its records say, and the points they give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEvaluation {
    pub group_id: GroupId,
    pub number: i64,
    pub lead_town: String,
    pub indicators: Indicators,
    pub reviews: Vec<ReviewScore>,
    pub scored: Scored,
    /// 1 for the highest total (equal totals share a rank).
    #[serde(default)]
    pub rank: usize,
}

/// Whether the year is still being scored, or final.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YearState {
    Open,
    Final { on: Date, by: String },
}

/// A year's evaluation as a viewer reads it.
pub struct YearEvaluation {
    pub year: i16,
    pub plan: Arc<Plan>,
    /// The criteria, points and bands the year is scored by: the plan's while open, as they were
    /// when finalised once final (a plan version loaded later changes nothing of a final year).
    pub scheme: Scheme,
    pub plan_id: PlanId,
    pub state: YearState,
    /// By rank (highest total first), then group number.
    pub groups: Vec<GroupEvaluation>,
    pub reviewers: Vec<ReviewerRow>,
    /// HQ accounts not yet reviewers (for HQ's form).
    pub candidates: Vec<ReviewerRow>,
    /// The day the plan wants the year evaluated by.
    pub due: Date,
    /// HQ may assign reviewers and finalise.
    pub may_manage: bool,
    /// The viewer is one of the year's reviewers (and it is open).
    pub may_score: bool,
}

impl YearEvaluation {
    pub fn is_final(&self) -> bool {
        matches!(self.state, YearState::Final { .. })
    }

    pub fn group(&self, id: &GroupId) -> Option<&GroupEvaluation> {
        self.groups.iter().find(|g| &g.group_id == id)
    }
}

/// The bureau and HQ read evaluations (五(三): HQ runs them; the bureau owns the programme).
fn require_reader(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Hq, Role::Bureau])
}

/// Only HQ assigns reviewers and finalises (五(三): 指挥部组织开展).
fn require_hq(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Hq])
}

/// The years that may be evaluated on `today`: from the plan's first to the last one over.
pub fn years(plan: &Plan, today: Date) -> std::ops::RangeInclusive<i16> {
    plan.evaluation.first_year..=(today.year() - 1)
}

async fn plan_of(
    store: &Store,
    plans: &PlanCache,
    year: i16,
    today: Date,
) -> Result<(PlanId, Arc<Plan>), ServiceError> {
    let Some((id, versions)) = plans.current_years(store).await? else {
        return Err(ServiceError::NotFound);
    };
    let plan = versions.for_year(year).clone();
    let range = years(&plan, today);
    if !range.contains(&year) {
        let mut e = FieldErrors::default();
        e.push(
            "year",
            if range.is_empty() {
                format!(
                    "方案自 {} 年起评价，目前还没有结束的年度可以评价",
                    plan.evaluation.first_year
                )
            } else {
                format!("应为已经结束的年度（{}–{}）", range.start(), range.end())
            },
        );
        return Err(ServiceError::Invalid(e));
    }
    Ok((id, plan))
}

/// The year's evaluation: frozen when final, else computed from today's records and scores.
pub async fn year(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    year: i16,
    today: Date,
    now_ms: i64,
) -> Result<YearEvaluation, ServiceError> {
    require_reader(viewer)?;
    let (plan_id, plan) = plan_of(store, plans, year, today).await?;
    let (frozen, reviewers, hq) = tokio::try_join!(
        store.finalised_evaluations(&plan_id, year),
        store.evaluation_reviewers(&plan_id, year),
        store.hq_accounts(),
    )?;
    let mut scheme = plan.evaluation.clone();
    let (state, mut groups) = if let Some(first) = frozen.first() {
        let state = YearState::Final {
            on: first.finalised_on,
            by: first.finalised_by.clone(),
        };
        scheme = serde_json::from_str(&first.scheme).map_err(|e| {
            ServiceError::Store(crate::store::StoreError::Internal(anyhow::anyhow!(
                "the frozen evaluation scheme of {year} does not read: {e}"
            )))
        })?;
        let groups = frozen
            .iter()
            .map(|r| {
                serde_json::from_str::<GroupEvaluation>(&r.working).map_err(|e| {
                    ServiceError::Store(crate::store::StoreError::Internal(anyhow::anyhow!(
                        "the frozen evaluation of group {} does not read: {e}",
                        r.group_id
                    )))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        (state, groups)
    } else {
        (
            YearState::Open,
            compute(store, plans, &plan_id, &plan, year, today, now_ms).await?,
        )
    };
    rank(&mut groups);
    let open = state == YearState::Open;
    let may_score = open && reviewers.iter().any(|r| r.user_id == viewer.user_id);
    let candidates = hq
        .into_iter()
        .filter(|u| !reviewers.iter().any(|r| r.user_id == u.user_id))
        .collect();
    let due =
        year_bounds(year).1 + jiff::Span::new().days(i64::from(plan.rules.evaluation_due_days));
    Ok(YearEvaluation {
        year,
        due,
        may_manage: viewer.role == Role::Hq,
        may_score,
        scheme,
        plan,
        plan_id,
        state,
        groups,
        reviewers,
        candidates,
    })
}

/// Ranks by total (equal totals share a rank), then orders by rank and group number.
fn rank(groups: &mut [GroupEvaluation]) {
    groups.sort_by(|a, b| {
        b.scored
            .total
            .cmp(&a.scored.total)
            .then(a.number.cmp(&b.number))
    });
    let mut last: Option<(Tenths, usize)> = None;
    for (i, g) in groups.iter_mut().enumerate() {
        g.rank = match last {
            Some((t, r)) if t == g.scored.total => r,
            _ => i + 1,
        };
        last = Some((g.scored.total, g.rank));
    }
}

/// Every group active in the year (the annual rules applied to it), scored on today's records.
async fn compute(
    store: &Store,
    plans: &PlanCache,
    plan_id: &PlanId,
    plan: &Plan,
    year: i16,
    today: Date,
    now_ms: i64,
) -> Result<Vec<GroupEvaluation>, ServiceError> {
    let (first, last) = year_bounds(year);
    let (checks, (schools, _), progress, towns, scores) = tokio::try_join!(
        compliance::year_checks(store, plans, GroupSet::All, year, today),
        compliance::report_year(store, plans, year, now_ms, today, None),
        store.project_progress(year),
        store.lead_towns(),
        store.evaluation_scores(plan_id, year),
    )?;
    let rates: HashMap<OrgId, crate::domain::monthly::Rates> = schools
        .into_iter()
        .map(|s| (s.verdict.school.org.clone(), s.rates))
        .collect();
    let active: Vec<_> = checks
        .into_iter()
        .filter(|c| &c.facts.plan == plan_id)
        .filter(|c| {
            c.verdicts
                .get(RuleId::Base)
                .is_some_and(|v| matches!(v.status, Status::Met | Status::NotMet))
        })
        .collect();
    let ids: Vec<GroupId> = active.iter().map(|c| c.facts.id.clone()).collect();
    let outcomes = store.project_outcome_totals(&ids, first, last).await?;
    let mut reviews: HashMap<GroupId, Vec<ReviewScore>> = HashMap::new();
    for s in scores {
        reviews.entry(s.group_id).or_default().push(ReviewScore {
            reviewer: s.reviewer_name,
            criterion: s.criterion,
            points: s.points,
            comment: s.comment,
        });
    }
    let mut out = Vec::with_capacity(active.len());
    for c in active {
        let g = &c.facts;
        let judged: Vec<_> = c
            .verdicts
            .verdicts
            .iter()
            .filter(|v| !v.rule.advisory() && v.rule != RuleId::Evaluation)
            .collect();
        let rules_met = judged.iter().filter(|v| v.status == Status::Met).count() as u32;
        let rules_applicable = judged
            .iter()
            .filter(|v| matches!(v.status, Status::Met | Status::NotMet))
            .count() as u32;
        // The group's schools of the year, each with its year of reports (a school reports once
        // for all its groups, so its whole year counts for each).
        let mut reports = crate::domain::monthly::Rates::default();
        let mut seen = Vec::new();
        for m in &g.calendar.members {
            let school = matches!(
                m.role,
                MemberRole::University | MemberRole::VocationalSchool
            );
            let in_year = m.from <= last && m.to.is_none_or(|to| to > first);
            if school && in_year && !seen.contains(&m.org_id) {
                seen.push(m.org_id.clone());
                if let Some(r) = rates.get(&m.org_id) {
                    reports.expected += r.expected;
                    reports.submitted += r.submitted;
                    reports.on_time += r.on_time;
                }
            }
        }
        let areas = progress.get(&g.id).cloned().unwrap_or_default();
        let indicators = Indicators {
            rules_met,
            rules_applicable,
            rules: c
                .verdicts
                .verdicts
                .iter()
                .map(|v| {
                    (
                        v.rule.as_str().to_string(),
                        v.status.as_str().to_string(),
                        v.reason.clone(),
                    )
                })
                .collect(),
            onsite_days: c.verdicts.onsite.team_days,
            onsite_required: c.verdicts.onsite.required,
            meetings: meetings_in(g, &c.verdicts.period).len() as u32,
            meetings_required: rules::pro_rated(
                year,
                g.calendar.started_on,
                g.calendar.ended_on,
                c.plan.rules.meetings_min,
            ),
            reports_on_time: reports.on_time,
            reports_due: reports.expected,
            projects: areas.values().map(|(n, _)| n).sum(),
            projects_done: areas.values().map(|(_, d)| d).sum(),
            areas,
            outcomes: outcomes.get(&g.id).cloned().unwrap_or_default(),
            cases_published: g
                .published
                .iter()
                .filter(|d| (first..=last).contains(*d))
                .count() as u32,
        };
        let mine = reviews.remove(&g.id).unwrap_or_default();
        let scored = score(&plan.evaluation, &indicators, &mine);
        out.push(GroupEvaluation {
            group_id: g.id.clone(),
            number: g.number,
            lead_town: towns
                .get(&g.id)
                .map(|(_, name)| name.clone())
                .unwrap_or_default(),
            indicators,
            reviews: mine,
            scored,
            rank: 0,
        });
    }
    Ok(out)
}

/// HQ makes an HQ account a reviewer of the year.
pub async fn add_reviewer(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    year: i16,
    user: &str,
    today: Date,
    now_ms: i64,
) -> Result<(), ServiceError> {
    require_hq(viewer)?;
    let (plan_id, _) = plan_of(store, plans, year, today).await?;
    let hq = store.hq_accounts().await?;
    let Some(u) = UserId::parse(user).and_then(|id| hq.into_iter().find(|u| u.user_id == id))
    else {
        let mut e = FieldErrors::default();
        e.push("reviewer", "应为指挥部的有效账户");
        return Err(ServiceError::Invalid(e));
    };
    store
        .add_reviewer(&viewer.actor(), now_ms, &plan_id, year, &u.user_id)
        .await?;
    Ok(())
}

/// HQ removes a reviewer (and their scores) while the year is open.
pub async fn remove_reviewer(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    year: i16,
    user: &str,
    today: Date,
    now_ms: i64,
) -> Result<(), ServiceError> {
    require_hq(viewer)?;
    let (plan_id, _) = plan_of(store, plans, year, today).await?;
    let user = UserId::parse(user).ok_or(ServiceError::NotFound)?;
    store
        .remove_reviewer(&viewer.actor(), now_ms, &plan_id, year, &user)
        .await?;
    Ok(())
}

/// A reviewer's score of one review criterion for one group, as entered.
pub struct ScoreInput {
    pub points: String,
    pub comment: String,
}

/// The longest comment kept.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// A reviewer writes or corrects their score of `criterion` for `group` (an open year; the group
/// one of the year's evaluated groups; a criterion the reviewers score; 0 to its points, at most
/// one decimal place; a comment). Returns whether anything changed.
#[allow(clippy::too_many_arguments)]
pub async fn save_score(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    year: i16,
    group: &str,
    criterion: &str,
    input: &ScoreInput,
    today: Date,
    now_ms: i64,
) -> Result<bool, ServiceError> {
    require_hq(viewer)?;
    let (plan_id, plan) = plan_of(store, plans, year, today).await?;
    let group = GroupId::parse(group).ok_or(ServiceError::NotFound)?;
    let c = plan
        .evaluation
        .criterion(criterion)
        .filter(|c| c.indicator == Indicator::Review)
        .ok_or(ServiceError::NotFound)?;
    let mut e = FieldErrors::default();
    let max = c.points * 10;
    let points = match parse_points(&input.points) {
        Some(p) if p <= max => Some(p),
        _ => {
            e.push(
                "score",
                format!("应为 0–{} 之间的分数，最多一位小数", points_label(max)),
            );
            None
        }
    };
    let comment = input.comment.trim();
    if comment.is_empty() {
        e.push("comment", "请填写评语");
    } else if comment.chars().count() > MAX_COMMENT_CHARS {
        e.push("comment", format!("不能超过 {MAX_COMMENT_CHARS} 字"));
    }
    let points = e.into_result(|| points.expect("checked"))?;
    let evaluated = store
        .get_group(&crate::store::GroupScope::All, &group)
        .await?
        .is_some_and(|g| g.group.plan_id == plan_id);
    if !evaluated {
        return Err(ServiceError::NotFound);
    }
    Ok(store
        .save_score(
            &viewer.actor(),
            now_ms,
            &plan_id,
            year,
            &group,
            &viewer.user_id,
            &c.code,
            points,
            comment,
        )
        .await?)
}

/// HQ finalises the year: every group's result as computed now is frozen. Refused while a
/// reviewed criterion of some group has no score.
pub async fn finalise(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    year: i16,
    today: Date,
    now_ms: i64,
) -> Result<(), ServiceError> {
    require_hq(viewer)?;
    // Computed from the inputs as they were seen and frozen only if none of the year's changed
    // since (checked in the write's transaction); a change in between means computing again.
    let (plan_id, _) = plan_of(store, plans, year, today).await?;
    for _ in 0..FINALISE_ATTEMPTS {
        let seen = store.evaluation_inputs(&plan_id, year).await?;
        let y = self::year(store, plans, viewer, year, today, now_ms).await?;
        let (scheme, rows) = to_freeze(&y, year)?;
        let done = store
            .finalise_evaluation(
                &viewer.actor(),
                now_ms,
                &y.plan_id,
                year,
                today,
                &scheme,
                &rows,
                &seen,
            )
            .await?;
        if done == Finalising::Done {
            return Ok(());
        }
    }
    Err(ServiceError::Conflict(
        "评价所依据的评分或记录在定稿期间接连变化，请稍后再定稿".into(),
    ))
}

/// How many times finalising computes again when records change meanwhile.
const FINALISE_ATTEMPTS: usize = 3;

/// The year's scheme and every group's row to freeze: refused when it is final already, while a
/// reviewed criterion of some group has no score, or when no group worked that year.
fn to_freeze(y: &YearEvaluation, year: i16) -> Result<(String, Vec<Finalised>), ServiceError> {
    if y.is_final() {
        return Err(ServiceError::Conflict(format!("{year} 年度评价已经定稿")));
    }
    let unscored: Vec<String> = y
        .groups
        .iter()
        .filter(|g| !g.scored.unscored.is_empty())
        .map(|g| format!("第{}组（{}）", g.number, g.scored.unscored.join("、")))
        .collect();
    if !unscored.is_empty() {
        return Err(ServiceError::Conflict(format!(
            "以下结对组尚无评审评分，不能定稿：{}",
            unscored.join("；")
        )));
    }
    if y.groups.is_empty() {
        return Err(ServiceError::Conflict(format!(
            "{year} 年没有开展工作的结对组，无需评价"
        )));
    }
    let internal =
        |e: serde_json::Error| ServiceError::Store(crate::store::StoreError::Internal(e.into()));
    let rows = y
        .groups
        .iter()
        .map(|g| {
            Ok(Finalised {
                group_id: g.group_id.clone(),
                total: g.scored.total,
                grade: g.scored.grade.clone(),
                working: serde_json::to_string(g).map_err(internal)?,
            })
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let scheme = serde_json::to_string(&y.scheme).map_err(internal)?;
    Ok((scheme, rows))
}

/// The year's 修改记录, oldest first: reviewers assigned and removed, every score and its
/// corrections (each naming its group and criterion), the finalisation. For those who read the
/// year's evaluation.
pub async fn history(
    store: &Store,
    y: &YearEvaluation,
) -> Result<Vec<crate::services::history::HistoryEntry>, ServiceError> {
    let records = store
        .record_history("evaluation", &y.year.to_string())
        .await?;
    let group = |id: &str| {
        y.groups
            .iter()
            .find(|g| g.group_id.as_str() == id)
            .map(|g| format!("第 {} 组", g.number))
    };
    let name = |id: &str| -> Option<String> {
        group(id)
            .or_else(|| {
                y.reviewers
                    .iter()
                    .chain(y.candidates.iter())
                    .find(|r| r.user_id.as_str() == id)
                    .map(|r| r.display_name.clone())
            })
            .or_else(|| {
                y.scheme
                    .criteria
                    .iter()
                    .find(|c| c.code == id)
                    .map(|c| c.label.clone())
            })
    };
    Ok(records
        .iter()
        .map(|r| {
            let mut e = crate::services::history::entry(r, &name);
            // A score's correction changes its points or comment only: say whose it is.
            let at = r
                .after_json
                .as_deref()
                .or(r.before_json.as_deref())
                .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok());
            if let Some(at) = at
                && let (Some(g), Some(c)) = (at["group_id"].as_str(), at["criterion"].as_str())
            {
                let which = format!(
                    "{} · {}",
                    group(g).unwrap_or_else(|| g.to_string()),
                    name(c).unwrap_or_else(|| c.to_string())
                );
                e.changes
                    .retain(|l| !l.starts_with("结对组：") && !l.starts_with("评价项目："));
                e.changes.insert(0, which);
            }
            e
        })
        .collect())
}
