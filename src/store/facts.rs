//! Loads the facts the rules read, for a whole set of groups at once: one query per fact table,
//! never one per group, so one group's page and the all-groups matrix cost the same queries.
//!
//! At province scale a row costs more than its bytes (the driver hands rows over one by one), so
//! the big tables come back as one row per group: memberships and team spells as JSON arrays,
//! on-site entries as text. The queries are independent and run at once on separate
//! connections.

use super::{Backend, GroupRow, Store};
use crate::domain::facts::{
    AgreementFact, BaseFact, GroupFacts, MatterFact, MeetingFact, OnsiteFact, SchoolFact, TeamSpell,
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

fn parse_date(s: &str) -> sqlx::Result<Date> {
    s.parse().map_err(|_| bad("date", s))
}

fn date_at(r: &AnyRow, col: &str) -> sqlx::Result<Date> {
    let s: String = r.try_get(col)?;
    parse_date(&s)
}

fn opt_date_at(r: &AnyRow, col: &str) -> sqlx::Result<Option<Date>> {
    let s: Option<String> = r.try_get(col)?;
    s.as_deref().map(parse_date).transpose()
}

/// The `items` column of an aggregated row, a JSON array of arrays, as typed tuples.
fn json_items<T: serde::de::DeserializeOwned>(r: &AnyRow) -> sqlx::Result<Vec<T>> {
    let text: String = r.try_get("items")?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// ` where|and <col> in ($n, …)` for a set of ids (binds from `$first`), or nothing for every group.
fn filter(set: GroupSet, col: &str, first: usize, joiner: &str) -> String {
    match set {
        GroupSet::All => String::new(),
        GroupSet::Ids(ids) => {
            let ph: Vec<String> = (0..ids.len()).map(|i| format!("${}", first + i)).collect();
            format!(" {joiner} {col} in ({})", ph.join(", "))
        }
    }
}

/// The record tables (agreements, team, on-site, bases) of one group, each aggregated into one
/// text: JSON arrays, and the on-site entries as "from to confirmed members" joined by ';'.
#[derive(Default)]
struct RecordItems {
    agreements: Option<String>,
    team: Option<String>,
    onsite: Option<String>,
    bases: Option<String>,
    matters: Option<String>,
    meetings: Option<String>,
    annual_plans: Option<String>,
    published: Option<String>,
    evaluated: Option<String>,
}

impl Store {
    /// Runs `sql` with `leading` binds first, then the ids of `set`.
    async fn fetch(
        &self,
        sql: String,
        leading: &[String],
        set: GroupSet<'_>,
    ) -> sqlx::Result<Vec<AnyRow>> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in leading {
            q = q.bind(v.clone());
        }
        if let GroupSet::Ids(ids) = set {
            for id in ids {
                q = q.bind(id.as_str());
            }
        }
        q.fetch_all(&self.pool).await
    }

    /// Like [`Self::fetch`], with the leading binds as integers (years).
    async fn fetch_years(
        &self,
        sql: String,
        leading: &[String],
        set: GroupSet<'_>,
    ) -> sqlx::Result<Vec<AnyRow>> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in leading {
            q = q.bind(v.parse::<i64>().unwrap_or_default());
        }
        if let GroupSet::Ids(ids) = set {
            for id in ids {
                q = q.bind(id.as_str());
            }
        }
        q.fetch_all(&self.pool).await
    }

    /// An aggregate of `columns` over a group's rows as one JSON text: an array of arrays.
    pub(super) fn json_rows(&self, columns: &str) -> String {
        match self.backend() {
            Backend::Sqlite => format!("json_group_array(json_array({columns}))"),
            Backend::Postgres => format!("cast(json_agg(json_build_array({columns})) as text)"),
        }
    }

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
        let started = std::time::Instant::now();
        let (calendars, records) = tokio::try_join!(
            self.load_calendars(set),
            self.fetch_records(set, first, last),
        )?;
        let fetched = started.elapsed();
        let (mut groups, index) = calendars;
        for (group, items) in records {
            if let Some(i) = index.get(&group) {
                attach_records(&mut groups[*i], items)?;
            }
        }
        tracing::debug!(
            groups = groups.len(),
            fetch_ms = fetched.as_secs_f64() * 1e3,
            total_ms = started.elapsed().as_secs_f64() * 1e3,
            "group facts loaded"
        );
        Ok(groups)
    }

    /// The groups of `set` with their dates and dated memberships, no records (the school-level
    /// rules read only these).
    pub async fn load_group_calendars(&self, set: GroupSet<'_>) -> sqlx::Result<Vec<GroupFacts>> {
        if let GroupSet::Ids([]) = set {
            return Ok(Vec::new());
        }
        Ok(self.load_calendars(set).await?.0)
    }

    /// The groups of `set` and their memberships (two queries at once), and each group's place
    /// in the list by id.
    async fn load_calendars(
        &self,
        set: GroupSet<'_>,
    ) -> sqlx::Result<(Vec<GroupFacts>, HashMap<String, usize>)> {
        let groups_sql = format!(
            "select id, plan_id, number, started_on, ended_on from pairing_groups g{} order by plan_id, number",
            filter(set, "g.id", 1, "where")
        );
        let memberships_sql = format!(
            "select m.group_id, {} as items
             from group_memberships m join organisations o on o.id = m.org_id{}
             group by m.group_id",
            self.json_rows(
                "m.org_id, o.name, m.role, m.effective_from, m.effective_to, m.position"
            ),
            filter(set, "m.group_id", 1, "where")
        );
        let (group_rows, membership_rows) = tokio::try_join!(
            timed("groups", self.fetch(groups_sql, &[], set)),
            timed("memberships", self.fetch(memberships_sql, &[], set)),
        )?;

        let mut groups = Vec::with_capacity(group_rows.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(group_rows.len());
        for r in &group_rows {
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
        for r in &membership_rows {
            let Some(i) = at(&index, r)? else { continue };
            type Item = (String, String, String, String, Option<String>, i64);
            let mut items: Vec<Item> = json_items(r)?;
            items.sort_by(|a, b| (&a.3, a.5, &a.1).cmp(&(&b.3, b.5, &b.1)));
            for (org, name, role, from, to, _) in items {
                groups[i].calendar.members.push(Membership {
                    org_id: OrgId::from_db(org),
                    name,
                    role: MemberRole::parse(&role).ok_or_else(|| bad("member role", &role))?,
                    from: parse_date(&from)?,
                    to: to.as_deref().map(parse_date).transpose()?,
                });
            }
        }
        Ok((groups, index))
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
        let items = self.fetch_group_records(&group.id, first, last).await?;
        attach_records(&mut g, items)?;
        Ok(g)
    }

    /// The aggregate expressions of the record tables, over the rows of one group each.
    fn record_aggregates(&self) -> [String; 9] {
        // On-site entries: dates, 0/1 and comma-separated ids, all written by the app.
        let concat = match self.backend() {
            Backend::Sqlite => "group_concat",
            Backend::Postgres => "string_agg",
        };
        [
            // Agreements with their parties: one item per party (an agreement without parties once).
            self.json_rows("a.id, a.signed_on, p.org_id"),
            self.json_rows(
                "t.id, t.person_name, t.org_id, t.role, t.title, t.school_leader, t.joined_on, t.left_on",
            ),
            format!(
                "{concat}(e.date_from || ' ' || e.date_to || ' ' ||
                 (case when e.confirmed_at is null then '0' else '1' end) || ' ' || e.member_ids, ';')"
            ),
            self.json_rows("b.name, b.opened_on"),
            self.json_rows("m.summary, m.raised_on, m.reported_on"),
            self.json_rows("j.held_on, j.adopts_annual_plan"),
            self.json_rows("y.year"),
            self.json_rows("c.published_on"),
            self.json_rows("v.year, v.finalised_on"),
        ]
    }

    /// Agreements, team spells, on-site entries (overlapping `first..=last`), bases and major
    /// matters (raised in `first..=last`) of `set`:
    /// one query per table, each a row per group, all at once.
    async fn fetch_records(
        &self,
        set: GroupSet<'_>,
        first: Date,
        last: Date,
    ) -> sqlx::Result<HashMap<String, RecordItems>> {
        let [
            agreements,
            team,
            onsite,
            bases,
            matters,
            meetings,
            plans,
            published,
            evaluated,
        ] = self.record_aggregates();
        let agreements = format!(
            "select a.group_id, {agreements} as items
             from agreements a left join agreement_parties p on p.agreement_id = a.id{}
             group by a.group_id",
            filter(set, "a.group_id", 1, "where")
        );
        let team = format!(
            "select t.group_id, {team} as items from team_members t{} group by t.group_id",
            filter(set, "t.group_id", 1, "where")
        );
        // A date we format, inlined: the entries that can overlap the days start from it.
        let since = crate::domain::onsite::earliest_start_overlapping(first);
        let onsite = format!(
            "select e.group_id, {onsite} as items from onsite_entries e
             where e.date_from <= $1 and e.date_from >= '{since}' and e.date_to >= $2{}
             group by e.group_id",
            filter(set, "e.group_id", 3, "and")
        );
        let bases = format!(
            "select b.group_id, {bases} as items from practice_bases b{} group by b.group_id",
            filter(set, "b.group_id", 1, "where")
        );
        let matters = format!(
            "select m.group_id, {matters} as items from major_matters m
             where m.raised_on <= $1 and m.raised_on >= $2{}
             group by m.group_id",
            filter(set, "m.group_id", 3, "and")
        );
        let meetings = format!(
            "select j.group_id, {meetings} as items from meetings j
             where j.held_on <= $1 and j.held_on >= $2{}
             group by j.group_id",
            filter(set, "j.group_id", 3, "and")
        );
        let plans = format!(
            "select y.group_id, {plans} as items from annual_plans y
             where y.year <= $1 and y.year >= $2{}
             group by y.group_id",
            filter(set, "y.group_id", 3, "and")
        );
        let published = format!(
            "select c.group_id, {published} as items from cases c
             where c.state = 'published' and c.published_on <= $1 and c.published_on >= $2{}
             group by c.group_id",
            filter(set, "c.group_id", 3, "and")
        );
        let evaluated = format!(
            "select v.group_id, {evaluated} as items from evaluations v
             where v.year <= $1 and v.year >= $2{}
             group by v.group_id",
            filter(set, "v.group_id", 3, "and")
        );
        let days = [last.to_string(), first.to_string()];
        let years = [last.year().to_string(), first.year().to_string()];
        let (agreements, team, onsite, bases, matters, meetings, plans, published, evaluated) = tokio::try_join!(
            timed("agreements", self.fetch(agreements, &[], set)),
            timed("team", self.fetch(team, &[], set)),
            timed("onsite", self.fetch(onsite, &days, set)),
            timed("bases", self.fetch(bases, &[], set)),
            timed("matters", self.fetch(matters, &days, set)),
            timed("meetings", self.fetch(meetings, &days, set)),
            timed("annual plans", self.fetch_years(plans, &years, set)),
            timed("published", self.fetch(published, &days, set)),
            timed("evaluated", self.fetch_years(evaluated, &years, set)),
        )?;
        let mut out: HashMap<String, RecordItems> = HashMap::new();
        type Slot = fn(&mut RecordItems) -> &mut Option<String>;
        let columns: [(Vec<AnyRow>, Slot); 9] = [
            (agreements, |r| &mut r.agreements),
            (team, |r| &mut r.team),
            (onsite, |r| &mut r.onsite),
            (bases, |r| &mut r.bases),
            (matters, |r| &mut r.matters),
            (meetings, |r| &mut r.meetings),
            (plans, |r| &mut r.annual_plans),
            (published, |r| &mut r.published),
            (evaluated, |r| &mut r.evaluated),
        ];
        for (rows, slot) in columns {
            for r in rows {
                let group: String = r.try_get("group_id")?;
                *slot(out.entry(group).or_default()) = r.try_get("items")?;
            }
        }
        Ok(out)
    }

    /// The record tables of one group in one query (a group's page makes it on every visit).
    async fn fetch_group_records(
        &self,
        group: &GroupId,
        first: Date,
        last: Date,
    ) -> sqlx::Result<RecordItems> {
        let [
            agreements,
            team,
            onsite,
            bases,
            matters,
            meetings,
            plans,
            published,
            evaluated,
        ] = self.record_aggregates();
        // A date we format, inlined: the entries that can overlap the days start from it.
        let since = crate::domain::onsite::earliest_start_overlapping(first);
        let sql = format!(
            "select
               (select {agreements} from agreements a left join agreement_parties p on p.agreement_id = a.id
                where a.group_id = $1) as agreements,
               (select {team} from team_members t where t.group_id = $1) as team,
               (select {onsite} from onsite_entries e
                where e.group_id = $1 and e.date_from <= $2 and e.date_from >= '{since}'
                  and e.date_to >= $3) as onsite,
               (select {bases} from practice_bases b where b.group_id = $1) as bases,
               (select {matters} from major_matters m
                where m.group_id = $1 and m.raised_on <= $2 and m.raised_on >= $3) as matters,
               (select {meetings} from meetings j
                where j.group_id = $1 and j.held_on <= $2 and j.held_on >= $3) as meetings,
               (select {plans} from annual_plans y
                where y.group_id = $1 and y.year <= $4 and y.year >= $5) as annual_plans,
               (select {published} from cases c
                where c.group_id = $1 and c.state = 'published'
                  and c.published_on <= $2 and c.published_on >= $3) as published,
               (select {evaluated} from evaluations v
                where v.group_id = $1 and v.year <= $4 and v.year >= $5) as evaluated"
        );
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(group.as_str())
            .bind(last.to_string())
            .bind(first.to_string())
            .bind(i64::from(last.year()))
            .bind(i64::from(first.year()))
            .fetch_one(&self.pool)
            .await?;
        Ok(RecordItems {
            agreements: r.try_get("agreements")?,
            team: r.try_get("team")?,
            onsite: r.try_get("onsite")?,
            bases: r.try_get("bases")?,
            matters: r.try_get("matters")?,
            meetings: r.try_get("meetings")?,
            annual_plans: r.try_get("annual_plans")?,
            published: r.try_get("published")?,
            evaluated: r.try_get("evaluated")?,
        })
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

/// Awaits one table's query, logging (at debug) how long it took.
async fn timed<T>(
    table: &'static str,
    query: impl std::future::Future<Output = sqlx::Result<T>>,
) -> sqlx::Result<T> {
    let started = std::time::Instant::now();
    let out = query.await;
    tracing::debug!(
        table,
        ms = started.elapsed().as_secs_f64() * 1e3,
        "facts query"
    );
    out
}

/// The group a row belongs to, by its `group_id`.
fn at(index: &HashMap<String, usize>, r: &AnyRow) -> sqlx::Result<Option<usize>> {
    let id: String = r.try_get("group_id")?;
    Ok(index.get(&id).copied())
}

fn json<T: serde::de::DeserializeOwned>(text: Option<&str>) -> sqlx::Result<Vec<T>> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(t).map_err(|e| sqlx::Error::Decode(Box::new(e))),
    }
}

/// Turns one group's aggregated record items into its facts, in a fixed order (the aggregates
/// come in whatever order the database chose).
fn attach_records(g: &mut GroupFacts, items: RecordItems) -> sqlx::Result<()> {
    type Party = (String, Option<String>, Option<String>);
    let mut parties: Vec<Party> = json(items.agreements.as_deref())?;
    parties.sort();
    let mut last_agreement: Option<String> = None;
    for (id, signed_on, org) in parties {
        if last_agreement.as_deref() != Some(id.as_str()) {
            g.agreements.push(AgreementFact {
                signed_on: signed_on.as_deref().map(parse_date).transpose()?,
                parties: Vec::new(),
            });
            last_agreement = Some(id);
        }
        if let (Some(org), Some(a)) = (org, g.agreements.last_mut()) {
            a.parties.push(OrgId::from_db(org));
        }
    }

    type Spell = (
        String,
        String,
        String,
        String,
        String,
        i64,
        String,
        Option<String>,
    );
    let mut spells: Vec<Spell> = json(items.team.as_deref())?;
    spells.sort_by(|a, b| (&a.6, &a.1, &a.0).cmp(&(&b.6, &b.1, &b.0)));
    for (id, name, org, role, title, leader, joined, left) in spells {
        g.team.push(TeamSpell {
            id: TeamMemberId::from_db(id),
            name,
            org: OrgId::from_db(org),
            role: TeamRole::parse(&role).ok_or_else(|| bad("team role", &role))?,
            title: Title::parse(&title).ok_or_else(|| bad("title", &title))?,
            school_leader: leader != 0,
            joined: parse_date(&joined)?,
            left: left.as_deref().map(parse_date).transpose()?,
        });
    }

    if let Some(text) = items.onsite.as_deref().filter(|t| !t.is_empty()) {
        for item in text.split(';') {
            let mut parts = item.splitn(4, ' ');
            let (Some(from), Some(to), Some(confirmed), Some(members)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad("on-site entry", item));
            };
            g.onsite.push(OnsiteFact {
                from: parse_date(from)?,
                to: parse_date(to)?,
                members: members
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(|m| TeamMemberId::from_db(m.to_string()))
                    .collect(),
                confirmed: confirmed == "1",
            });
        }
        g.onsite.sort_by(|a, b| {
            (a.from, a.to, &a.members, a.confirmed).cmp(&(b.from, b.to, &b.members, b.confirmed))
        });
    }

    let mut bases: Vec<(String, String)> = json(items.bases.as_deref())?;
    bases.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    for (name, opened_on) in bases {
        g.bases.push(BaseFact {
            name,
            opened_on: parse_date(&opened_on)?,
        });
    }

    let mut matters: Vec<(String, String, String)> = json(items.matters.as_deref())?;
    matters.sort_by(|a, b| (&a.1, &a.2, &a.0).cmp(&(&b.1, &b.2, &b.0)));
    for (summary, raised_on, reported_on) in matters {
        g.matters.push(MatterFact {
            summary,
            raised_on: parse_date(&raised_on)?,
            reported_on: parse_date(&reported_on)?,
        });
    }

    let mut meetings: Vec<(String, i64)> = json(items.meetings.as_deref())?;
    meetings.sort();
    for (held_on, adopts) in meetings {
        g.meetings.push(MeetingFact {
            held_on: parse_date(&held_on)?,
            adopts_annual_plan: adopts != 0,
        });
    }
    let plans: Vec<(i64,)> = json(items.annual_plans.as_deref())?;
    g.annual_plans = plans.into_iter().map(|(y,)| y as i16).collect();
    g.annual_plans.sort_unstable();
    let published: Vec<(String,)> = json(items.published.as_deref())?;
    g.published = published
        .iter()
        .map(|(d,)| parse_date(d))
        .collect::<sqlx::Result<_>>()?;
    g.published.sort_unstable();
    let evaluated: Vec<(i64, String)> = json(items.evaluated.as_deref())?;
    g.evaluated = evaluated
        .iter()
        .map(|(y, d)| Ok((*y as i16, parse_date(d)?)))
        .collect::<sqlx::Result<_>>()?;
    g.evaluated.sort_unstable();
    Ok(())
}
