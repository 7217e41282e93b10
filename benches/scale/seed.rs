//! The province-scale data of `benches/scale.rs`: organisations, groups, teams and, for each year
//! seeded, every record kind the compliance matrix reads — agreements, on-site service, practice
//! bases, joint meetings with the annual plan adopted at one, major matters, projects with their
//! progress updates, expenses and every school's monthly reports.
//!
//! Rows are gathered per table and written with multi-row inserts (thousands of binds a
//! statement) in one transaction: the per-statement round trip, not the row, was what seeding
//! row by row paid for. The mix is fixed (no randomness), so runs compare: most groups meet every
//! rule; some sign late, hold too few meetings, open no base or report a matter late; most
//! monthly reports come on time, some late, some never.

use jiff::ToSpan;
use jiff::civil::Date;
use xiaodi::domain::ids::{GroupId, OrgId};
use xiaodi::domain::monthly::{deadline, end_of_day_ms, start_of_day_ms};
use xiaodi::domain::plan::Month;
use xiaodi::store::plans::PlanCache;
use xiaodi::store::{Backend, Store};

pub const GROUPS: usize = 2_000;
pub const SCHOOLS: usize = 560;
pub const MEMBERS_PER_GROUP: usize = 10;
/// On-site entries per group and year, each 1–3 days with 1–3 members.
pub const ENTRIES_PER_YEAR: usize = 60;
/// Joint meetings per group and year (a group in fifteen holds one: too few).
pub const MEETINGS_PER_YEAR: usize = 4;
/// Projects per group and year, each with this many progress updates.
pub const PROJECTS_PER_YEAR: usize = 10;
pub const UPDATES_PER_PROJECT: usize = 6;
pub const EXPENSES_PER_YEAR: usize = 20;
pub const MATTERS_PER_YEAR: usize = 3;

/// The first outcome figure of each of the preset's six areas (三(一)–(六)).
const AREA_FIGURES: [&str; 6] = [
    "practice_activities",
    "enterprises_served",
    "people_trained",
    "collective_income",
    "people_served",
    "plans_delivered",
];
const EXPENSE_KINDS: [&str; 5] = [
    "transport",
    "living_allowance",
    "office_equipment",
    "major_activity",
    "other",
];

/// Binds per statement: well under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_BINDS: usize = 12_000;

/// One bound value.
enum V {
    T(String),
    I(i64),
    NoT,
    NoI,
}

impl From<&str> for V {
    fn from(s: &str) -> Self {
        V::T(s.to_string())
    }
}
impl From<String> for V {
    fn from(s: String) -> Self {
        V::T(s)
    }
}
impl From<&String> for V {
    fn from(s: &String) -> Self {
        V::T(s.clone())
    }
}
impl From<i64> for V {
    fn from(i: i64) -> Self {
        V::I(i)
    }
}
impl From<Date> for V {
    fn from(d: Date) -> Self {
        V::T(d.to_string())
    }
}
impl From<&OrgId> for V {
    fn from(o: &OrgId) -> Self {
        V::T(o.as_str().to_string())
    }
}
impl From<&GroupId> for V {
    fn from(g: &GroupId) -> Self {
        V::T(g.as_str().to_string())
    }
}

/// The rows of one table, waiting to be written.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    values: Vec<V>,
}

impl Table {
    fn new(name: &'static str, columns: &'static [&'static str]) -> Self {
        Self {
            name,
            columns,
            values: Vec::new(),
        }
    }

    fn row<const N: usize>(&mut self, values: [V; N]) {
        assert_eq!(
            N,
            self.columns.len(),
            "a row of {} has the wrong width",
            self.name
        );
        self.values.extend(values);
    }

    fn rows(&self) -> usize {
        self.values.len() / self.columns.len()
    }

    /// Writes every row, `MAX_BINDS / width` rows a statement. SQLite gets `?` placeholders:
    /// it treats `$n` as a name and looks each one up among those before it, which made a
    /// statement of 12,000 of them cost half a second to prepare.
    async fn write(self, tx: &mut sqlx::AnyConnection, numbered: bool) -> anyhow::Result<usize> {
        let width = self.columns.len();
        let per_statement = MAX_BINDS / width;
        let head = format!(
            "insert into {} ({}) values ",
            self.name,
            self.columns.join(", ")
        );
        let rows = self.rows();
        let mut values = self.values.into_iter();
        let mut left = rows;
        while left > 0 {
            let n = left.min(per_statement);
            let mut sql = String::with_capacity(head.len() + n * width * 7);
            sql.push_str(&head);
            for r in 0..n {
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..width {
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    if numbered {
                        sql.push('$');
                        sql.push_str(&(r * width + c + 1).to_string());
                    } else {
                        sql.push('?');
                    }
                }
                sql.push(')');
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for v in values.by_ref().take(n * width) {
                q = match v {
                    V::T(s) => q.bind(s),
                    V::I(i) => q.bind(i),
                    V::NoT => q.bind(None::<String>),
                    V::NoI => q.bind(None::<i64>),
                };
            }
            q.execute(&mut *tx).await?;
            left -= n;
        }
        Ok(rows)
    }
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Noon of `d` in Asia/Shanghai, Unix ms.
fn noon_ms(d: Date) -> i64 {
    start_of_day_ms(d) + 12 * 3_600_000
}

fn day(year: i16, ordinal: i64) -> anyhow::Result<Date> {
    Ok(Date::new(year, 1, 1)?.checked_add(ordinal.days())?)
}

/// What was seeded, for the benchmark's checks and its report.
pub struct Seeded {
    pub groups: Vec<GroupId>,
    pub schools: Vec<OrgId>,
    /// Rows written per table and the time it took, in the order written.
    pub rows: Vec<(&'static str, usize, std::time::Duration)>,
    /// Building the rows in memory, and `analyze` after the load.
    pub built: std::time::Duration,
    pub analysed: std::time::Duration,
}

pub async fn seed(store: &Store, years: i16) -> anyhow::Result<Seeded> {
    use sqlx::Row;
    let (plan_id, plan) = PlanCache::default()
        .current(store)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the preset plan is missing"))?;
    let plan_id = plan_id.as_str().to_string();
    let pool = store.pool();
    let mut tx = pool.begin().await?;
    let one = |sql: &'static str| sqlx::query(sql);
    let region: String = one("select id from regions where level = 'city'")
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
    let admin: String = one("select id from users where username = 'admin'")
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
    let now = 0i64;
    let started = std::time::Instant::now();

    let mut orgs = Table::new(
        "organisations",
        &[
            "id",
            "kind",
            "name",
            "region_id",
            "medical_focus",
            "created_at",
        ],
    );
    let mut groups_t = Table::new(
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
    );
    let mut memberships = Table::new(
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
    );
    let mut team_t = Table::new(
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
    );
    let mut agreements = Table::new(
        "agreements",
        &["id", "group_id", "signed_on", "created_at", "updated_at"],
    );
    let mut parties = Table::new("agreement_parties", &["agreement_id", "org_id"]);
    let mut onsite = Table::new(
        "onsite_entries",
        &[
            "id",
            "group_id",
            "date_from",
            "date_to",
            "place_org_id",
            "content",
            "created_at",
            "member_ids",
        ],
    );
    let mut onsite_members = Table::new("onsite_entry_members", &["entry_id", "member_id"]);
    let mut bases = Table::new(
        "practice_bases",
        &[
            "id",
            "group_id",
            "name",
            "place_org_id",
            "functions",
            "opened_on",
            "created_at",
        ],
    );
    let mut meetings = Table::new(
        "meetings",
        &[
            "id",
            "group_id",
            "held_on",
            "place",
            "agenda",
            "adopts_annual_plan",
            "created_by",
            "created_at",
        ],
    );
    let mut attendees = Table::new(
        "meeting_attendees",
        &["meeting_id", "org_id", "confirmed_at", "confirmed_by"],
    );
    let mut annual_plans = Table::new(
        "annual_plans",
        &[
            "id",
            "group_id",
            "year",
            "title",
            "created_by",
            "created_at",
        ],
    );
    let mut plan_items = Table::new(
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
            "created_at",
        ],
    );
    let mut projects = Table::new(
        "projects",
        &[
            "id",
            "group_id",
            "area",
            "title",
            "lead_org_id",
            "starts_on",
            "ends_on",
            "status",
            "created_by",
            "created_at",
        ],
    );
    let mut updates = Table::new(
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
    );
    let mut outcomes = Table::new("project_outcomes", &["update_id", "field", "amount"]);
    let mut expenses = Table::new(
        "expenses",
        &[
            "id",
            "group_id",
            "spent_on",
            "amount_fen",
            "payer_org_id",
            "kind",
            "project_id",
            "created_by",
            "created_at",
        ],
    );
    let mut shares = Table::new(
        "expense_shares",
        &["expense_id", "org_id", "basis_points", "amount_fen"],
    );
    let mut matters = Table::new(
        "major_matters",
        &[
            "id",
            "group_id",
            "summary",
            "urgency",
            "raised_on",
            "reported_at",
            "reported_on",
            "raised_by",
            "raised_by_org_id",
        ],
    );
    let mut reports = Table::new(
        "monthly_reports",
        &[
            "id",
            "plan_id",
            "school_id",
            "month",
            "state",
            "version",
            "first_submitted_at",
            "last_submitted_at",
            "reviewed_at",
            "reviewed_by",
            "created_at",
            "updated_at",
        ],
    );
    let mut report_versions = Table::new(
        "monthly_report_versions",
        &[
            "id",
            "report_id",
            "version",
            "content",
            "submitted_at",
            "submitted_by",
            "review",
            "reviewed_at",
            "reviewed_by",
        ],
    );

    let mut schools = Vec::with_capacity(SCHOOLS);
    for i in 0..SCHOOLS {
        let id = OrgId::new();
        let kind = if i % 2 == 0 {
            "university"
        } else {
            "vocational_school"
        };
        orgs.row([
            (&id).into(),
            kind.into(),
            format!("基准学校{i}").into(),
            (&region).into(),
            0.into(),
            now.into(),
        ]);
        schools.push(id);
    }

    let mut groups = Vec::with_capacity(GROUPS);
    for g in 0..GROUPS {
        let town = OrgId::new();
        orgs.row([
            (&town).into(),
            "town".into(),
            format!("基准镇{g}").into(),
            (&region).into(),
            0.into(),
            now.into(),
        ]);
        let villages: Vec<OrgId> = (0..2).map(|_| OrgId::new()).collect();
        for (k, v) in villages.iter().enumerate() {
            orgs.row([
                v.into(),
                "village".into(),
                format!("基准村{g}-{k}").into(),
                (&region).into(),
                0.into(),
                now.into(),
            ]);
        }
        let gid = GroupId::new();
        groups_t.row([
            (&gid).into(),
            (&plan_id).into(),
            (1000 + g as i64).into(),
            (&town).into(),
            "2023-12-29".into(),
            V::NoT,
            now.into(),
        ]);
        let uni = &schools[(2 * g) % SCHOOLS];
        let voc = &schools[(2 * g + 1) % SCHOOLS];
        let members = [
            (&town, "town"),
            (&villages[0], "village"),
            (&villages[1], "village"),
            (uni, "university"),
            (voc, "vocational_school"),
        ];
        for (pos, (org, role)) in members.iter().enumerate() {
            memberships.row([
                uuid().into(),
                (&gid).into(),
                (*org).into(),
                (*role).into(),
                "2023-12-29".into(),
                V::NoT,
                (pos as i64).into(),
                now.into(),
            ]);
        }
        let mut team = Vec::with_capacity(MEMBERS_PER_GROUP);
        for m in 0..MEMBERS_PER_GROUP {
            let id = uuid();
            let (role, org) = match m {
                0 => ("captain", uni),
                1 => ("vice_captain", voc),
                _ => ("member", uni),
            };
            team_t.row([
                (&id).into(),
                (&gid).into(),
                format!("队员{g}-{m}").into(),
                org.into(),
                role.into(),
                "intermediate".into(),
                1.into(),
                "13800131234".into(),
                "2024-01-01".into(),
                V::NoT,
                now.into(),
            ]);
            team.push(id);
        }

        // 四(二) the tripartite agreement, due a month after the group began: most sign in
        // January, one in twenty late (March), one in a hundred not yet; one in 25 lacks a village.
        let agreement = uuid();
        let signed_on = match g % 100 {
            0 => V::NoT,
            n if n % 20 == 7 => "2024-03-12".into(),
            _ => "2024-01-18".into(),
        };
        agreements.row([
            (&agreement).into(),
            (&gid).into(),
            signed_on,
            now.into(),
            now.into(),
        ]);
        for (k, (org, _)) in members.iter().enumerate() {
            if k == 2 && g % 25 == 3 {
                continue;
            }
            parties.row([(&agreement).into(), (*org).into()]);
        }

        // 三(一) practice bases: one, a third of the groups two, one in forty none yet.
        let n_bases = match g % 40 {
            5 => 0,
            _ if g % 3 == 0 => 2,
            _ => 1,
        };
        for (b, (place, _)) in members.iter().enumerate().take(n_bases) {
            bases.row([
                uuid().into(),
                (&gid).into(),
                format!("基准实践基地{g}-{b}").into(),
                (*place).into(),
                "教学实践、科研服务".into(),
                format!("2024-0{}-15", 3 + 2 * b).into(),
                now.into(),
            ]);
        }

        for y in 0..years {
            let year = 2024 + y;
            for e in 0..ENTRIES_PER_YEAR {
                let start = day(year, (e * 6) as i64)?;
                let end = start.checked_add(((e % 3) as i64).days())?;
                let id = uuid();
                let place = if e % 2 == 0 { &town } else { &villages[e % 2] };
                let on_site: Vec<&String> = (0..(1 + e % 3))
                    .map(|k| &team[(e + k) % MEMBERS_PER_GROUP])
                    .collect();
                let member_ids = on_site
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(",");
                onsite.row([
                    (&id).into(),
                    (&gid).into(),
                    start.into(),
                    end.into(),
                    place.into(),
                    "基准服务".into(),
                    now.into(),
                    member_ids.into(),
                ]);
                for m in on_site {
                    onsite_members.row([(&id).into(), m.into()]);
                }
            }

            // 五(一) joint meetings, quarterly; the first adopts the year's annual plan. One
            // group in fifteen meets once (too few); one in twelve has no annual plan.
            let has_plan = g % 12 != 4;
            let n_meetings = if g % 15 == 2 { 1 } else { MEETINGS_PER_YEAR };
            for k in 0..n_meetings {
                let id = uuid();
                let held_on = Date::new(year, 2 + 3 * k as i8, 10)?;
                meetings.row([
                    (&id).into(),
                    (&gid).into(),
                    held_on.into(),
                    "镇政府会议室".into(),
                    "工作进展与下一步计划".into(),
                    i64::from(k == 0 && has_plan).into(),
                    (&admin).into(),
                    now.into(),
                ]);
                for (org, _) in &members {
                    attendees.row([
                        (&id).into(),
                        (*org).into(),
                        noon_ms(held_on).into(),
                        (&admin).into(),
                    ]);
                }
            }
            let annual_plan = uuid();
            if has_plan {
                annual_plans.row([
                    (&annual_plan).into(),
                    (&gid).into(),
                    i64::from(year).into(),
                    format!("{year}年度合作计划").into(),
                    (&admin).into(),
                    now.into(),
                ]);
            }

            // 三(一)–(六) projects across the six areas, each with monthly progress updates
            // adding to its area's first outcome figure; the annual plan targets each area once.
            for p in 0..PROJECTS_PER_YEAR {
                let id = uuid();
                let area = p % 6;
                let starts_on = Date::new(year, 1 + p as i8, 1)?;
                let lead = if p % 3 == 2 { &town } else { uni };
                projects.row([
                    (&id).into(),
                    (&gid).into(),
                    (area as i64 + 1).into(),
                    format!("基准项目{g}-{year}-{p}").into(),
                    lead.into(),
                    starts_on.into(),
                    V::NoT,
                    "active".into(),
                    (&admin).into(),
                    now.into(),
                ]);
                if has_plan && p < 6 {
                    plan_items.row([
                        uuid().into(),
                        (&annual_plan).into(),
                        (&gid).into(),
                        (area as i64 + 1).into(),
                        format!("推进{}", AREA_FIGURES[area]).into(),
                        AREA_FIGURES[area].into(),
                        100.into(),
                        (&id).into(),
                        now.into(),
                    ]);
                }
                for u in 0..UPDATES_PER_PROJECT {
                    let update = uuid();
                    let happened_on = starts_on.checked_add((u as i64 * 20).days())?;
                    updates.row([
                        (&update).into(),
                        (&id).into(),
                        (&gid).into(),
                        happened_on.into(),
                        "阶段进展".into(),
                        ((u % 4) as i64 * 5).into(),
                        (&admin).into(),
                        now.into(),
                    ]);
                    outcomes.row([
                        update.into(),
                        AREA_FIGURES[area].into(),
                        (1 + (u % 5) as i64).into(),
                    ]);
                }
                // 四(二) expenses: two per project, the rest of the year's unattached.
                for x in 0..EXPENSES_PER_YEAR / PROJECTS_PER_YEAR {
                    let e = p * (EXPENSES_PER_YEAR / PROJECTS_PER_YEAR) + x;
                    let expense = uuid();
                    let amount = 20_000 + 1_000 * (e as i64 % 17);
                    let payer = if e.is_multiple_of(2) { uni } else { &town };
                    expenses.row([
                        (&expense).into(),
                        (&gid).into(),
                        day(year, e as i64 * 18)?.into(),
                        amount.into(),
                        payer.into(),
                        EXPENSE_KINDS[e % 5].into(),
                        if x == 0 { (&id).into() } else { V::NoT },
                        (&admin).into(),
                        now.into(),
                    ]);
                    // One in five shared half and half by the school and the town.
                    if e % 5 == 1 {
                        shares.row([
                            (&expense).into(),
                            uni.into(),
                            5_000.into(),
                            (amount / 2).into(),
                        ]);
                        shares.row([
                            (&expense).into(),
                            (&town).into(),
                            5_000.into(),
                            (amount - amount / 2).into(),
                        ]);
                    }
                }
            }

            // 五(一) major matters, reported the next day; one in thirty after twelve days (late).
            for k in 0..MATTERS_PER_YEAR {
                let raised_on = Date::new(year, 3 + 4 * k as i8, 6)?;
                let late = (g * MATTERS_PER_YEAR + k) % 30 == 7;
                let reported_on = raised_on.checked_add(if late { 12.days() } else { 1.days() })?;
                matters.row([
                    uuid().into(),
                    (&gid).into(),
                    format!("基准重大事项{k}").into(),
                    "normal".into(),
                    raised_on.into(),
                    noon_ms(reported_on).into(),
                    reported_on.into(),
                    (&admin).into(),
                    (&town).into(),
                ]);
            }
        }
        groups.push(gid);
    }

    // 五(三) every school's report for every month: mostly submitted two days before the due
    // day and accepted, one in ten late (three days after), one in twenty never submitted (half
    // of those a draft, half not even opened), a few still awaiting review.
    for y in 0..years {
        let year = 2024 + y;
        for (i, school) in schools.iter().enumerate() {
            for month in 1..=12i8 {
                let d = deadline(&plan, Month { year, month });
                let h = (i * 7 + month as usize * 3) % 20;
                let id = uuid();
                let month = Month { year, month }.to_string();
                let submitted = match h {
                    0 => continue,
                    1 => None,
                    2 | 3 => Some(end_of_day_ms(d.due_on) + 3 * 86_400_000),
                    _ => Some(noon_ms(d.due_on) - 2 * 86_400_000),
                };
                let accepted = submitted.is_some() && h != 4;
                let reviewed = submitted.filter(|_| accepted).map(|t| t + 86_400_000);
                let state = match (submitted, accepted) {
                    (None, _) => "draft",
                    (Some(_), true) => "accepted",
                    (Some(_), false) => "submitted",
                };
                let opt = |v: Option<i64>| v.map_or(V::NoI, V::I);
                reports.row([
                    (&id).into(),
                    (&plan_id).into(),
                    school.into(),
                    month.into(),
                    state.into(),
                    i64::from(submitted.is_some()).into(),
                    opt(submitted),
                    opt(submitted),
                    opt(reviewed),
                    if reviewed.is_some() {
                        (&admin).into()
                    } else {
                        V::NoT
                    },
                    now.into(),
                    now.into(),
                ]);
                if let Some(at) = submitted {
                    report_versions.row([
                        uuid().into(),
                        id.into(),
                        1.into(),
                        "{}".into(),
                        at.into(),
                        (&admin).into(),
                        if accepted { "accepted".into() } else { V::NoT },
                        opt(reviewed),
                        if accepted { (&admin).into() } else { V::NoT },
                    ]);
                }
            }
        }
    }

    let built = started.elapsed();
    let numbered = store.backend() == Backend::Postgres;
    let mut rows = Vec::new();
    // In the order the foreign keys need.
    for table in [
        orgs,
        groups_t,
        memberships,
        team_t,
        agreements,
        parties,
        onsite,
        onsite_members,
        bases,
        meetings,
        attendees,
        annual_plans,
        projects,
        plan_items,
        updates,
        outcomes,
        expenses,
        shares,
        matters,
        reports,
        report_versions,
    ] {
        let name = table.name;
        let t = std::time::Instant::now();
        let n = table.write(&mut tx, numbered).await?;
        rows.push((name, n, t.elapsed()));
    }
    tx.commit().await?;
    // A live database has statistics (PostgreSQL's autovacuum gathers them); a bulk load has none
    // until analysed, and without them PostgreSQL scanned all 120,000 entries for one group.
    let t = std::time::Instant::now();
    sqlx::query("analyze").execute(pool).await?;
    Ok(Seeded {
        groups,
        schools,
        rows,
        built,
        analysed: t.elapsed(),
    })
}
