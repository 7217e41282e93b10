//! The view of a group's card (`templates/partials/group_card.html`): each rule's clause, short
//! title and status (icon and text, never colour alone), and the lines of what to do next,
//! each linking to the records of its rule. Also the status icons other pages share.

use crate::domain::rules::RuleId;
use crate::services::cards::GroupCard;

/// The tab of the group's workspace holding a rule's records ("" for the overview).
pub fn rule_tab(rule: RuleId) -> &'static str {
    match rule {
        RuleId::Agreement => "/agreement",
        RuleId::TeamSize | RuleId::TeamCaptain | RuleId::TeamVice | RuleId::TeamTitle => "/team",
        RuleId::Onsite => "/onsite",
        RuleId::Base => "/bases",
        RuleId::Meetings => "/meetings",
        RuleId::AnnualPlan => "/annual-plan",
        RuleId::Escalation => "/matters",
        RuleId::Publicity => "/projects",
        _ => "",
    }
}

pub struct CardRule {
    pub id: &'static str,
    pub clause: String,
    pub short: &'static str,
    /// The plan's wording of the rule.
    pub title: String,
    pub status: &'static str,
    pub label: &'static str,
    pub icon: &'static str,
    pub reason: String,
    pub href: String,
}

pub struct CardStep {
    pub rule: &'static str,
    pub text: String,
    pub href: String,
}

pub struct GroupCardView {
    pub id: String,
    pub number: i64,
    pub lead_town: String,
    pub year: i16,
    pub as_of: String,
    pub worst_status: &'static str,
    pub worst_label: &'static str,
    pub worst_icon: &'static str,
    pub onsite_days: u32,
    pub onsite_required: u32,
    pub rules: Vec<CardRule>,
    pub steps: Vec<CardStep>,
    /// Whether the card links to the group's page (not on the group page itself).
    pub link_group: bool,
}

impl GroupCardView {
    pub fn new(card: &GroupCard, link_group: bool) -> Self {
        let id = card.group_id.to_string();
        let year = card.verdicts.period.year;
        let href = |r: RuleId| format!("/groups/{id}{}?year={year}", rule_tab(r));
        let worst = card.verdicts.worst();
        Self {
            rules: card
                .verdicts
                .verdicts
                .iter()
                .map(|v| CardRule {
                    id: v.rule.as_str(),
                    clause: card.plan.rule_clause(v.rule).to_string(),
                    short: v.rule.short_name(),
                    title: card.plan.rule_title(v.rule),
                    status: v.status.as_str(),
                    label: v.status.label(),
                    icon: v.status.icon(),
                    reason: v.reason.clone(),
                    href: href(v.rule),
                })
                .collect(),
            steps: card
                .steps
                .iter()
                .map(|s| CardStep {
                    rule: s.rule.as_str(),
                    text: s.text.clone(),
                    href: href(s.rule),
                })
                .collect(),
            number: card.number,
            lead_town: card.lead_town.clone(),
            year,
            as_of: card.verdicts.period.as_of.to_string(),
            worst_status: worst.as_str(),
            worst_label: worst.label(),
            worst_icon: worst.icon(),
            onsite_days: card.onsite.team_days,
            onsite_required: card.onsite.required,
            link_group,
            id,
        }
    }
}
