//! Regions, organisations and plans.

use super::Store;
use crate::domain::ids::{OrgId, PlanId, RegionId};
use crate::domain::org::OrgKind;
use crate::domain::plan::Plan;
use crate::domain::region::RegionLevel;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct OrgRow {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name: String,
    pub region_id: RegionId,
    pub region_name: String,
    pub medical_focus: bool,
}

#[derive(Debug, Clone)]
pub struct RegionRow {
    pub id: RegionId,
    pub parent_id: Option<RegionId>,
    pub level: RegionLevel,
    pub name: String,
    pub kind_label: String,
    pub children: i64,
}

#[derive(Debug, Clone)]
pub struct PlanRow {
    pub id: PlanId,
    pub code: String,
    pub plan: Plan,
}

#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub kind: Option<OrgKind>,
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

const ORG_COLUMNS: &str =
    "o.id, o.kind, o.name, o.region_id, r.name as region_name, o.medical_focus";

fn org_from_row(r: &AnyRow) -> sqlx::Result<OrgRow> {
    let kind: String = r.try_get("kind")?;
    Ok(OrgRow {
        id: OrgId::from_db(r.try_get("id")?),
        kind: OrgKind::parse(&kind).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown organisation kind {kind}").into())
        })?,
        name: r.try_get("name")?,
        region_id: RegionId::from_db(r.try_get("region_id")?),
        region_name: r.try_get("region_name")?,
        medical_focus: r.try_get::<i64, _>("medical_focus")? != 0,
    })
}

fn region_from_row(r: &AnyRow) -> sqlx::Result<RegionRow> {
    let level: String = r.try_get("level")?;
    Ok(RegionRow {
        id: RegionId::from_db(r.try_get("id")?),
        parent_id: r
            .try_get::<Option<String>, _>("parent_id")?
            .map(RegionId::from_db),
        level: RegionLevel::parse(&level)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown region level {level}").into()))?,
        name: r.try_get("name")?,
        kind_label: r.try_get("kind_label")?,
        children: r.try_get("children")?,
    })
}

fn plan_from_row(r: &AnyRow) -> sqlx::Result<PlanRow> {
    let text: String = r.try_get("plan_toml")?;
    Ok(PlanRow {
        id: PlanId::from_db(r.try_get("id")?),
        code: r.try_get("code")?,
        plan: Plan::parse(&text).map_err(|e| sqlx::Error::Decode(e.into()))?,
    })
}

/// Escapes `%`, `_` and `\` so a search term matches literally inside `like … escape '\'`.
/// Lower-cased, to match `lower(column)`: case-insensitive alike on SQLite and PostgreSQL.
pub(crate) fn like_pattern(q: &str) -> String {
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    pub async fn list_organisations(&self, f: &OrgFilter) -> sqlx::Result<(Vec<OrgRow>, i64)> {
        let kind = f.kind.map(|k| k.as_str());
        // A village searched for as the platform shows it, 南面村(谢岗镇), is found by its name.
        let pattern =
            f.q.as_deref()
                .map(|q| like_pattern(&crate::domain::org::PlaceName::parse(q).name));
        const WHERE: &str = " where ($1 is null or o.kind = $1) and ($2 is null or lower(o.name) like $2 escape '\\')";
        let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from organisations o{WHERE}"
        )))
        .bind(kind)
        .bind(pattern.as_deref())
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ORG_COLUMNS} from organisations o join regions r on r.id = o.region_id{WHERE}
             order by case o.kind when 'bureau' then 0 when 'hq' then 1 when 'university' then 2
                 when 'vocational_school' then 3 when 'town' then 4 else 5 end, o.name
             limit $3 offset $4"
        )))
        .bind(kind)
        .bind(pattern.as_deref())
        .bind(f.limit)
        .bind(f.offset)
        .fetch_all(&self.pool)
        .await?;
        Ok((
            rows.iter().map(org_from_row).collect::<sqlx::Result<_>>()?,
            total,
        ))
    }

    /// An organisation by name; a village may be written `name(town)` where names repeat.
    pub async fn find_organisation_by_name(&self, name: &str) -> sqlx::Result<OrgLookup> {
        let mut conn = self.pool.acquire().await?;
        lookup_org(&mut conn, name).await
    }

    pub async fn get_organisation(&self, id: &OrgId) -> sqlx::Result<Option<OrgRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ORG_COLUMNS} from organisations o join regions r on r.id = o.region_id where o.id = $1"
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    /// The children of a region (the roots when `parent` is `None`), each with its number of children.
    pub async fn list_regions(&self, parent: Option<&RegionId>) -> sqlx::Result<Vec<RegionRow>> {
        let rows = sqlx::query(
            "select r.id, r.parent_id, r.level, r.name, r.kind_label,
                    (select count(*) from regions c where c.parent_id = r.id) as children
             from regions r
             where (r.parent_id = $1) or ($1 is null and r.parent_id is null)
             order by r.name",
        )
        .bind(parent.map(|p| p.as_str()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(region_from_row).collect()
    }

    /// A region and its ancestors, root first (for breadcrumbs).
    pub async fn region_path(&self, id: &RegionId) -> sqlx::Result<Vec<RegionRow>> {
        let mut path = Vec::new();
        let mut next = Some(id.clone());
        // The tree is at most five levels deep; the loop bound guards against a cycle in bad data.
        for _ in 0..8 {
            let Some(current) = next.take() else { break };
            let row = sqlx::query(
                "select r.id, r.parent_id, r.level, r.name, r.kind_label,
                        (select count(*) from regions c where c.parent_id = r.id) as children
                 from regions r where r.id = $1",
            )
            .bind(current.as_str())
            .fetch_optional(&self.pool)
            .await?;
            let Some(row) = row else { break };
            let region = region_from_row(&row)?;
            next = region.parent_id.clone();
            path.push(region);
        }
        path.reverse();
        Ok(path)
    }

    /// Organisations tied to the given regions (towns and villages), for the region page.
    pub async fn organisations_in_region(&self, region: &RegionId) -> sqlx::Result<Vec<OrgRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ORG_COLUMNS} from organisations o join regions r on r.id = o.region_id
             where o.region_id = $1 or r.parent_id = $1 order by o.name"
        )))
        .bind(region.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(org_from_row).collect()
    }

    /// A plan by id: a group is judged by the plan it belongs to, not by the newest one.
    pub async fn get_plan(&self, id: &PlanId) -> sqlx::Result<Option<PlanRow>> {
        let row = sqlx::query("select id, code, plan_toml from plans where id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(plan_from_row).transpose()
    }

    pub async fn current_plan(&self) -> sqlx::Result<Option<PlanRow>> {
        let row = sqlx::query(
            "select id, code, plan_toml from plans order by created_at desc, code limit 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(plan_from_row).transpose()
    }

    pub async fn current_plan_id(&self) -> sqlx::Result<Option<PlanId>> {
        let row = sqlx::query("select id from plans order by created_at desc, code limit 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get::<String, _>("id").map(PlanId::from_db))
            .transpose()
    }

    pub async fn has_any_plan(&self) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query("select count(*) as n from plans")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(n > 0)
    }
}

/// Finds a region by parent and name, creating it when missing.
pub(crate) async fn ensure_region(
    conn: &mut AnyConnection,
    parent: Option<&RegionId>,
    level: RegionLevel,
    name: &str,
    kind_label: &str,
) -> sqlx::Result<(RegionId, bool)> {
    let existing = sqlx::query("select id from regions where name = $1 and ((parent_id is null and $2 is null) or parent_id = $2)")
        .bind(name)
        .bind(parent.map(|p| p.as_str()))
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(r) = existing {
        return Ok((RegionId::from_db(r.try_get("id")?), false));
    }
    let id = RegionId::new();
    sqlx::query(
        "insert into regions (id, parent_id, level, name, kind_label) values ($1, $2, $3, $4, $5)",
    )
    .bind(id.as_str())
    .bind(parent.map(|p| p.as_str()))
    .bind(level.as_str())
    .bind(name)
    .bind(kind_label)
    .execute(&mut *conn)
    .await?;
    Ok((id, true))
}

/// What a name found among the organisations.
#[derive(Debug, Clone)]
pub enum OrgLookup {
    Found(OrgRow),
    Missing,
    /// Several organisations carry this name (in different regions).
    Ambiguous,
}

impl OrgLookup {
    pub fn found(self) -> Option<OrgRow> {
        match self {
            OrgLookup::Found(o) => Some(o),
            _ => None,
        }
    }
}

pub(crate) async fn lookup_org(conn: &mut AnyConnection, name: &str) -> sqlx::Result<OrgLookup> {
    let place = crate::domain::org::PlaceName::parse(name);
    let found = lookup_place(conn, &place.name, place.town.as_deref()).await?;
    // An organisation whose own name ends in brackets (a school's campus) is found as written.
    if matches!(found, OrgLookup::Missing) && place.town.is_some() {
        return lookup_place(conn, name.trim(), None).await;
    }
    Ok(found)
}

async fn lookup_place(
    conn: &mut AnyConnection,
    plain: &str,
    parent: Option<&str>,
) -> sqlx::Result<OrgLookup> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {ORG_COLUMNS} from organisations o join regions r on r.id = o.region_id
         left join regions p on p.id = r.parent_id
         where o.name = $1 and ($2 is null or p.name = $2) limit 2"
    )))
    .bind(plain)
    .bind(parent)
    .fetch_all(conn)
    .await?;
    Ok(match rows.len() {
        0 => OrgLookup::Missing,
        1 => OrgLookup::Found(org_from_row(&rows[0])?),
        _ => OrgLookup::Ambiguous,
    })
}

pub(crate) async fn insert_org(
    conn: &mut AnyConnection,
    kind: OrgKind,
    name: &str,
    region: &RegionId,
    medical_focus: bool,
    now_ms: i64,
) -> sqlx::Result<OrgId> {
    let id = OrgId::new();
    sqlx::query("insert into organisations (id, kind, name, region_id, medical_focus, created_at) values ($1, $2, $3, $4, $5, $6)")
        .bind(id.as_str())
        .bind(kind.as_str())
        .bind(name)
        .bind(region.as_str())
        .bind(i64::from(medical_focus))
        .bind(now_ms)
        .execute(conn)
        .await?;
    Ok(id)
}
