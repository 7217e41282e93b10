//! A group's own card (结对组卡片): one group's verdicts for a year with what it still has to do,
//! for the group page and the workbench of school, town and village users. Nothing is judged
//! here: the verdicts are the one evaluator's (`compliance::year_checks` / `checks_of_group`),
//! the lines to do are `domain::next_steps`'.

use super::compliance::GroupChecks;
use crate::domain::evaluator::GroupVerdicts;
use crate::domain::ids::GroupId;
use crate::domain::next_steps::{NextStep, steps};
use crate::domain::plan::Plan;
use crate::domain::rules::OnsiteProgress;
use std::sync::Arc;

pub struct GroupCard {
    pub group_id: GroupId,
    pub number: i64,
    pub lead_town: String,
    pub plan: Arc<Plan>,
    pub verdicts: GroupVerdicts,
    pub onsite: OnsiteProgress,
    /// What is left to do this year (or what fell short, for a year gone by).
    pub steps: Vec<NextStep>,
}

/// The card of a group already judged (`lead_town` from its row).
pub fn group_card(checks: &GroupChecks, lead_town: &str) -> GroupCard {
    GroupCard {
        group_id: checks.facts.id.clone(),
        number: checks.facts.number,
        lead_town: lead_town.to_string(),
        plan: checks.plan.clone(),
        onsite: checks.verdicts.onsite,
        steps: steps(&checks.plan, &checks.facts, &checks.verdicts),
        verdicts: checks.verdicts.clone(),
    }
}
