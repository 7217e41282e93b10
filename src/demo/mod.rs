//! `xiaodi demo generate`: realistic, reproducible synthetic data at three scales — the
//! Dongguan preset's own eight groups (`dongguan`), about one city's share of the province
//! (`city`, 100 groups) or the whole province of SPEC §7 (`province`: 21 cities, 122 counties,
//! 1,600 towns, 26,000 villages, 560 schools, 2,000 groups, 20,000 team members) — with five
//! years (2024–2028) of every record the rules and pages read.
//!
//! **Reproducible.** Every id and every timestamp follows from the seed (a SplitMix64 stream
//! per part of the data, see [`names::Rng`]); nothing reads the clock or draws a v4 UUID. The
//! preset itself is loaded by start-up as for `serve`, with its own ids, so two databases
//! generated with one seed hold the same generated records attached to equal (not identical-id)
//! preset organisations and groups.
//!
//! **Valid.** Each record is built as the form (or the sheet import) would type it and passed
//! through the same domain check the services call — [`parse_team_member`], [`parse_agreement`],
//! [`check_onsite_entry`], [`parse_base`], [`parse_meeting`], [`parse_header`] and
//! [`parse_item`], [`parse_project`] and [`parse_update`], [`parse_expense`], [`parse_matter`],
//! [`parse_report`] — and only the checked value is written; a refusal stops the run with the
//! record and the reasons. The one check that cannot apply as at a form is "not after today":
//! the data run to 2028. Each record is judged with the clock at the end of its own period
//! instead (a record of a year on 31 December of that year, a report's submission at its own
//! time), as if it had been entered then — so every other check (dates within the group's
//! span, places and parties members on the day, 92-day entries, shares adding up to 100%,
//! texts within their lengths) holds as it would have. What the store checks inside its own
//! writes (a member on the team on an entry's days, one entry per same service) the generator
//! keeps by construction: members are drawn from those on the team, entries deduplicated.
//!
//! **Fast.** Rows are gathered per table for a batch of groups and written with multi-row
//! inserts ([`bulk`]), all in one transaction, then `analyze`d.
//!
//! **Mixed as life is.** Most groups meet every rule; some sign late or not with every party,
//! field a team too small, a member below the title, too few on-site days, too few meetings,
//! no annual plan or base, or report a matter late; most monthly reports come on time, some
//! late, some never.
//!
//! [`parse_team_member`]: crate::domain::team::parse_team_member
//! [`parse_agreement`]: crate::domain::agreement::parse_agreement
//! [`check_onsite_entry`]: crate::domain::onsite::check_onsite_entry
//! [`parse_base`]: crate::domain::base::parse_base
//! [`parse_meeting`]: crate::domain::meeting::parse_meeting
//! [`parse_header`]: crate::domain::annual_plan::parse_header
//! [`parse_item`]: crate::domain::annual_plan::parse_item
//! [`parse_project`]: crate::domain::project::parse_project
//! [`parse_update`]: crate::domain::project::parse_update
//! [`parse_expense`]: crate::domain::expense::parse_expense
//! [`parse_matter`]: crate::domain::matter::parse_matter
//! [`parse_report`]: crate::domain::monthly_report::parse_report

pub mod bulk;
pub mod names;
mod places;
mod records;
mod reports;

use crate::domain::group::{GroupCalendar, Membership};
use crate::domain::ids::{GroupId, OrgId};
use crate::domain::monthly::start_of_day_ms;
use crate::domain::org::MemberRole;
use crate::domain::plan::Plan;
use crate::store::Store;
use crate::store::plans::PlanCache;
use anyhow::Context;
use bulk::Table;
use jiff::civil::Date;
use places::Size;
use sqlx::Row;
use std::time::{Duration, Instant};

/// The first and last year of generated records.
pub const FIRST_YEAR: i16 = 2024;
pub const LAST_YEAR: i16 = 2028;

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The preset's 8 groups (8 universities, 10 vocational schools, 8 towns, 15 villages).
    Dongguan,
    /// About one city's share of the province: 100 groups.
    City,
    /// SPEC §7's province: 2,000 groups.
    Province,
}

impl Scale {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dongguan" => Some(Scale::Dongguan),
            "city" => Some(Scale::City),
            "province" => Some(Scale::Province),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Dongguan => "dongguan",
            Scale::City => "city",
            Scale::Province => "province",
        }
    }

    /// What the scale adds beside the preset's 8 groups, 18 schools, 8 towns and 15 villages.
    fn size(self) -> Option<Size> {
        match self {
            Scale::Dongguan => None,
            Scale::City => Some(Size {
                cities: 1,
                counties: 6,
                towns: 76,
                villages: 1_240,
                universities: 8,
                medical: 1,
                vocational: 19,
                groups: 92,
            }),
            // With the preset's Dongguan: 21 cities, 1,600 towns, 26,000 villages, 160
            // universities, 400 vocational schools, 2,000 groups.
            Scale::Province => Some(Size {
                cities: 20,
                counties: 122,
                towns: 1_592,
                villages: 25_985,
                universities: 152,
                medical: 12,
                vocational: 390,
                groups: 1_992,
            }),
        }
    }
}

/// What a run is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub scale: Scale,
    pub seed: u64,
    /// Years of records from [`FIRST_YEAR`] (5 for 2024–2028).
    pub years: i16,
}

/// How far a run has come, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub stage: &'static str,
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    pub groups: Vec<GroupId>,
    pub schools: Vec<OrgId>,
    /// Rows written per table, in the order first written.
    pub rows: Vec<(&'static str, usize)>,
    /// Building and checking the rows in memory, writing them, and `analyze` after.
    pub built: Duration,
    pub written: Duration,
    pub analysed: Duration,
}

impl Generated {
    pub fn rows_of(&self, table: &str) -> usize {
        self.rows
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    }

    pub fn total_rows(&self) -> usize {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// One group to fill: its id and number, and its members over time.
pub(crate) struct GroupPlan {
    pub id: GroupId,
    pub number: i64,
    pub calendar: GroupCalendar,
}

impl GroupPlan {
    fn of_role(&self, role: MemberRole) -> Vec<&OrgId> {
        self.calendar
            .members
            .iter()
            .filter(|m| m.role == role)
            .map(|m| &m.org_id)
            .collect()
    }
}

/// Unix ms of noon on `d` (Asia/Shanghai) plus `minutes`: when a record of that day was entered.
pub(crate) fn created_ms(d: Date, minutes: i64) -> i64 {
    start_of_day_ms(d) + 12 * 3_600_000 + minutes * 60_000
}

/// The tables written, in the order their foreign keys need.
pub(crate) struct Tables {
    pub regions: Table,
    pub orgs: Table,
    pub groups: Table,
    pub memberships: Table,
    pub team: Table,
    pub agreements: Table,
    pub parties: Table,
    pub onsite: Table,
    pub onsite_members: Table,
    pub bases: Table,
    pub meetings: Table,
    pub attendees: Table,
    pub annual_plans: Table,
    pub projects: Table,
    pub plan_items: Table,
    pub updates: Table,
    pub outcomes: Table,
    pub expenses: Table,
    pub shares: Table,
    pub matters: Table,
    pub reports: Table,
    pub report_versions: Table,
}

impl Tables {
    fn new() -> Self {
        let t = Table::new;
        Self {
            regions: t(
                "regions",
                &["id", "parent_id", "level", "name", "kind_label"],
            ),
            orgs: t(
                "organisations",
                &[
                    "id",
                    "kind",
                    "name",
                    "region_id",
                    "medical_focus",
                    "created_at",
                ],
            ),
            groups: t(
                "pairing_groups",
                &[
                    "id",
                    "plan_id",
                    "number",
                    "lead_town_id",
                    "started_on",
                    "ended_on",
                    "created_at",
                ],
            ),
            memberships: t(
                "group_memberships",
                &[
                    "id",
                    "group_id",
                    "org_id",
                    "role",
                    "effective_from",
                    "effective_to",
                    "position",
                    "created_at",
                ],
            ),
            team: t(
                "team_members",
                &[
                    "id",
                    "group_id",
                    "person_name",
                    "org_id",
                    "role",
                    "title",
                    "school_leader",
                    "phone",
                    "joined_on",
                    "left_on",
                    "created_at",
                ],
            ),
            agreements: t(
                "agreements",
                &[
                    "id",
                    "group_id",
                    "signed_on",
                    "notes",
                    "created_at",
                    "updated_at",
                ],
            ),
            parties: t("agreement_parties", &["agreement_id", "org_id"]),
            onsite: t(
                "onsite_entries",
                &[
                    "id",
                    "group_id",
                    "date_from",
                    "date_to",
                    "place_org_id",
                    "content",
                    "created_by",
                    "created_at",
                    "dedup_key",
                    "member_ids",
                    "students",
                ],
            ),
            onsite_members: t("onsite_entry_members", &["entry_id", "member_id"]),
            bases: t(
                "practice_bases",
                &[
                    "id",
                    "group_id",
                    "name",
                    "place_org_id",
                    "functions",
                    "opened_on",
                    "description",
                    "created_at",
                ],
            ),
            meetings: t(
                "meetings",
                &[
                    "id",
                    "group_id",
                    "held_on",
                    "place",
                    "people",
                    "agenda",
                    "minutes",
                    "adopts_annual_plan",
                    "created_by",
                    "created_at",
                ],
            ),
            attendees: t("meeting_attendees", &["meeting_id", "org_id"]),
            annual_plans: t(
                "annual_plans",
                &[
                    "id",
                    "group_id",
                    "year",
                    "title",
                    "notes",
                    "created_by",
                    "created_at",
                ],
            ),
            projects: t(
                "projects",
                &[
                    "id",
                    "group_id",
                    "area",
                    "title",
                    "lead_org_id",
                    "partners",
                    "starts_on",
                    "ends_on",
                    "status",
                    "description",
                    "purchased",
                    "buyer_org_id",
                    "contract_fen",
                    "created_by",
                    "created_at",
                ],
            ),
            plan_items: t(
                "annual_plan_items",
                &[
                    "id",
                    "plan_id",
                    "group_id",
                    "area",
                    "text",
                    "target_code",
                    "target_amount",
                    "project_id",
                    "year_end_status",
                    "year_end_note",
                    "created_at",
                ],
            ),
            updates: t(
                "project_updates",
                &[
                    "id",
                    "project_id",
                    "group_id",
                    "happened_on",
                    "summary",
                    "students",
                    "created_by",
                    "created_at",
                ],
            ),
            outcomes: t("project_outcomes", &["update_id", "field", "amount"]),
            expenses: t(
                "expenses",
                &[
                    "id",
                    "group_id",
                    "spent_on",
                    "amount_fen",
                    "payer_org_id",
                    "kind",
                    "in_kind",
                    "initiator_org_id",
                    "notes",
                    "created_by",
                    "created_at",
                    "project_id",
                ],
            ),
            shares: t(
                "expense_shares",
                &["expense_id", "org_id", "basis_points", "amount_fen"],
            ),
            matters: t(
                "major_matters",
                &[
                    "id",
                    "group_id",
                    "summary",
                    "details",
                    "urgency",
                    "raised_on",
                    "reported_at",
                    "reported_on",
                    "raised_by",
                    "raised_by_org_id",
                ],
            ),
            reports: t(
                "monthly_reports",
                &[
                    "id",
                    "plan_id",
                    "school_id",
                    "month",
                    "state",
                    "version",
                    "narrative",
                    "problems",
                    "next_plan",
                    "first_submitted_at",
                    "last_submitted_at",
                    "reviewed_at",
                    "reviewed_by",
                    "review_comment",
                    "created_at",
                    "updated_at",
                ],
            ),
            report_versions: t(
                "monthly_report_versions",
                &[
                    "id",
                    "report_id",
                    "version",
                    "content",
                    "submitted_at",
                    "submitted_by",
                    "review",
                    "review_comment",
                    "reviewed_at",
                    "reviewed_by",
                ],
            ),
        }
    }

    fn all(&mut self) -> [&mut Table; 22] {
        [
            &mut self.regions,
            &mut self.orgs,
            &mut self.groups,
            &mut self.memberships,
            &mut self.team,
            &mut self.agreements,
            &mut self.parties,
            &mut self.onsite,
            &mut self.onsite_members,
            &mut self.bases,
            &mut self.meetings,
            &mut self.attendees,
            &mut self.annual_plans,
            &mut self.projects,
            &mut self.plan_items,
            &mut self.updates,
            &mut self.outcomes,
            &mut self.expenses,
            &mut self.shares,
            &mut self.matters,
            &mut self.reports,
            &mut self.report_versions,
        ]
    }

    /// Writes every gathered row, adding to `rows` per table.
    async fn flush(
        &mut self,
        tx: &mut sqlx::AnyConnection,
        backend: crate::store::Backend,
        rows: &mut Vec<(&'static str, usize)>,
    ) -> anyhow::Result<()> {
        for table in self.all() {
            if table.rows() == 0 {
                continue;
            }
            let name = table.name();
            let n = table
                .write(tx, backend)
                .await
                .with_context(|| format!("写入 {name} 失败"))?;
            match rows.iter_mut().find(|(t, _)| *t == name) {
                Some((_, total)) => *total += n,
                None => rows.push((name, n)),
            }
        }
        Ok(())
    }
}

/// The record tables that must be empty: generating is for a fresh database only, so the
/// generated data never mix with real records (or with an earlier run's).
const RECORD_TABLES: &[&str] = &[
    "team_members",
    "agreements",
    "onsite_entries",
    "practice_bases",
    "meetings",
    "annual_plans",
    "projects",
    "expenses",
    "major_matters",
    "monthly_reports",
    "cases",
    "adjustments",
];

/// Refuses a database that holds records beyond the preset.
async fn require_fresh(store: &Store) -> anyhow::Result<()> {
    for table in RECORD_TABLES {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from {table}"
        )))
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
        anyhow::ensure!(
            n == 0,
            "数据库中已有业务记录（{table} 有 {n} 行）：演示数据只能生成到刚初始化的数据库中（仅含预置方案）。请换一个空的数据目录或数据库。"
        );
    }
    let groups: i64 = sqlx::query("select count(*) as n from pairing_groups")
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
    // The sheet's rows with a group number (its header has none).
    let preset = crate::imports::read_sheet(crate::domain::plan::DONGGUAN_2023_PAIRINGS.as_bytes())
        .map_err(anyhow::Error::msg)?
        .iter()
        .filter(|r| r.first().is_some_and(|c| c.trim().parse::<i64>().is_ok()))
        .count() as i64;
    anyhow::ensure!(
        groups == preset,
        "数据库中有 {groups} 个结对组，而预置方案只有 {preset} 个：演示数据只能生成到刚初始化的数据库中。"
    );
    Ok(())
}

/// The preset's groups with their members, as the generator fills them.
async fn preset_groups(store: &Store) -> anyhow::Result<Vec<GroupPlan>> {
    let rows = sqlx::query(
        "select g.id, g.number, g.started_on, g.ended_on, m.org_id, m.role, m.effective_from, m.effective_to, o.name
         from pairing_groups g join group_memberships m on m.group_id = g.id
         join organisations o on o.id = m.org_id
         order by g.number, m.position, m.effective_from",
    )
    .fetch_all(store.pool())
    .await?;
    let date = |s: String| -> anyhow::Result<Date> { Ok(s.parse()?) };
    let mut groups: Vec<GroupPlan> = Vec::new();
    for r in rows {
        let id: String = r.try_get("id")?;
        if groups.last().is_none_or(|g| g.id.as_str() != id) {
            let ended: Option<String> = r.try_get("ended_on")?;
            groups.push(GroupPlan {
                id: GroupId::from_db(id),
                number: r.try_get("number")?,
                calendar: GroupCalendar {
                    started_on: date(r.try_get("started_on")?)?,
                    ended_on: ended.map(date).transpose()?,
                    members: Vec::new(),
                },
            });
        }
        let role: String = r.try_get("role")?;
        let to: Option<String> = r.try_get("effective_to")?;
        let g = groups.last_mut().expect("pushed above");
        g.calendar.members.push(Membership {
            org_id: OrgId::from_db(r.try_get("org_id")?),
            name: r.try_get("name")?,
            role: MemberRole::parse(&role)
                .with_context(|| format!("unknown membership role {role}"))?,
            from: date(r.try_get("effective_from")?)?,
            to: to.map(date).transpose()?,
        });
    }
    Ok(groups)
}

/// Groups are built and written this many at a time (memory stays small at any scale).
const BATCH: usize = 40;

/// Fills a fresh database (the preset loaded, nothing else) with generated data.
pub async fn generate(
    store: &Store,
    options: Options,
    mut progress: impl FnMut(Progress),
) -> anyhow::Result<Generated> {
    require_fresh(store).await?;
    let (plan_id, plan) = PlanCache::default()
        .current(store)
        .await?
        .context("预置方案不存在")?;
    let plan: &Plan = &plan;
    let plan_id = plan_id.as_str().to_string();
    let admin: String = sqlx::query("select id from users where username = 'admin'")
        .fetch_one(store.pool())
        .await
        .context("初始管理员 admin 不存在")?
        .try_get("id")?;
    let province: String = sqlx::query("select id from regions where level = 'province'")
        .fetch_one(store.pool())
        .await?
        .try_get("id")?;
    let mut groups = preset_groups(store).await?;
    let first_number = groups.iter().map(|g| g.number).max().unwrap_or(0) + 1;
    let backend = store.backend();
    let started = Instant::now();
    let mut written = Duration::ZERO;
    let mut rows = Vec::new();
    let mut t = Tables::new();
    let mut tx = store.pool().begin().await?;
    if let Some(size) = options.scale.size() {
        groups.extend(places::build(
            options.seed,
            size,
            &province,
            &plan_id,
            plan.group_start,
            first_number,
            &mut t,
        ));
    }
    let total = groups.len();
    let ctx = records::Context {
        plan,
        admin: &admin,
        seed: options.seed,
        years: options.years,
    };
    progress(Progress {
        done: 0,
        total,
        stage: "结对组",
    });
    for (k, batch) in groups.chunks(BATCH).enumerate() {
        for g in batch {
            records::fill_group(&ctx, g, &mut t)
                .with_context(|| format!("生成第 {} 组的记录", g.number))?;
        }
        let w = Instant::now();
        t.flush(&mut tx, backend, &mut rows).await?;
        written += w.elapsed();
        progress(Progress {
            done: (k * BATCH + batch.len()).min(total),
            total,
            stage: "结对组",
        });
    }
    // 五(三): every school that is a member of a group reports monthly.
    let mut schools: Vec<OrgId> = Vec::new();
    for g in &groups {
        for m in g.calendar.members.iter().filter(|m| m.is_school()) {
            if !schools.contains(&m.org_id) {
                schools.push(m.org_id.clone());
            }
        }
    }
    for (k, batch) in schools.chunks(BATCH * 4).enumerate() {
        for (i, school) in batch.iter().enumerate() {
            reports::fill_school(&ctx, &plan_id, school, k * BATCH * 4 + i, &mut t)?;
        }
        let w = Instant::now();
        t.flush(&mut tx, backend, &mut rows).await?;
        written += w.elapsed();
        progress(Progress {
            done: (k * BATCH * 4 + batch.len()).min(schools.len()),
            total: schools.len(),
            stage: "月度报告",
        });
    }
    let w = Instant::now();
    tx.commit().await?;
    written += w.elapsed();
    let built = started.elapsed() - written;
    // A bulk load has no statistics until analysed (BENCHMARKS.md: PostgreSQL scanned every
    // entry for one group without them).
    let a = Instant::now();
    sqlx::query("analyze").execute(store.pool()).await?;
    Ok(Generated {
        groups: groups.into_iter().map(|g| g.id).collect(),
        schools,
        rows,
        built,
        written,
        analysed: a.elapsed(),
    })
}
