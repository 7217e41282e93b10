//! 方案版本: the bureau loads a new version of the plan for a new year. The file is checked whole
//! by `Plan::check` (every problem named), the year it applies from is checked, and a version
//! that would change verdicts already shown (a year that has begun, or a year another version
//! already covers from) is stored only once the bureau confirms. Versions are only ever added.
//!
//! What a version changes: the verdicts of the years it is in force for (every number of the
//! rules, the report due day of those years' months, the rules' clauses and wording). The areas of
//! cooperation and their outcome figures stay those of the plan as first loaded (projects are
//! recorded against them), so a version must keep them unchanged.

use super::ServiceError;
use super::access::{self, Viewer};
use crate::domain::FieldErrors;
use crate::domain::ids::PlanId;
use crate::domain::plan::Plan;
use crate::domain::user::Role;
use crate::store::Store;
use crate::store::plan_versions::{NewPlanVersion, PlanVersionRow};
use crate::store::plans::PlanCache;
use jiff::civil::Date;

/// The largest plan file accepted (the Dongguan plan is about 10 KiB).
pub const MAX_PLAN_BYTES: usize = 256 * 1024;

/// The field names errors use (the form's labels).
pub const FILE_FIELD: &str = "方案文件";
pub const YEAR_FIELD: &str = "适用年度";

/// What the bureau asks to load.
pub struct LoadRequest<'a> {
    pub text: &'a [u8],
    /// The first year the version is in force, as typed.
    pub from_year: &'a str,
    /// The bureau has seen what the version replaces and confirms.
    pub confirmed: bool,
}

/// A checked version, not yet stored.
pub struct CheckedVersion {
    pub plan_id: PlanId,
    pub plan: Plan,
    pub text: String,
    pub from_year: i16,
    /// Why the bureau must confirm first (empty: nothing already shown changes).
    pub warnings: Vec<String>,
}

/// What loading did.
pub enum LoadOutcome {
    /// Stored as the plan's `seq`-th version.
    Loaded { seq: i64, from_year: i16 },
    /// Not stored: the bureau must confirm, having read the warnings.
    NeedsConfirmation(Box<CheckedVersion>),
}

/// The plan's versions (any business user may read them, as they read the plan).
pub async fn list_versions(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
) -> Result<Vec<PlanVersionRow>, ServiceError> {
    access::require_business(viewer)?;
    let Some((id, _)) = plans.current(store).await? else {
        return Err(ServiceError::NotFound);
    };
    Ok(store.plan_versions(&id).await?)
}

/// Checks a version without storing it: the file, the year, and what it would replace.
pub async fn check_version(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    req: &LoadRequest<'_>,
    today: Date,
) -> Result<CheckedVersion, ServiceError> {
    viewer.require(&[Role::Bureau])?;
    let (plan_id, original) = plans.current(store).await?.ok_or(ServiceError::NotFound)?;
    let mut errors = FieldErrors::default();
    let from_year = parse_year(req.from_year, &original, &mut errors);
    let parsed = if req.text.is_empty() {
        errors.push(FILE_FIELD, "请选择方案文件（.toml）");
        None
    } else if req.text.len() > MAX_PLAN_BYTES {
        errors.push(
            FILE_FIELD,
            format!(
                "方案文件不能超过 {} KiB（现为 {} KiB）",
                MAX_PLAN_BYTES / 1024,
                req.text.len().div_ceil(1024)
            ),
        );
        None
    } else {
        match std::str::from_utf8(req.text) {
            Err(_) => {
                errors.push(FILE_FIELD, "方案文件应为 UTF-8 编码的 TOML 文本");
                None
            }
            Ok(text) => match Plan::check(text) {
                Err(problems) => {
                    for p in problems {
                        errors.push(FILE_FIELD, p);
                    }
                    None
                }
                Ok(plan) if plan.areas != original.areas => {
                    errors.push(
                        FILE_FIELD,
                        "方案文件 areas：合作领域及成果指标须与原方案一致（合作项目按原方案的领域和指标记录）",
                    );
                    None
                }
                Ok(plan) => Some((plan, text.to_string())),
            },
        }
    };
    let (Some(from_year), Some((plan, text))) = (from_year, parsed) else {
        return Err(ServiceError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let versions = store.plan_versions(&plan_id).await?;
    let mut warnings = Vec::new();
    if let Some(same) = versions.iter().rev().find(|v| v.from_year == from_year) {
        warnings.push(format!(
            "{from_year} 年起已有第 {} 版（{}，{} 载入），新版本将取代它",
            same.seq,
            same.plan.doc_no,
            crate::clock::format_ms(same.loaded_at)
        ));
    }
    if from_year <= today.year() {
        warnings.push(format!(
            "{from_year} 年已经开始：{from_year} 年至今的判定和月报截止日将按新版本重新计算"
        ));
    }
    if let Some(later) = versions.iter().find(|v| v.from_year > from_year) {
        warnings.push(format!(
            "{} 年起仍按第 {} 版执行（新版本只适用到 {} 年）",
            later.from_year,
            later.seq,
            later.from_year - 1
        ));
    }
    Ok(CheckedVersion {
        plan_id,
        plan,
        text,
        from_year,
        warnings,
    })
}

fn parse_year(text: &str, original: &Plan, errors: &mut FieldErrors) -> Option<i16> {
    let text = text.trim();
    if text.is_empty() {
        errors.push(YEAR_FIELD, "请填写新版本从哪一年起适用");
        return None;
    }
    let first = original.group_start.year().max(2000);
    match text.parse::<i16>() {
        Ok(y) if (first..=2100).contains(&y) => Some(y),
        _ => {
            errors.push(
                YEAR_FIELD,
                format!("“{text}”不是有效的年度：应为 {first}–2100 之间的四位年份"),
            );
            None
        }
    }
}

/// Loads a version: checked, then stored (audited) unless it needs a confirmation not given.
pub async fn load_version(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    req: &LoadRequest<'_>,
    now_ms: i64,
    today: Date,
) -> Result<LoadOutcome, ServiceError> {
    let checked = check_version(store, plans, viewer, req, today).await?;
    if !checked.warnings.is_empty() && !req.confirmed {
        return Ok(LoadOutcome::NeedsConfirmation(Box::new(checked)));
    }
    let seq = store
        .add_plan_version(
            &viewer.actor(),
            now_ms,
            NewPlanVersion {
                plan_id: &checked.plan_id,
                from_year: checked.from_year,
                text: &checked.text,
                plan: &checked.plan,
            },
        )
        .await?;
    Ok(LoadOutcome::Loaded {
        seq,
        from_year: checked.from_year,
    })
}
