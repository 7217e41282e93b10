//! Loading a plan and importing its pairing table: one transaction, all or nothing.

use super::Store;
use super::audit::{self, Actor, AuditEntry};
use super::orgs::{OrgLookup, OrgRow, PlanRow, ensure_region, insert_org, lookup_org};
use crate::domain::ids::{GroupId, MembershipId, OrgId, PlanId, RegionId};
use crate::domain::org::{MemberRole, OrgKind};
use crate::domain::pairing::{PairingRow, read_pairing_rows};
use crate::domain::plan::Plan;
use crate::domain::region::{RegionLevel, village_kind_of};
use crate::domain::sheet::RowError;
use serde_json::json;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub groups: usize,
    pub memberships: usize,
    pub organisations_created: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PairingImportError {
    #[error("结对表有 {} 处错误", .0.len())]
    Rows(Vec<RowError>),
    #[error("尚未加载行动方案")]
    NoPlan,
    /// Another import wrote the same group numbers at the same moment.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl Store {
    /// First start: the plan, its region root, the bureau, HQ and schools, then its pairing table.
    pub async fn load_preset(
        &self,
        plan_text: &str,
        pairing_rows: &[Vec<String>],
        actor: &Actor,
        now_ms: i64,
    ) -> anyhow::Result<ImportSummary> {
        let plan = Plan::parse(plan_text).map_err(anyhow::Error::msg)?;
        let mut tx = self.begin_write().await?;
        let plan_id = PlanId::new();
        sqlx::query("insert into plans (id, code, name, doc_no, issued_on, plan_toml, created_at) values ($1, $2, $3, $4, $5, $6, $7)")
            .bind(plan_id.as_str())
            .bind(&plan.code)
            .bind(&plan.name)
            .bind(&plan.doc_no)
            .bind(plan.issued_on.to_string())
            .bind(plan_text)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "plan.load",
                entity: "plan",
                entity_id: Some(plan_id.as_str()),
                before: None,
                after: Some(
                    json!({ "code": plan.code, "doc_no": plan.doc_no, "rules": plan.rules }),
                ),
            },
        )
        .await?;
        let city = city_region(&mut tx, &plan).await?;
        let o = &plan.organisations;
        let fixed = [(OrgKind::Bureau, &o.bureau), (OrgKind::Hq, &o.hq)];
        let schools = o
            .universities
            .iter()
            .map(|n| (OrgKind::University, n))
            .chain(
                o.vocational_schools
                    .iter()
                    .map(|n| (OrgKind::VocationalSchool, n)),
            );
        for (kind, name) in fixed.into_iter().chain(schools) {
            let medical = o.medical_focused.contains(name);
            create_org(&mut tx, actor, now_ms, kind, name, &city, medical).await?;
        }
        let plan_row = PlanRow {
            id: plan_id,
            code: plan.code.clone(),
            plan,
        };
        let summary = match import_in(&mut tx, &plan_row, pairing_rows, actor, now_ms).await {
            Ok(s) => s,
            Err(PairingImportError::Rows(errors)) => {
                let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                anyhow::bail!("预置结对表有误：\n{}", lines.join("\n"));
            }
            Err(e) => return Err(e.into()),
        };
        tx.commit().await?;
        Ok(summary)
    }

    /// Imports a pairing table into the current plan. Any problem leaves the database as it was.
    pub async fn import_pairings(
        &self,
        rows: &[Vec<String>],
        actor: &Actor,
        now_ms: i64,
    ) -> Result<ImportSummary, PairingImportError> {
        let plan = self
            .current_plan()
            .await?
            .ok_or(PairingImportError::NoPlan)?;
        let result = async {
            let mut tx = self.begin_write().await?;
            let summary = import_in(&mut tx, &plan, rows, actor, now_ms).await?;
            tx.commit().await?;
            Ok(summary)
        }
        .await;
        match result {
            // Another import wrote the same group numbers or places at the same moment.
            Err(PairingImportError::Db(e))
                if [
                    (
                        "pairing_groups_plan_number_key",
                        "pairing_groups.plan_id, pairing_groups.number",
                    ),
                    (
                        "organisations_region_name_key",
                        "organisations.region_id, organisations.name",
                    ),
                    ("regions_parent_name_key", "regions.parent_id, regions.name"),
                ]
                .iter()
                .any(|(name, cols)| super::violates_unique(&e, name, cols)) =>
            {
                Err(PairingImportError::Conflict(
                    "另一次导入同时写入了相同的结对组或单位，本次未写入任何数据，请刷新后重新导入"
                        .into(),
                ))
            }
            other => other,
        }
    }
}

async fn city_region(conn: &mut AnyConnection, plan: &Plan) -> sqlx::Result<RegionId> {
    let (province, _) = ensure_region(
        conn,
        None,
        RegionLevel::Province,
        &plan.region.province,
        "省",
    )
    .await?;
    let (city, _) = ensure_region(
        conn,
        Some(&province),
        RegionLevel::City,
        &plan.region.city,
        "地级市",
    )
    .await?;
    Ok(city)
}

async fn create_org(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    kind: OrgKind,
    name: &str,
    region: &RegionId,
    medical: bool,
) -> sqlx::Result<OrgId> {
    let id = insert_org(conn, kind, name, region, medical, now_ms).await?;
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "organisation.create",
            entity: "organisation",
            entity_id: Some(id.as_str()),
            before: None,
            after: Some(json!({ "kind": kind.as_str(), "name": name, "region_id": region.as_str(), "medical_focus": medical })),
        },
    )
    .await?;
    Ok(id)
}

/// Checks every row against the database, collecting every problem; writes only when there are none.
async fn import_in(
    conn: &mut AnyConnection,
    plan: &PlanRow,
    rows: &[Vec<String>],
    actor: &Actor,
    now_ms: i64,
) -> Result<ImportSummary, PairingImportError> {
    // Every problem at once: those of the cells and those the database finds (an unknown
    // school, a number already used), row by row.
    let (parsed, mut errors) = read_pairing_rows(rows);
    let mut resolved = Vec::new();
    for row in &parsed {
        match resolve_row(conn, plan, row).await? {
            Ok(r) => resolved.push(r),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(PairingImportError::Rows(errors));
    }

    let city = city_region(conn, &plan.plan).await?;
    let mut summary = ImportSummary::default();
    let started_on = plan.plan.group_start.to_string();
    for (row, schools) in parsed.iter().zip(resolved) {
        let lead_town = ensure_town(
            conn,
            actor,
            now_ms,
            &city,
            &row.lead_town,
            &row.town_kind,
            &mut summary,
        )
        .await?;
        let mut members: Vec<(OrgId, MemberRole, String)> =
            vec![(lead_town.clone(), MemberRole::Town, row.lead_town.clone())];
        for v in &row.villages {
            let kind = crate::domain::region::town_kind_of(&v.town).unwrap_or("镇");
            let town = ensure_town(conn, actor, now_ms, &city, &v.town, kind, &mut summary).await?;
            let town_region = region_of(conn, &town).await?;
            let (village_region, _) = ensure_region(
                conn,
                Some(&town_region),
                RegionLevel::Village,
                &v.name,
                village_kind_of(&v.name),
            )
            .await?;
            let village = match lookup_org(conn, &format!("{}({})", v.name, v.town)).await? {
                OrgLookup::Found(o) => o.id,
                _ => {
                    summary.organisations_created += 1;
                    create_org(
                        conn,
                        actor,
                        now_ms,
                        OrgKind::Village,
                        &v.name,
                        &village_region,
                        false,
                    )
                    .await?
                }
            };
            members.push((village, MemberRole::Village, v.name.clone()));
        }
        for s in schools {
            let role = if s.kind == OrgKind::University {
                MemberRole::University
            } else {
                MemberRole::VocationalSchool
            };
            members.push((s.id, role, s.name));
        }

        let group_id = GroupId::new();
        sqlx::query(
            "insert into pairing_groups (id, plan_id, number, lead_town_id, started_on, ended_on, created_at)
             values ($1, $2, $3, $4, $5, null, $6)",
        )
        .bind(group_id.as_str())
        .bind(plan.id.as_str())
        .bind(row.number)
        .bind(lead_town.as_str())
        .bind(&started_on)
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
        for (position, (org, role, _)) in members.iter().enumerate() {
            sqlx::query(
                "insert into group_memberships (id, group_id, org_id, role, effective_from, effective_to, position, created_at)
                 values ($1, $2, $3, $4, $5, null, $6, $7)",
            )
            .bind(MembershipId::new().as_str())
            .bind(group_id.as_str())
            .bind(org.as_str())
            .bind(role.as_str())
            .bind(&started_on)
            .bind(position as i64)
            .bind(now_ms)
            .execute(&mut *conn)
            .await?;
        }
        summary.groups += 1;
        summary.memberships += members.len();
        let member_json: Vec<_> = members
            .iter()
            .map(|(id, role, name)| json!({ "org_id": id.as_str(), "name": name, "role": role.as_str() }))
            .collect();
        audit::append(
            conn,
            actor,
            now_ms,
            AuditEntry {
                action: "group.create",
                entity: "group",
                entity_id: Some(group_id.as_str()),
                before: None,
                after: Some(json!({
                    "plan": plan.code, "number": row.number, "started_on": started_on, "members": member_json,
                })),
            },
        )
        .await?;
    }
    Ok(summary)
}

/// The row's schools, looked up; or every problem with them and with its group number.
async fn resolve_row(
    conn: &mut AnyConnection,
    plan: &PlanRow,
    row: &PairingRow,
) -> sqlx::Result<Result<Vec<OrgRow>, Vec<RowError>>> {
    let mut errors = Vec::new();
    // A number that could not be read (0) was reported with the row's cells.
    if row.number >= 1 {
        let exists: i64 = sqlx::query(
            "select count(*) as n from pairing_groups where plan_id = $1 and number = $2",
        )
        .bind(plan.id.as_str())
        .bind(row.number)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        if exists > 0 {
            errors.push(RowError::new(
                row.row,
                "序号",
                format!("结对组编号 {} 在方案中已存在", row.number),
            ));
        }
    }
    let mut schools = Vec::new();
    let wanted = std::iter::once(("在莞高校", OrgKind::University, &row.university)).chain(
        row.vocational_schools
            .iter()
            .map(|s| ("中职学校", OrgKind::VocationalSchool, s)),
    );
    for (column, kind, name) in wanted.filter(|(_, _, n)| !n.is_empty()) {
        match lookup_org(conn, name).await? {
            OrgLookup::Found(org) if org.kind == kind => schools.push(org),
            OrgLookup::Found(org) => errors.push(RowError::new(
                row.row,
                column,
                format!("“{name}”是{}，不能填在{}列", org.kind.label(), kind.label()),
            )),
            OrgLookup::Missing | OrgLookup::Ambiguous => errors.push(RowError::new(
                row.row,
                column,
                format!("未知学校“{name}”：请先在单位名录中登记"),
            )),
        }
    }
    for (column, name) in std::iter::once(("镇(街道)", &row.lead_town))
        .chain(row.villages.iter().map(|v| ("村(社区)", &v.town)))
        .filter(|(_, n)| !n.is_empty())
    {
        if let OrgLookup::Found(org) = lookup_org(conn, name).await?
            && org.kind != OrgKind::Town
        {
            errors.push(RowError::new(
                row.row,
                column,
                format!("“{name}”已登记为{}，不是镇(街道)", org.kind.label()),
            ));
        }
    }
    Ok(if errors.is_empty() && row.valid {
        Ok(schools)
    } else {
        Err(errors)
    })
}

async fn region_of(conn: &mut AnyConnection, org: &OrgId) -> sqlx::Result<RegionId> {
    let row = sqlx::query("select region_id from organisations where id = $1")
        .bind(org.as_str())
        .fetch_one(conn)
        .await?;
    Ok(RegionId::from_db(row.try_get("region_id")?))
}

/// The town organisation of this name, created with its region under the city when missing.
async fn ensure_town(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    city: &RegionId,
    name: &str,
    kind_label: &str,
    summary: &mut ImportSummary,
) -> sqlx::Result<OrgId> {
    let (region, _) = ensure_region(conn, Some(city), RegionLevel::Town, name, kind_label).await?;
    let existing = sqlx::query(
        "select id from organisations where region_id = $1 and name = $2 and kind = 'town'",
    )
    .bind(region.as_str())
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(r) = existing {
        return Ok(OrgId::from_db(r.try_get("id")?));
    }
    summary.organisations_created += 1;
    create_org(conn, actor, now_ms, OrgKind::Town, name, &region, false).await
}
