//! Loads the facts the rules read, for a whole set of groups at once: one query per fact table,
//! never one per group, so one group's page and the all-groups matrix cost the same queries.

use super::{GroupRow, Store};
use crate::domain::facts::{
    AgreementFact, BaseFact, GroupFacts, OnsiteFact, SchoolFact, TeamSpell,
};
use crate::domain::group::Membership;
use crate::domain::ids::{GroupId, OrgId, PlanId, TeamMemberId};
use crate::domain::org::{MemberRole, OrgKind};
use crate::domain::team::{TeamRole, Title};
use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// Which groups to load.
#[derive(Debug, Clone, Copy)]
pub enum GroupSet<'a> {
    /// Every group of the platform (the bureau's matrix).
    All,
    /// These groups (a page of a list, one group's page).
    Ids(&'a [GroupId]),
}

fn bad(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} “{value}”").into())
}

fn date_at(r: &AnyRow, col: &str) -> sqlx::Result<Date> {
    let s: String = r.try_get(col)?;
    s.parse().map_err(|_| bad("date", &s))
}

fn opt_date_at(r: &AnyRow, col: &str) -> sqlx::Result<Option<Date>> {
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| s.parse().map_err(|_| bad("date", &s)))
        .transpose()
}

/// `where <col> in ($n, …)` for a set of ids (binds from `$first`), or nothing for every group.
fn filter(set: GroupSet, col: &str, first: usize, joiner: &str) -> String {
    match set {
        GroupSet::All => String::new(),
        GroupSet::Ids(ids) => {
            let ph: Vec<String> = (0..ids.len()).map(|i| format!("${}", first + i)).collect();
            format!(" {joiner} {col} in ({})", ph.join(", "))
        }
    }
}

/// Logs how long a step of loading took (debug level), and starts the next step's clock.
fn lap(t: &mut std::time::Instant, step: &str, rows: usize) {
    tracing::debug!(
        step,
        rows,
        ms = t.elapsed().as_secs_f64() * 1e3,
        "facts loaded"
    );
    *t = std::time::Instant::now();
}

fn bind_ids<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    set: GroupSet<'q>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    if let GroupSet::Ids(ids) = set {
        for id in ids {
            q = q.bind(id.as_str());
        }
    }
    q
}

impl Store {
    /// The facts of `set` for the days `first..=last`: each group's dated history, and its
    /// on-site entries overlapping those days. Groups come in plan and number order.
    pub async fn load_group_facts(
        &self,
        set: GroupSet<'_>,
        first: Date,
        last: Date,
    ) -> sqlx::Result<Vec<GroupFacts>> {
        if let GroupSet::Ids([]) = set {
            return Ok(Vec::new());
        }
        let mut t = std::time::Instant::now();
        let sql = format!(
            "select id, plan_id, number, started_on, ended_on from pairing_groups g{} order by plan_id, number",
            filter(set, "g.id", 1, "where")
        );
        let rows = bind_ids(sqlx::query(sqlx::AssertSqlSafe(sql)), set)
            .fetch_all(&self.pool)
            .await?;
        let mut groups = Vec::with_capacity(rows.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let mut g = GroupFacts::new(
                GroupId::from_db(id.clone()),
                PlanId::from_db(r.try_get("plan_id")?),
                r.try_get("number")?,
                date_at(r, "started_on")?,
            );
            g.calendar.ended_on = opt_date_at(r, "ended_on")?;
            index.insert(id, groups.len());
            groups.push(g);
        }
        lap(&mut t, "groups", groups.len());
        let at = |r: &AnyRow| -> sqlx::Result<Option<usize>> {
            let id: String = r.try_get("group_id")?;
            Ok(index.get(&id).copied())
        };
        let sql = format!(
            "select m.group_id, m.org_id, o.name, m.role, m.effective_from, m.effective_to
             from group_memberships m join organisations o on o.id = m.org_id{}
             order by m.effective_from, m.position",
            filter(set, "m.group_id", 1, "where")
        );
        for r in bind_ids(sqlx::query(sqlx::AssertSqlSafe(sql)), set)
            .fetch_all(&self.pool)
            .await?
        {
            let Some(i) = at(&r)? else { continue };
            let role: String = r.try_get("role")?;
            groups[i].calendar.members.push(Membership {
                org_id: OrgId::from_db(r.try_get("org_id")?),
                name: r.try_get("name")?,
                role: MemberRole::parse(&role).ok_or_else(|| bad("member role", &role))?,
                from: date_at(&r, "effective_from")?,
                to: opt_date_at(&r, "effective_to")?,
            });
        }

        lap(&mut t, "memberships", groups.len());
        self.attach_records(&mut groups, &index, set, first, last)
            .await?;
        Ok(groups)
    }

    /// The facts of one group already read (its page has it), for the days `first..=last`:
    /// only the record tables are queried.
    pub async fn facts_of_group(
        &self,
        group: &GroupRow,
        first: Date,
        last: Date,
    ) -> sqlx::Result<GroupFacts> {
        let mut g = GroupFacts::new(
            group.id.clone(),
            group.plan_id.clone(),
            group.number,
            group.started_on,
        );
        g.calendar = group.calendar();
        let mut groups = vec![g];
        let index = HashMap::from([(group.id.to_string(), 0)]);
        let ids = [group.id.clone()];
        self.attach_records(&mut groups, &index, GroupSet::Ids(&ids), first, last)
            .await?;
        Ok(groups.pop().expect("one group"))
    }

    /// Agreements, team spells, on-site entries and bases of `groups` (indexed by id), one query
    /// per table.
    async fn attach_records(
        &self,
        groups: &mut [GroupFacts],
        index: &HashMap<String, usize>,
        set: GroupSet<'_>,
        first: Date,
        last: Date,
    ) -> sqlx::Result<()> {
        let at = |r: &AnyRow| -> sqlx::Result<Option<usize>> {
            let id: String = r.try_get("group_id")?;
            Ok(index.get(&id).copied())
        };
        let mut t = std::time::Instant::now();
        // Agreements with their parties: one row per party (an agreement without parties once).
        let sql = format!(
            "select a.group_id, a.id, a.signed_on, p.org_id
             from agreements a left join agreement_parties p on p.agreement_id = a.id{}
             order by a.id",
            filter(set, "a.group_id", 1, "where")
        );
        let mut last_agreement: Option<String> = None;
        for r in bind_ids(sqlx::query(sqlx::AssertSqlSafe(sql)), set)
            .fetch_all(&self.pool)
            .await?
        {
            let Some(i) = at(&r)? else { continue };
            let id: String = r.try_get("id")?;
            if last_agreement.as_deref() != Some(id.as_str()) {
                groups[i].agreements.push(AgreementFact {
                    signed_on: opt_date_at(&r, "signed_on")?,
                    parties: Vec::new(),
                });
                last_agreement = Some(id);
            }
            if let (Some(org), Some(a)) = (
                r.try_get::<Option<String>, _>("org_id")?,
                groups[i].agreements.last_mut(),
            ) {
                a.parties.push(OrgId::from_db(org));
            }
        }

        lap(&mut t, "agreements", groups.len());
        let sql = format!(
            "select t.group_id, t.id, t.person_name, t.org_id, t.role, t.title, t.school_leader, t.joined_on, t.left_on
             from team_members t{}
             order by t.joined_on, t.person_name",
            filter(set, "t.group_id", 1, "where")
        );
        for r in bind_ids(sqlx::query(sqlx::AssertSqlSafe(sql)), set)
            .fetch_all(&self.pool)
            .await?
        {
            let Some(i) = at(&r)? else { continue };
            let role: String = r.try_get("role")?;
            let title: String = r.try_get("title")?;
            groups[i].team.push(TeamSpell {
                id: TeamMemberId::from_db(r.try_get("id")?),
                name: r.try_get("person_name")?,
                org: OrgId::from_db(r.try_get("org_id")?),
                role: TeamRole::parse(&role).ok_or_else(|| bad("team role", &role))?,
                title: Title::parse(&title).ok_or_else(|| bad("title", &title))?,
                school_leader: r.try_get::<i64, _>("school_leader")? != 0,
                joined: date_at(&r, "joined_on")?,
                left: opt_date_at(&r, "left_on")?,
            });
        }

        lap(&mut t, "team", groups.len());
        // On-site entries overlapping the days asked about, one row per entry with the members
        // on site joined into one text (half the rows of a join, no sort).
        let members = match self.backend() {
            super::Backend::Sqlite => "group_concat(m.member_id, ',')",
            super::Backend::Postgres => "string_agg(m.member_id, ',')",
        };
        let sql = format!(
            "select e.group_id, e.date_from, e.date_to, e.confirmed_at, {members} as members
             from onsite_entries e left join onsite_entry_members m on m.entry_id = e.id
             where e.date_from <= $1 and e.date_to >= $2{}
             group by e.id, e.group_id, e.date_from, e.date_to, e.confirmed_at",
            filter(set, "e.group_id", 3, "and")
        );
        let q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(last.to_string())
            .bind(first.to_string());
        let rows = bind_ids(q, set).fetch_all(&self.pool).await?;
        let fetched = t.elapsed();
        for r in &rows {
            let Some(i) = at(r)? else { continue };
            let members: Option<String> = r.try_get("members")?;
            groups[i].onsite.push(OnsiteFact {
                from: date_at(r, "date_from")?,
                to: date_at(r, "date_to")?,
                members: members
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(|m| TeamMemberId::from_db(m.to_string()))
                    .collect(),
                confirmed: r.try_get::<Option<i64>, _>("confirmed_at")?.is_some(),
            });
        }
        tracing::debug!(
            fetch_ms = fetched.as_secs_f64() * 1e3,
            "on-site entries fetched"
        );
        lap(&mut t, "onsite", rows.len());

        let sql = format!(
            "select b.group_id, b.name, b.opened_on from practice_bases b{} order by b.opened_on",
            filter(set, "b.group_id", 1, "where")
        );
        for r in bind_ids(sqlx::query(sqlx::AssertSqlSafe(sql)), set)
            .fetch_all(&self.pool)
            .await?
        {
            let Some(i) = at(&r)? else { continue };
            groups[i].bases.push(BaseFact {
                name: r.try_get("name")?,
                opened_on: date_at(&r, "opened_on")?,
            });
        }
        lap(&mut t, "bases", groups.len());
        Ok(())
    }

    /// Every university and vocational school of the programme, for the school-level rules.
    pub async fn load_schools(&self) -> sqlx::Result<Vec<SchoolFact>> {
        let rows = sqlx::query(
            "select id, name, kind from organisations
             where kind in ('university', 'vocational_school') order by kind desc, name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(SchoolFact {
                    org: OrgId::from_db(r.try_get("id")?),
                    name: r.try_get("name")?,
                    kind: OrgKind::parse(&kind).ok_or_else(|| bad("organisation kind", &kind))?,
                })
            })
            .collect()
    }
}
