//! 合规矩阵: the compliance matrix page (the home page of the bureau and HQ, and `/compliance`),
//! the page of one cell (the reason in words, the clause and wording, and links to the records it
//! was judged on) and its xlsx export. Everything shown comes from `services::matrix`.

use super::pages::{Chrome, query_string, render, xlsx_response};
use crate::AppState;
use crate::domain::ids::{GroupId, OrgId};
use crate::domain::monthly::Timeliness;
use crate::domain::period::Period;
use crate::domain::rules::{RuleId, Verdict};
use crate::exports::matrix::{Sheet, write_sheets};
use crate::http::AppError;
use crate::http::auth::{Viewer, WebUser};
use crate::services::access;
use crate::services::matrix::{self, ColumnCount, Matrix, MatrixQuery, RawMatrixQuery, RuleHead};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};

pub struct Head {
    pub id: &'static str,
    pub clause: String,
    pub short: &'static str,
    pub title: String,
    /// The plan's words, shown on hover and tap.
    pub wording: String,
}

fn head(h: &RuleHead) -> Head {
    Head {
        id: h.rule.as_str(),
        clause: h.clause.clone(),
        short: h.rule.short_name(),
        title: h.title.clone(),
        wording: if h.wording.is_empty() {
            h.title.clone()
        } else {
            h.wording.clone()
        },
    }
}

pub struct Cell {
    pub rule: &'static str,
    pub status: &'static str,
    pub label: &'static str,
    pub icon: &'static str,
    pub reason: String,
    pub href: String,
}

pub struct Row {
    pub id: String,
    pub number: i64,
    pub lead_town: String,
    pub universities: String,
    pub not_met: usize,
    pub cells: Vec<Cell>,
}

pub struct SchoolRow {
    pub name: String,
    pub kind: &'static str,
    pub cells: Vec<Cell>,
}

/// A column's summary: the statuses that occur, with their counts.
pub struct Summary {
    pub parts: Vec<(&'static str, &'static str, usize)>,
}

fn summary(c: &ColumnCount) -> Summary {
    Summary {
        parts: c
            .counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| (s.as_str(), s.label(), *n))
            .collect(),
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "pages/matrix.html")]
struct MatrixPage {
    chrome: Chrome,
    period: String,
    year: String,
    month: String,
    as_of: String,
    judged_on: String,
    towns: Vec<Choice>,
    universities: Vec<Choice>,
    rules: Vec<Choice>,
    sort_not_met: bool,
    per_page: String,
    heads: Vec<Head>,
    rows: Vec<Row>,
    summaries: Vec<Summary>,
    total: usize,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    school_heads: Vec<Head>,
    schools: Vec<SchoolRow>,
    school_summaries: Vec<Summary>,
    show_schools: bool,
    export: String,
    todos: Option<Todos>,
}

/// The programme's to-dos, above the matrix on the home page (what the workbench showed).
pub struct Todos {
    pub reports_waiting: Option<i64>,
    pub reports_queue: String,
    pub matters_waiting: Option<i64>,
}

fn cell(v: &Verdict, href: String) -> Cell {
    Cell {
        rule: v.rule.as_str(),
        status: v.status.as_str(),
        label: v.status.label(),
        icon: v.status.icon(),
        reason: v.reason.clone(),
        href,
    }
}

/// The query of the period and the filters (without paging), for links that keep them.
fn filters(raw: &RawMatrixQuery, q: &MatrixQuery) -> String {
    let mut head = q.period.query();
    let rest = query_string(&[
        ("town", raw.town.as_deref()),
        ("university", raw.university.as_deref()),
        ("rule", raw.rule.as_deref()),
        ("sort", raw.sort.as_deref()),
    ]);
    if !rest.is_empty() {
        head = format!("{head}&{rest}");
    }
    head
}

/// Where a school's cell leads.
fn school_href(org: &OrgId, rule: RuleId, period: &Period) -> String {
    format!(
        "/compliance/schools/{org}/{}?{}",
        rule.as_str(),
        period.query()
    )
}

async fn todos(state: &AppState, user: &Viewer) -> Result<Todos, AppError> {
    let mut t = Todos {
        reports_waiting: None,
        reports_queue: "/reports?state=submitted".into(),
        matters_waiting: None,
    };
    if access::require_matter_receiver(user).is_ok() {
        t.matters_waiting = Some(state.store.matters_waiting().await?);
    }
    if let Some((n, month)) =
        crate::services::monthly_reports::waiting_for_review(&state.store, &state.plans, user)
            .await?
    {
        t.reports_waiting = Some(n);
        if let Some(m) = month {
            t.reports_queue = format!("/reports?month={m}&state=submitted");
        }
    }
    Ok(t)
}

/// The filter form always sends its year box; a month chosen beside it says which year is meant
/// (the API, where both are the caller's choice, refuses a month outside the year instead).
fn month_wins(raw: &mut RawMatrixQuery) {
    if raw.month.as_deref().is_some_and(|m| !m.trim().is_empty()) {
        raw.year = None;
    }
}

/// The matrix page for `raw`; `home` adds the programme's to-dos above it.
pub async fn matrix_page(
    state: &AppState,
    user: &Viewer,
    mut raw: RawMatrixQuery,
    home: bool,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    month_wins(&mut raw);
    let q = MatrixQuery::parse(&raw, today).map_err(AppError::Fields)?;
    let m: Matrix = matrix::matrix(
        &state.store,
        &state.plans,
        &state.judged,
        user,
        &q,
        state.clock.now_ms(),
    )
    .await?;
    let period = m.period;
    let keep = filters(&raw, &q);
    let per_page = raw
        .per_page
        .clone()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_default();
    let page_link = |p: i64| {
        let per = if per_page.is_empty() {
            String::new()
        } else {
            format!("&per_page={per_page}")
        };
        format!("/compliance?{keep}{per}&page={p}")
    };
    let pages = match q.per_page {
        Some(n) => (m.total as i64 + n - 1) / n,
        None => 1,
    }
    .max(1);
    let choice = |value: String, label: String, current: &Option<String>| Choice {
        selected: current.as_deref().map(str::trim) == Some(value.as_str()),
        value,
        label,
    };
    let page = MatrixPage {
        chrome: Chrome::new(user, if home { "workbench" } else { "compliance" }),
        period: period.label(),
        year: period.year().to_string(),
        month: period.month().map(|m| m.to_string()).unwrap_or_default(),
        as_of: if period.as_of_asked {
            period.as_of.to_string()
        } else {
            String::new()
        },
        judged_on: period.judged_on().to_string(),
        towns: m
            .towns
            .iter()
            .map(|(id, name)| choice(id.to_string(), name.clone(), &raw.town))
            .collect(),
        universities: m
            .universities
            .iter()
            .map(|(id, name)| choice(id.to_string(), name.clone(), &raw.university))
            .collect(),
        rules: m
            .group_rules
            .iter()
            .chain(m.school_rules.iter())
            .map(|h| {
                choice(
                    h.rule.as_str().to_string(),
                    format!("{} {}", h.clause, h.rule.short_name()),
                    &raw.rule,
                )
            })
            .collect(),
        sort_not_met: q.sort == matrix::Sort::NotMet,
        per_page: per_page.clone(),
        heads: m.group_rules.iter().map(head).collect(),
        rows: m
            .rows
            .iter()
            .map(|r| Row {
                id: r.group.to_string(),
                number: r.number,
                lead_town: r.lead_town.clone(),
                universities: r.universities.join("、"),
                not_met: r.not_met,
                cells: r
                    .verdicts
                    .iter()
                    .map(|v| {
                        cell(
                            v,
                            format!(
                                "/compliance/groups/{}/{}?{}",
                                r.group,
                                v.rule.as_str(),
                                period.query()
                            ),
                        )
                    })
                    .collect(),
            })
            .collect(),
        summaries: m.columns.iter().map(summary).collect(),
        total: m.total,
        page: q.page,
        prev: (q.page > 1).then(|| page_link(q.page - 1)),
        next: (q.page < pages).then(|| page_link(q.page + 1)),
        school_heads: m.school_rules.iter().map(head).collect(),
        schools: m
            .schools
            .iter()
            .map(|s| SchoolRow {
                name: s.school.name.clone(),
                kind: s.school.kind.label(),
                cells: s
                    .verdicts
                    .iter()
                    .map(|v| cell(v, school_href(&s.school.org, v.rule, &period)))
                    .collect(),
            })
            .collect(),
        school_summaries: m.school_columns.iter().map(summary).collect(),
        show_schools: access::sees_programme(user)
            || user.role == crate::domain::user::Role::School,
        export: format!("/compliance/export.xlsx?{keep}"),
        todos: if home {
            Some(todos(state, user).await?)
        } else {
            None
        },
    };
    Ok(render(&page)?.into_response())
}

/// `GET /compliance`.
pub async fn get_matrix(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(raw): Query<RawMatrixQuery>,
) -> Result<Response, AppError> {
    matrix_page(&state, &user, raw, false).await
}

#[derive(serde::Deserialize)]
pub struct PeriodQuery {
    year: Option<String>,
    month: Option<String>,
    as_of: Option<String>,
}

fn period_of(q: &PeriodQuery, today: jiff::civil::Date) -> Result<Period, AppError> {
    Period::parse(
        q.year.as_deref(),
        q.month.as_deref(),
        q.as_of.as_deref(),
        today,
    )
    .map_err(AppError::Fields)
}

/// A record a cell was judged on.
pub struct Record {
    pub label: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "pages/matrix_cell.html")]
struct CellPage {
    chrome: Chrome,
    subject: String,
    period: String,
    judged_on: String,
    head: Head,
    cell: Cell,
    records: Vec<Record>,
    back: String,
}

fn group_records(id: &str, rule: RuleId, year: i16) -> Vec<Record> {
    let r = |label: &str, path: &str| Record {
        label: label.to_string(),
        href: format!("/groups/{id}{path}"),
    };
    let mut out = match rule {
        RuleId::Agreement => vec![r("三方合作协议", "/agreement")],
        RuleId::TeamSize | RuleId::TeamCaptain | RuleId::TeamVice | RuleId::TeamTitle => {
            vec![r("服务工作队", "/team")]
        }
        RuleId::Onsite => vec![r(
            &format!("{year} 年驻镇(含驻村)服务记录"),
            &format!("/onsite?year={year}"),
        )],
        RuleId::Base => vec![r("乡村建设实践基地", "/bases")],
        RuleId::Meetings => vec![r("联席会议", "/meetings")],
        RuleId::AnnualPlan => vec![
            r(
                &format!("{year} 年度合作计划"),
                &format!("/annual-plan/{year}"),
            ),
            r("联席会议", "/meetings"),
        ],
        RuleId::Escalation => vec![r("重大事项", "/matters")],
        _ => Vec::new(),
    };
    out.push(r("结对组主页", ""));
    out
}

/// `GET /compliance/groups/{id}/{rule}`: one group's cell.
pub async fn group_cell(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, rule)): Path<(String, String)>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let id = GroupId::parse(&id).ok_or(AppError::NotFound)?;
    let rule = RuleId::parse(&rule).ok_or(AppError::NotFound)?;
    let period = period_of(&q, state.clock.today())?;
    let c = matrix::group_cell(&state.store, &state.plans, &user, &id, rule, period).await?;
    let gid = c.group.id.to_string();
    let page = CellPage {
        chrome: Chrome::new(&user, "compliance"),
        subject: format!("第 {} 组（{}）", c.group.number, c.group.lead_town),
        period: period.label(),
        judged_on: period.judged_on().to_string(),
        head: head(&c.head),
        cell: cell(&c.verdict, String::new()),
        records: group_records(&gid, rule, period.year()),
        back: format!("/compliance?{}", period.query()),
    };
    Ok(render(&page)?.into_response())
}

/// `GET /compliance/schools/{org}/{rule}`: one school's cell.
pub async fn school_cell(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((org, rule)): Path<(String, String)>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let org = OrgId::parse(&org).ok_or(AppError::NotFound)?;
    let rule = RuleId::parse(&rule).ok_or(AppError::NotFound)?;
    let period = period_of(&q, state.clock.today())?;
    let c = matrix::school_cell(
        &state.store,
        &state.plans,
        &user,
        &org,
        rule,
        period,
        state.clock.now_ms(),
    )
    .await?;
    let mut records: Vec<Record> = Vec::new();
    if rule == RuleId::MonthlyReport {
        for (m, t) in &c.school.months {
            let shown = match period.month() {
                Some(x) => x == *m,
                None => matches!(t, Timeliness::Late | Timeliness::Missing),
            };
            if shown {
                records.push(Record {
                    label: format!("{}月度进展报告（{}）", m.label(), t.label()),
                    href: format!("/reports/{m}/{org}"),
                });
            }
        }
        records.push(Record {
            label: format!("{} 年月度报告报送率", period.year()),
            href: format!("/reports/rates?year={}", period.year()),
        });
    } else {
        for g in &c.groups {
            records.push(Record {
                label: format!("第 {} 组（{}）", g.number, g.lead_town),
                href: format!("/groups/{}", g.id),
            });
        }
    }
    let page = CellPage {
        chrome: Chrome::new(&user, "compliance"),
        subject: c.school.school.name.clone(),
        period: period.label(),
        judged_on: period.judged_on().to_string(),
        head: head(&c.head),
        cell: cell(&c.verdict, String::new()),
        records,
        back: format!("/compliance?{}", period.query()),
    };
    Ok(render(&page)?.into_response())
}

/// The matrix as three sheets: groups × rules (status words), every cell's reason, schools × rules.
pub fn matrix_sheets(m: &Matrix) -> Vec<Sheet> {
    let title = |h: &RuleHead| format!("{} {}", h.clause, h.rule.short_name());
    let mut groups_head = vec!["编号".to_string(), "牵头镇(街道)".into(), "高校".into()];
    groups_head.extend(m.group_rules.iter().map(title));
    groups_head.push("不符合项数".into());
    let groups = m
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                r.number.to_string(),
                r.lead_town.clone(),
                r.universities.join("、"),
            ];
            row.extend(r.verdicts.iter().map(|v| v.status.label().to_string()));
            row.push(r.not_met.to_string());
            row
        })
        .collect();
    let mut reasons: Vec<Vec<String>> = Vec::new();
    for r in &m.rows {
        for v in &r.verdicts {
            reasons.push(vec![
                format!("第 {} 组", r.number),
                v.rule.as_str().into(),
                m.clause_of(v.rule).into(),
                v.status.label().into(),
                v.reason.clone(),
            ]);
        }
    }
    for s in &m.schools {
        for v in &s.verdicts {
            reasons.push(vec![
                s.school.name.clone(),
                v.rule.as_str().into(),
                m.clause_of(v.rule).into(),
                v.status.label().into(),
                v.reason.clone(),
            ]);
        }
    }
    let mut schools_head = vec!["学校".to_string(), "类别".into()];
    schools_head.extend(m.school_rules.iter().map(title));
    let schools = m
        .schools
        .iter()
        .map(|s| {
            let mut row = vec![s.school.name.clone(), s.school.kind.label().to_string()];
            row.extend(s.verdicts.iter().map(|v| v.status.label().to_string()));
            row
        })
        .collect();
    let sheet = |name: &str, headers: Vec<String>, rows: Vec<Vec<String>>| Sheet {
        name: name.into(),
        headers,
        rows,
    };
    vec![
        sheet("结对组", groups_head, groups),
        sheet(
            "判定理由",
            ["结对组或学校", "规则", "条款", "结果", "理由"]
                .map(String::from)
                .to_vec(),
            reasons,
        ),
        sheet("学校", schools_head, schools),
    ]
}

/// `GET /compliance/export.xlsx`: the same query, the same access, every row (not one page).
pub async fn export_matrix(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(mut raw): Query<RawMatrixQuery>,
) -> Result<Response, AppError> {
    raw.page = None;
    raw.per_page = Some("all".into());
    month_wins(&mut raw);
    let q = MatrixQuery::parse(&raw, state.clock.today()).map_err(AppError::Fields)?;
    let m = matrix::matrix(
        &state.store,
        &state.plans,
        &state.judged,
        &user,
        &q,
        state.clock.now_ms(),
    )
    .await?;
    let name = format!(
        "合规矩阵-{}.xlsx",
        m.period.query().replace(['=', '&'], "-")
    );
    let sheets = matrix_sheets(&m);
    // Written into the audit log first, like every export of the web UI.
    crate::services::reads::record_read(
        &state.store,
        &user,
        state.clock.now_ms(),
        crate::services::reads::Read::Export,
        "compliance",
        None,
        serde_json::json!({ "file": name, "rows": m.rows.len() + m.schools.len() }),
    )
    .await?;
    let bytes = write_sheets(&sheets).map_err(|e| AppError::Internal(e.into()))?;
    Ok(xlsx_response(&name, bytes))
}
