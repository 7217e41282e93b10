//! 统计图表 (`/charts`): four server-drawn charts for a year, each in a `<figure>` with its
//! numbers in a table behind 查看数据表. The numbers come from `services::charts`, which asks the
//! one evaluator; nothing here counts a rule.
//!
//! Many groups: every group gets a row of its own (rows never overlap); above [`DRAWN`] groups a
//! chart draws the [`DRAWN`] furthest from their requirement and says so, the table keeps all.

use super::charts::{Bar, ChartText, Series, Threshold, bar_chart, line_chart};
use super::pages::{Chrome, render};
use crate::AppState;
use crate::domain::rules::{RuleId, Status};
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::http::params::parse_year;
use crate::services::charts::{self, Charts, GroupYear};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The most groups a chart draws (the table lists them all).
pub const DRAWN: usize = 100;

#[derive(Deserialize)]
pub struct ChartsQuery {
    year: Option<String>,
}

pub struct MonthRow {
    pub month: String,
    pub expected: u32,
    pub submitted: u32,
    pub on_time: u32,
    pub reporting: String,
    pub on_time_rate: String,
}

pub struct GroupRow {
    pub label: String,
    pub done: u32,
    pub required: u32,
    pub status: &'static str,
    pub status_label: &'static str,
    pub icon: &'static str,
}

pub struct AreaRow {
    pub name: String,
    pub projects: i64,
}

#[derive(Template)]
#[template(path = "pages/charts.html")]
struct ChartsPage {
    chrome: Chrome,
    year: i16,
    whole_programme: bool,
    groups: usize,
    drawn: usize,
    rates_svg: String,
    months: Vec<MonthRow>,
    onsite_svg: String,
    onsite: Vec<GroupRow>,
    areas_svg: String,
    areas: Vec<AreaRow>,
    meetings_svg: String,
    meetings: Vec<GroupRow>,
}

/// The groups a chart draws: all of them up to [`DRAWN`], else the furthest behind (lowest
/// share of their requirement), in number order.
fn drawn(groups: &[GroupYear], share: impl Fn(&GroupYear) -> f64) -> Vec<&GroupYear> {
    if groups.len() <= DRAWN {
        return groups.iter().collect();
    }
    let mut v: Vec<&GroupYear> = groups.iter().collect();
    v.sort_by(|a, b| share(a).total_cmp(&share(b)).then(a.number.cmp(&b.number)));
    v.truncate(DRAWN);
    v.sort_by_key(|g| g.number);
    v
}

fn share(done: u32, required: u32) -> f64 {
    if required == 0 {
        f64::INFINITY
    } else {
        f64::from(done) / f64::from(required)
    }
}

fn row(g: &GroupYear, done: u32, required: u32, rule: RuleId) -> GroupRow {
    let s = g.status(rule).unwrap_or(Status::NotApplicable);
    GroupRow {
        label: g.label(),
        done,
        required,
        status: s.as_str(),
        status_label: s.label(),
        icon: s.icon(),
    }
}

/// The four charts' SVG and tables for `c`.
fn page_of(chrome: Chrome, c: &Charts) -> ChartsPage {
    let year = c.year;
    let n = c.groups.len();
    let scope = if c.whole_programme {
        "全市"
    } else {
        "本单位参与的"
    };
    let limited = if n > DRAWN {
        format!("（共 {n} 个结对组，图中画出离要求最远的 {DRAWN} 个，完整数据见数据表）")
    } else {
        String::new()
    };

    // (a) The city's monthly rates.
    let categories: Vec<String> = c
        .months
        .iter()
        .map(|m| format!("{}月", m.month.month))
        .collect();
    let last = c.months.last();
    let rates_svg = line_chart(
        &ChartText {
            id: "chart-rates".into(),
            title: format!("{year} 年全市月度进展报告报送率与及时率"),
            desc: match last {
                Some(m) => format!(
                    "{year} 年已到期 {} 个月份；最近一个月（{}）报送率 {}，及时率 {}。",
                    c.months.len(),
                    m.month.label(),
                    m.rates.reporting_label(),
                    m.rates.on_time_label()
                ),
                None => format!("{year} 年尚无到期的月度进展报告。"),
            },
        },
        &categories,
        &[
            Series {
                name: "报送率".into(),
                values: c.months.iter().map(|m| m.rates.reporting_pct()).collect(),
                dashed: false,
                square: false,
            },
            Series {
                name: "及时率".into(),
                values: c.months.iter().map(|m| m.rates.on_time_pct()).collect(),
                dashed: true,
                square: true,
            },
        ],
        100.0,
        "%",
    );
    let months = c
        .months
        .iter()
        .map(|m| MonthRow {
            month: m.month.label(),
            expected: m.rates.expected,
            submitted: m.rates.submitted,
            on_time: m.rates.on_time,
            reporting: m.rates.reporting_label(),
            on_time_rate: m.rates.on_time_label(),
        })
        .collect();

    // (b) On-site team-days per group against the threshold.
    let min_days = c.plan.as_deref().map_or(0, |p| p.rules.onsite_min_days);
    let reached = c
        .groups
        .iter()
        .filter(|g| g.onsite.team_days >= g.onsite.required)
        .count();
    let onsite_bars: Vec<Bar> = drawn(&c.groups, |g| share(g.onsite.team_days, g.onsite.required))
        .into_iter()
        .map(|g| Bar {
            label: g.label(),
            value: f64::from(g.onsite.team_days),
            target: Some(f64::from(g.onsite.required)),
            note: format!("{} / {} 天", g.onsite.team_days, g.onsite.required),
        })
        .collect();
    let onsite_svg = bar_chart(
        &ChartText {
            id: "chart-onsite".into(),
            title: format!("{year} 年{scope}各结对组驻镇(含驻村)服务天数{limited}"),
            desc: format!(
                "共 {n} 个结对组，{reached} 个已达到本年要求的驻点天数（方案要求每年不少于 {min_days} 天，年中开始或结束的结对组按在组天数折算，图中竖线为各组的要求）。"
            ),
        },
        &onsite_bars,
        Some(&Threshold {
            value: f64::from(min_days),
            label: format!("方案要求 {min_days} 天"),
        }),
    );
    let onsite = c
        .groups
        .iter()
        .map(|g| row(g, g.onsite.team_days, g.onsite.required, RuleId::Onsite))
        .collect();

    // (c) Projects per area.
    let total: i64 = c.areas.iter().map(|a| a.2).sum();
    let top = c.areas.iter().filter(|a| a.2 > 0).max_by_key(|a| a.2);
    let areas_svg = bar_chart(
        &ChartText {
            id: "chart-areas".into(),
            title: format!("{year} 年{scope}各合作领域的项目数"),
            desc: match top {
                Some(a) => format!(
                    "{year} 年在做的合作项目共 {total} 个，最多的领域是“{}”（{} 个）。",
                    a.1, a.2
                ),
                None => format!("{year} 年尚无在做的合作项目。"),
            },
        },
        &c.areas
            .iter()
            .map(|a| Bar {
                label: format!("{}. {}", a.0, a.1),
                value: a.2 as f64,
                target: None,
                note: format!("{} 个", a.2),
            })
            .collect::<Vec<_>>(),
        None,
    );
    let areas = c
        .areas
        .iter()
        .map(|a| AreaRow {
            name: format!("{}. {}", a.0, a.1),
            projects: a.2,
        })
        .collect();

    // (d) Joint meetings held against required.
    let enough = c
        .groups
        .iter()
        .filter(|g| g.meetings_held >= g.meetings_required)
        .count();
    let meeting_bars: Vec<Bar> = drawn(&c.groups, |g| share(g.meetings_held, g.meetings_required))
        .into_iter()
        .map(|g| Bar {
            label: g.label(),
            value: f64::from(g.meetings_held),
            target: Some(f64::from(g.meetings_required)),
            note: format!("{} / {} 次", g.meetings_held, g.meetings_required),
        })
        .collect();
    let meetings_min = c.plan.as_deref().map_or(0, |p| p.rules.meetings_min);
    let meetings_svg = bar_chart(
        &ChartText {
            id: "chart-meetings".into(),
            title: format!("{year} 年{scope}各结对组召开联席会议次数{limited}"),
            desc: format!(
                "共 {n} 个结对组，{enough} 个已召开本年要求的次数（方案要求每年至少 {meetings_min} 次，图中竖线为各组的要求）。"
            ),
        },
        &meeting_bars,
        None,
    );
    let meetings = c
        .groups
        .iter()
        .map(|g| row(g, g.meetings_held, g.meetings_required, RuleId::Meetings))
        .collect();

    ChartsPage {
        chrome,
        year,
        whole_programme: c.whole_programme,
        groups: n,
        drawn: n.min(DRAWN),
        rates_svg,
        months,
        onsite_svg,
        onsite,
        areas_svg,
        areas,
        meetings_svg,
        meetings,
    }
}

/// `GET /charts?year=YYYY`.
pub async fn get_charts(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<ChartsQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let year = parse_year(q.year.as_deref(), today)?;
    let c = charts::charts(
        &state.store,
        &state.plans,
        &user,
        year,
        state.clock.now_ms(),
        today,
    )
    .await?;
    Ok(render(&page_of(Chrome::new(&user, "charts"), &c))?.into_response())
}
