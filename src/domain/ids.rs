//! Typed ids: a `GroupId` can never be passed where an `OrgId` is meant.
//! Ids are UUIDs made by the application and stored as text.

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }
            /// Accepts only a well-formed UUID, so a path segment cannot smuggle anything else.
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s).ok().map(|u| Self(u.to_string()))
            }
            /// For values read back from our own database.
            pub fn from_db(s: String) -> Self {
                Self(s)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

id_type!(
    OrgId,
    RegionId,
    PlanId,
    GroupId,
    MembershipId,
    AdjustmentId,
    UserId,
    AuditId,
    AttachmentId,
    AgreementId,
    TeamMemberId,
    HistoryImportId,
    OnsiteEntryId,
    BaseId,
    MatterId,
    ExpenseId,
    CoordinatorId,
    WorkPlanId,
    MeetingId,
    DecisionId,
    AnnualPlanId,
    PlanItemId,
    ProjectId,
    ProjectUpdateId,
    MonthlyReportId,
    NotificationId,
    WebhookId,
    DeliveryId,
    UnlockRequestId,
    CaseId,
    CommendationId,
);

/// The kind of record an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttachmentOwner {
    /// A scan of the tripartite (or a supplementary) agreement.
    Agreement,
    /// A photo of a practice base.
    Base,
    /// A file of the group's service work plan (四(二)).
    WorkPlan,
    /// A joint meeting's papers (minutes, sign-in sheet, photos).
    Meeting,
    /// A document or photo of a cooperation project.
    Project,
    /// An image of a typical case or news item's body (public while the item is published).
    Case,
}

impl AttachmentOwner {
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentOwner::Agreement => "agreement",
            AttachmentOwner::Base => "base",
            AttachmentOwner::WorkPlan => "work_plan",
            AttachmentOwner::Meeting => "meeting",
            AttachmentOwner::Project => "project",
            AttachmentOwner::Case => "case",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            AttachmentOwner::Agreement,
            AttachmentOwner::Base,
            AttachmentOwner::WorkPlan,
            AttachmentOwner::Meeting,
            AttachmentOwner::Project,
            AttachmentOwner::Case,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_only_uuids() {
        let id = GroupId::new();
        assert_eq!(GroupId::parse(id.as_str()), Some(id));
        assert_eq!(GroupId::parse("1 or 1=1"), None);
        assert_eq!(GroupId::parse(""), None);
    }
}
