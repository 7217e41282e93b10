//! Pairing groups (结对组) and their dated memberships. Every read takes the caller's scope, so a
//! school, town or village user can never read a group their organisation is not party to.

use super::Store;
use super::orgs::like_pattern;
use crate::domain::group::{GroupCalendar, Membership};
use crate::domain::ids::{GroupId, OrgId, PlanId};
use crate::domain::org::MemberRole;
use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Which groups a caller may see.
#[derive(Debug, Clone)]
pub enum GroupScope {
    All,
    /// Groups this organisation is (or was) a member of.
    Member(OrgId),
    /// Nothing (system administrator, auditor).
    Nothing,
}

#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    /// Matches a group number or the name of any member organisation.
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone)]
pub struct GroupMember {
    pub org_id: OrgId,
    pub name: String,
    pub role: MemberRole,
    pub effective_from: Date,
    /// Exclusive: the membership ends the day before.
    pub effective_to: Option<Date>,
    pub medical_focus: bool,
    /// The town a village lies in (a group's village may lie outside its lead town).
    pub town: Option<String>,
}

impl GroupMember {
    /// The name as the pairing table writes it: a village outside the lead town carries its town.
    pub fn name_in(&self, lead_town: &str) -> String {
        match &self.town {
            Some(t) if t != lead_town => format!("{}({t})", self.name),
            _ => self.name.clone(),
        }
    }

    /// Whether the membership holds on `date` (the end date is exclusive).
    pub fn active_on(&self, date: Date) -> bool {
        self.effective_from <= date && self.effective_to.is_none_or(|to| date < to)
    }
}

#[derive(Debug, Clone)]
pub struct GroupRow {
    pub id: GroupId,
    pub plan_id: PlanId,
    pub number: i64,
    pub lead_town_id: OrgId,
    pub lead_town: String,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    pub members: Vec<GroupMember>,
}

impl GroupRow {
    pub fn members_on<'a>(
        &'a self,
        role: MemberRole,
        date: Date,
    ) -> impl Iterator<Item = &'a GroupMember> + 'a {
        self.members
            .iter()
            .filter(move |m| m.role == role && m.active_on(date))
    }

    /// A member organisation's name as the pairing table writes it (a village of another town
    /// with its town), or `fallback` when it is not a member.
    pub fn member_name(&self, org: &OrgId, fallback: &str) -> String {
        self.members
            .iter()
            .find(|m| &m.org_id == org)
            .map_or_else(|| fallback.to_string(), |m| m.name_in(&self.lead_town))
    }

    /// The group's dates and memberships as the record rules take them.
    pub fn calendar(&self) -> GroupCalendar {
        GroupCalendar {
            started_on: self.started_on,
            ended_on: self.ended_on,
            members: self
                .members
                .iter()
                .map(|m| Membership {
                    org_id: m.org_id.clone(),
                    name: m.name.clone(),
                    role: m.role,
                    from: m.effective_from,
                    to: m.effective_to,
                })
                .collect(),
        }
    }
}

/// A group with the plan it belongs to, for its page.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub group: GroupRow,
    pub plan_name: String,
    pub plan_doc_no: String,
}

const SCOPE_AND_SEARCH: &str = "
    ($1 = 'all' or ($1 = 'member' and g.id in
        (select sm.group_id from group_memberships sm where sm.org_id = $2)))
    and ($3 is null or cast(g.number as text) = $4 or exists
        (select 1 from group_memberships qm join organisations qo on qo.id = qm.org_id
         where qm.group_id = g.id and lower(qo.name) like $3 escape '\\'))";

fn scope_binds(scope: &GroupScope) -> (&'static str, Option<String>) {
    match scope {
        GroupScope::All => ("all", None),
        GroupScope::Member(org) => ("member", Some(org.to_string())),
        GroupScope::Nothing => ("none", None),
    }
}

/// The members of `g.id` as one JSON text, a sub-select of the group's own row (so a page of
/// groups comes back in one query, each with its members).
fn members_column(store: &Store) -> String {
    format!(
        "(select {} from group_memberships m join organisations o on o.id = m.org_id
          left join regions vr on vr.id = o.region_id left join regions tr on tr.id = vr.parent_id
          where m.group_id = g.id) as members",
        store.json_rows(
            "m.org_id, o.name, m.role, m.effective_from, m.effective_to, o.medical_focus, \
             case when o.kind = 'village' then tr.name end, m.position"
        )
    )
}

type MemberItem = (
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    Option<String>,
    i64,
);

fn members_from(r: &AnyRow) -> sqlx::Result<Vec<GroupMember>> {
    let text: Option<String> = r.try_get("members")?;
    let mut items: Vec<MemberItem> = match text {
        Some(t) => serde_json::from_str(&t).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        None => Vec::new(),
    };
    // As the pairing table lists them: by start, then position, then name.
    items.sort_by(|a, b| (&a.3, a.7, &a.1).cmp(&(&b.3, b.7, &b.1)));
    let day = |s: &str| {
        s.parse::<Date>()
            .map_err(|_| sqlx::Error::Decode(format!("unknown date {s}").into()))
    };
    items
        .into_iter()
        .map(|(org, name, role, from, to, medical, town, _)| {
            Ok(GroupMember {
                org_id: OrgId::from_db(org),
                name,
                role: MemberRole::parse(&role).ok_or_else(|| {
                    sqlx::Error::Decode(format!("unknown member role {role}").into())
                })?,
                effective_from: day(&from)?,
                effective_to: to.as_deref().map(day).transpose()?,
                medical_focus: medical != 0,
                town,
            })
        })
        .collect()
}

fn group_from_row(r: &AnyRow) -> sqlx::Result<GroupRow> {
    Ok(GroupRow {
        id: GroupId::from_db(r.try_get("id")?),
        plan_id: PlanId::from_db(r.try_get("plan_id")?),
        number: r.try_get("number")?,
        lead_town_id: OrgId::from_db(r.try_get("lead_town_id")?),
        lead_town: r.try_get("lead_town")?,
        started_on: super::rows::date(r, "started_on")?,
        ended_on: super::rows::opt_date(r, "ended_on")?,
        members: members_from(r)?,
    })
}

impl Store {
    /// Every group's lead town, by group (the programme's matrix reads the rest of its rows
    /// from the facts it judged).
    pub async fn lead_towns(
        &self,
    ) -> sqlx::Result<std::collections::HashMap<GroupId, (OrgId, String)>> {
        let rows = sqlx::query(
            "select g.id, g.lead_town_id, t.name
             from pairing_groups g join organisations t on t.id = g.lead_town_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    GroupId::from_db(r.try_get("id")?),
                    (
                        OrgId::from_db(r.try_get("lead_town_id")?),
                        r.try_get("name")?,
                    ),
                ))
            })
            .collect()
    }

    pub async fn list_groups(
        &self,
        scope: &GroupScope,
        f: &GroupFilter,
    ) -> sqlx::Result<(Vec<GroupRow>, i64)> {
        let (mode, org) = scope_binds(scope);
        let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        // A village searched for as the platform shows it, 南面村(谢岗镇), is found by its name.
        let pattern = q.map(|q| like_pattern(&crate::domain::org::PlaceName::parse(q).name));
        let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from pairing_groups g where {SCOPE_AND_SEARCH}"
        )))
        .bind(mode)
        .bind(org.as_deref())
        .bind(pattern.as_deref())
        .bind(q)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            // The page first, then its members: PostgreSQL would otherwise compute the members of
            // every matching group before the limit.
            "select g.*, {members}
             from (select g.id, g.plan_id, g.number, g.lead_town_id, t.name as lead_town, g.started_on, g.ended_on
                   from pairing_groups g join organisations t on t.id = g.lead_town_id
                   where {SCOPE_AND_SEARCH}
                   order by g.plan_id, g.number limit $5 offset $6) g
             order by g.plan_id, g.number",
            members = members_column(self)
        )))
        .bind(mode)
        .bind(org.as_deref())
        .bind(pattern.as_deref())
        .bind(q)
        .bind(f.limit)
        .bind(f.offset)
        .fetch_all(&self.pool)
        .await?;
        let groups = rows
            .iter()
            .map(group_from_row)
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok((groups, total))
    }

    /// One group, or `None` when it does not exist or the scope may not see it (the caller
    /// answers 404 either way, so existence does not leak). Found by its key first, then the
    /// scope checked on that one row (the list's scope-and-search clause would scan every group).
    pub async fn get_group(
        &self,
        scope: &GroupScope,
        id: &GroupId,
    ) -> sqlx::Result<Option<GroupView>> {
        let (mode, org) = scope_binds(scope);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select g.id, g.plan_id, g.number, g.lead_town_id, t.name as lead_town, g.started_on, g.ended_on,
                    p.name as plan_name, p.doc_no as plan_doc_no, {members}
             from pairing_groups g join organisations t on t.id = g.lead_town_id join plans p on p.id = g.plan_id
             where g.id = $1 and ($2 = 'all' or ($2 = 'member' and exists
                (select 1 from group_memberships sm where sm.group_id = g.id and sm.org_id = $3)))",
            members = members_column(self)
        )))
        .bind(id.as_str())
        .bind(mode)
        .bind(org.as_deref())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(GroupView {
            group: group_from_row(&row)?,
            plan_name: row.try_get("plan_name")?,
            plan_doc_no: row.try_get("plan_doc_no")?,
        }))
    }
}
