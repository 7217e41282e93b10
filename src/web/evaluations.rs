//! 年度评价 (五(三)): `/evaluations/{year}` ranks the groups of a completed year with each
//! criterion's points, total and grade; HQ assigns reviewers and finalises (after a confirmation
//! page); a group's page shows its indicators, the working of each criterion and the reviews, with
//! a reviewer's score form; the report downloads as docx and xlsx.

use crate::AppState;
use crate::domain::evaluation::{Indicator, points_label};
use crate::domain::ids::GroupId;
use crate::http::AppError;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::services::ServiceError;
use crate::services::evaluation::{self, GroupEvaluation, ScoreInput, YearEvaluation, YearState};
use crate::web::forms::ErrorSummary;
use crate::web::pages::{Chrome, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

const NOTICES: &[(&str, &str)] = &[
    ("reviewer", "已保存：评审人已加入本年度评价。"),
    ("removed", "已移除：该评审人及其评分已移出本年度评价。"),
    ("score", "已保存：您的评分和评语已保存。"),
    ("unchanged", "未作修改：提交的评分和评语与原来相同。"),
    (
        "final",
        "已定稿：本年度评价结果已冻结，此后记录的变化不再影响评价结果。",
    ),
];

fn notice(key: Option<&str>) -> Option<&'static str> {
    let key = key?;
    NOTICES.iter().find(|(k, _)| *k == key).map(|(_, m)| *m)
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn year_of(s: &str) -> Result<i16, AppError> {
    s.parse::<i16>()
        .ok()
        .filter(|y| s.len() == 4 && (2000..=2100).contains(y))
        .ok_or(AppError::NotFound)
}

/// `/evaluations`: the latest completed year.
pub async fn evaluations(
    State(state): State<AppState>,
    WebUser(user): WebUser,
) -> Result<Response, AppError> {
    if !matches!(
        user.role,
        crate::domain::user::Role::Hq | crate::domain::user::Role::Bureau
    ) {
        return Err(AppError::Forbidden);
    }
    let today = state.clock.today();
    let Some((_, versions)) = state.plans.current_years(&state.store).await? else {
        return Err(AppError::NotFound);
    };
    let years = evaluation::years(versions.for_year(today.year()), today);
    Ok(Redirect::to(&format!("/evaluations/{}", years.end().max(years.start()))).into_response())
}

pub struct RankRow {
    pub rank: usize,
    pub group_id: String,
    pub number: i64,
    pub lead_town: String,
    /// Each criterion's label and points.
    pub points: Vec<(String, String)>,
    pub total: String,
    pub grade: String,
    pub unscored: String,
}

#[derive(Template)]
#[template(path = "pages/evaluation.html")]
struct YearPage {
    chrome: Chrome,
    year: i16,
    years: Vec<i16>,
    state: String,
    open: bool,
    due: String,
    full: u32,
    criteria: Vec<(String, u32, bool)>,
    grades: String,
    rows: Vec<RankRow>,
    reviewers: Vec<(String, String)>,
    candidates: Vec<(String, String)>,
    may_manage: bool,
    may_score: bool,
    saved: Option<&'static str>,
    summary: Option<ErrorSummary>,
    /// Reviewers, scores and their corrections, the finalisation.
    history: Vec<crate::services::history::HistoryEntry>,
}

async fn year_page(
    state: &AppState,
    user: &Viewer,
    year: i16,
    saved: Option<&'static str>,
    summary: Option<ErrorSummary>,
) -> Result<YearPage, AppError> {
    let today = state.clock.today();
    let y = evaluation::year(
        &state.store,
        &state.plans,
        user,
        year,
        today,
        state.clock.now_ms(),
    )
    .await?;
    let years: Vec<i16> = evaluation::years(&y.plan, today).rev().collect();
    let history = evaluation::history(&state.store, &y).await?;
    Ok(YearPage {
        chrome: Chrome::new(user, "evaluations"),
        year,
        years,
        state: match &y.state {
            YearState::Open => "评分中（未定稿）".into(),
            YearState::Final { on, by } => format!("已于 {on} 定稿（{by}）"),
        },
        open: !y.is_final(),
        due: y.due.to_string(),
        full: y.scheme.full_points(),
        criteria: y
            .scheme
            .criteria
            .iter()
            .map(|c| (c.label.clone(), c.points, c.indicator == Indicator::Review))
            .collect(),
        grades: y
            .scheme
            .grades
            .iter()
            .map(|g| format!("{} ≥ {} 分", g.name, g.min))
            .collect::<Vec<_>>()
            .join("；"),
        rows: y
            .groups
            .iter()
            .map(|g| RankRow {
                rank: g.rank,
                group_id: g.group_id.to_string(),
                number: g.number,
                lead_town: g.lead_town.clone(),
                points: g
                    .scored
                    .criteria
                    .iter()
                    .map(|c| (c.label.clone(), points_label(c.points)))
                    .collect(),
                total: points_label(g.scored.total),
                grade: g.scored.grade.clone().unwrap_or_else(|| "—".into()),
                unscored: g.scored.unscored.join("、"),
            })
            .collect(),
        reviewers: y
            .reviewers
            .iter()
            .map(|r| (r.user_id.to_string(), r.display_name.clone()))
            .collect(),
        candidates: y
            .candidates
            .iter()
            .map(|r| {
                (
                    r.user_id.to_string(),
                    format!("{}（{}）", r.display_name, r.username),
                )
            })
            .collect(),
        may_manage: y.may_manage,
        may_score: y.may_score,
        saved,
        summary,
        history,
    })
}

pub async fn year(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(year): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    let page = year_page(&state, &user, year, notice(q.saved.as_deref()), None).await?;
    Ok(render(&page)?.into_response())
}

/// A refused write shown on the page it came from, with what was wrong (422).
async fn refused_on_year(
    state: &AppState,
    user: &Viewer,
    year: i16,
    e: ServiceError,
) -> Result<Response, AppError> {
    let summary = match e {
        ServiceError::Invalid(e) => ErrorSummary::new(&e, &[("reviewer", "reviewer")]),
        ServiceError::Conflict(m) => ErrorSummary::message(m),
        e => return Err(e.into()),
    };
    let page = year_page(state, user, year, None, Some(summary)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// The year's evaluation as `user` reads it today.
async fn load(state: &AppState, user: &Viewer, year: i16) -> Result<YearEvaluation, AppError> {
    Ok(evaluation::year(
        &state.store,
        &state.plans,
        user,
        year,
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await?)
}

fn done(year: i16, key: &str) -> Response {
    Redirect::to(&format!("/evaluations/{year}?saved={key}#saved")).into_response()
}

#[derive(Deserialize, Default)]
pub struct ReviewerForm {
    #[serde(default)]
    reviewer: String,
}

pub async fn add_reviewer(
    State(state): State<AppState>,
    Path(year): Path<String>,
    f: CsrfForm<ReviewerForm>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    match evaluation::add_reviewer(
        &state.store,
        &state.plans,
        &f.user,
        year,
        &f.form.reviewer,
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await
    {
        Ok(()) => Ok(done(year, "reviewer")),
        Err(e) => refused_on_year(&state, &f.user, year, e).await,
    }
}

#[derive(Template)]
#[template(path = "pages/confirm.html")]
pub(crate) struct ConfirmPage {
    pub chrome: Chrome,
    pub title: String,
    pub facts: Vec<(&'static str, String)>,
    pub notice: String,
    pub action: String,
    pub button: &'static str,
    pub danger: bool,
    pub cancel: String,
}

pub async fn remove_reviewer_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((year, reviewer)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    let y = load(&state, &user, year).await?;
    if !y.may_manage || y.is_final() {
        return Err(AppError::Forbidden);
    }
    let r = y
        .reviewers
        .iter()
        .find(|r| r.user_id.as_str() == reviewer)
        .ok_or(AppError::NotFound)?;
    let page = ConfirmPage {
        chrome: Chrome::new(&user, "evaluations"),
        title: "移除评审人".into(),
        facts: vec![
            ("年度", format!("{year} 年")),
            ("评审人", format!("{}（{}）", r.display_name, r.username)),
        ],
        notice:
            "移除后该评审人不能再为本年度评分，其已录入的评分一并移出评价（审计日志保留记录）。"
                .into(),
        action: format!("/evaluations/{year}/reviewers/{reviewer}/remove"),
        button: "确认移除",
        danger: true,
        cancel: format!("/evaluations/{year}"),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn remove_reviewer(
    State(state): State<AppState>,
    Path((year, reviewer)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    match evaluation::remove_reviewer(
        &state.store,
        &state.plans,
        &f.user,
        year,
        &reviewer,
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await
    {
        Ok(()) => Ok(done(year, "removed")),
        Err(e) => refused_on_year(&state, &f.user, year, e).await,
    }
}

pub async fn finalise_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(year): Path<String>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    let y = load(&state, &user, year).await?;
    if !y.may_manage || y.is_final() {
        return Err(AppError::Forbidden);
    }
    let graded: Vec<String> = y
        .scheme
        .grades
        .iter()
        .map(|g| {
            let n = y
                .groups
                .iter()
                .filter(|x| x.scored.grade.as_deref() == Some(g.name.as_str()))
                .count();
            format!("{} {n} 个", g.name)
        })
        .collect();
    let page = ConfirmPage {
        chrome: Chrome::new(&user, "evaluations"),
        title: format!("{year} 年度评价定稿"),
        facts: vec![
            ("参评结对组", format!("{} 个", y.groups.len())),
            ("评审人", format!("{} 人", y.reviewers.len())),
            ("等级分布", graded.join("，")),
        ],
        notice: "定稿后各结对组的得分、等级及计分依据即被冻结：此后评分不能再修改，相关记录的变化也不再影响评价结果。定稿操作记入审计日志，不能撤销。".into(),
        action: format!("/evaluations/{year}/finalise"),
        button: "确认定稿",
        danger: false,
        cancel: format!("/evaluations/{year}"),
    };
    Ok(render(&page)?.into_response())
}

pub async fn finalise(
    State(state): State<AppState>,
    Path(year): Path<String>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    match evaluation::finalise(
        &state.store,
        &state.plans,
        &f.user,
        year,
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await
    {
        Ok(()) => Ok(done(year, "final")),
        Err(e) => refused_on_year(&state, &f.user, year, e).await,
    }
}

pub struct ScoreForm {
    pub code: String,
    pub label: String,
    pub max: String,
    pub score: String,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "pages/evaluation_group.html")]
struct GroupPage {
    chrome: Chrome,
    year: i16,
    state: String,
    g: GroupEvaluation,
    total: String,
    full: String,
    grade: String,
    /// (label, status label, badge class, reason) of each rule of the year.
    rules: Vec<(String, &'static str, &'static str, String)>,
    indicators: Vec<String>,
    criteria: Vec<(String, String, String)>,
    reviews: Vec<(String, String, String, String)>,
    forms: Vec<ScoreForm>,
    saved: Option<&'static str>,
    summary: Option<ErrorSummary>,
}

async fn group_page(
    state: &AppState,
    user: &Viewer,
    year: i16,
    group: &str,
    saved: Option<&'static str>,
    failed: Option<(ErrorSummary, String, ScoreInput)>,
) -> Result<GroupPage, AppError> {
    let y: YearEvaluation = load(state, user, year).await?;
    let id = GroupId::parse(group).ok_or(AppError::NotFound)?;
    let g = y.group(&id).ok_or(AppError::NotFound)?.clone();
    let mine = if y.may_score {
        state
            .store
            .evaluation_scores(&y.plan_id, year)
            .await?
            .into_iter()
            .filter(|s| s.group_id == id && s.reviewer_id == user.user_id)
            .collect()
    } else {
        Vec::new()
    };
    let (summary, failed_code, failed_input) = match failed {
        Some((s, code, input)) => (Some(s), code, Some(input)),
        None => (None, String::new(), None),
    };
    let forms = if y.may_score {
        y.scheme
            .reviewed()
            .map(|c| {
                let own = mine.iter().find(|s| s.criterion == c.code);
                let (score, comment) = match &failed_input {
                    Some(i) if failed_code == c.code => (i.points.clone(), i.comment.clone()),
                    _ => (
                        own.map(|s| points_label(s.points)).unwrap_or_default(),
                        own.map(|s| s.comment.clone()).unwrap_or_default(),
                    ),
                };
                ScoreForm {
                    code: c.code.clone(),
                    label: c.label.clone(),
                    max: c.points.to_string(),
                    score,
                    comment,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let rules = g
        .indicators
        .rules
        .iter()
        .map(|(rule, status, reason)| {
            let r = crate::domain::rules::RuleId::parse(rule);
            let s = crate::domain::rules::Status::parse(status);
            (
                r.map(|r| y.plan.rule_title(r))
                    .unwrap_or_else(|| rule.clone()),
                s.map_or("", |s| s.label()),
                s.map_or("", |s| s.as_str()),
                reason.clone(),
            )
        })
        .collect();
    let indicators = crate::exports::evaluation::indicator_lines(&y.plan, &g);
    Ok(GroupPage {
        chrome: Chrome::new(user, "evaluations"),
        year,
        state: match &y.state {
            YearState::Open => "评分中（未定稿）".into(),
            YearState::Final { on, .. } => format!("已于 {on} 定稿，以下为定稿时的结果"),
        },
        total: points_label(g.scored.total),
        full: points_label(g.scored.full),
        grade: g.scored.grade.clone().unwrap_or_else(|| "—".into()),
        rules,
        indicators,
        criteria: g
            .scored
            .criteria
            .iter()
            .map(|c| {
                (
                    c.label.clone(),
                    format!("{} / {}", points_label(c.points), points_label(c.max)),
                    c.working.clone(),
                )
            })
            .collect(),
        reviews: g
            .reviews
            .iter()
            .map(|r| {
                (
                    r.reviewer.clone(),
                    y.scheme
                        .criterion(&r.criterion)
                        .map_or(r.criterion.clone(), |c| c.label.clone()),
                    points_label(r.points),
                    r.comment.clone(),
                )
            })
            .collect(),
        g,
        forms,
        saved,
        summary,
    })
}

pub async fn group(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((year, group)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    let page = group_page(
        &state,
        &user,
        year,
        &group,
        notice(q.saved.as_deref()),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct ScoreFields {
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
}

pub async fn save_score(
    State(state): State<AppState>,
    Path((year, group, criterion)): Path<(String, String, String)>,
    f: CsrfForm<ScoreFields>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    let input = ScoreInput {
        points: f.form.score,
        comment: f.form.comment,
    };
    let result = evaluation::save_score(
        &state.store,
        &state.plans,
        &f.user,
        year,
        &group,
        &criterion,
        &input,
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await;
    let summary = match result {
        Ok(changed) => {
            return Ok(Redirect::to(&format!(
                "/evaluations/{year}/groups/{group}?saved={}#saved",
                if changed { "score" } else { "unchanged" }
            ))
            .into_response());
        }
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(
            &e,
            &[
                ("score", &format!("score-{criterion}")),
                ("comment", &format!("comment-{criterion}")),
            ],
        ),
        Err(ServiceError::Conflict(m)) => ErrorSummary::message(m),
        Err(e) => return Err(e.into()),
    };
    let page = group_page(
        &state,
        &f.user,
        year,
        &group,
        None,
        Some((summary, criterion, input)),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn report_docx(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(year): Path<String>,
) -> Result<Response, AppError> {
    export(&state, &user, &year, true).await
}

pub async fn report_xlsx(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(year): Path<String>,
) -> Result<Response, AppError> {
    export(&state, &user, &year, false).await
}

async fn export(
    state: &AppState,
    user: &Viewer,
    year: &str,
    docx: bool,
) -> Result<Response, AppError> {
    let year = year_of(year)?;
    let y = load(state, user, year).await?;
    let name = format!(
        "{year}年度结对情况评价{}.{}",
        if y.is_final() { "" } else { "（未定稿）" },
        if docx { "docx" } else { "xlsx" }
    );
    crate::services::reads::record_read(
        &state.store,
        user,
        state.clock.now_ms(),
        crate::services::reads::Read::Export,
        "evaluation",
        Some(&year.to_string()),
        serde_json::json!({ "file": name, "rows": y.groups.len() }),
    )
    .await?;
    let bytes = if docx {
        crate::exports::evaluation::evaluation_docx(
            &y,
            &y.plan.organisations.hq,
            state.clock.today(),
        )
        .map_err(AppError::Internal)?
    } else {
        crate::exports::evaluation::evaluation_xlsx(&y).map_err(|e| AppError::Internal(e.into()))?
    };
    let (ct, ascii) = if docx {
        (crate::web::pages::DOCX_TYPE, "evaluation.docx")
    } else {
        (crate::web::pages::XLSX_TYPE, "evaluation.xlsx")
    };
    Ok(crate::web::pages::file_response(ct, ascii, &name, bytes))
}
