//! SLA policies (docs/routing.md#sla-policies) and the organization's schedule (its
//! time zone and holidays).

use async_graphql::{Context, InputObject, Object, ID};

use super::guards::Allow;
use super::types::{DateTime, Department};
use super::{ContextExt as _, GqlResult};
use crate::domain::Priority;
use crate::store::{SlaPolicyRow, SlaWrite};

pub struct SlaPolicy(pub SlaPolicyRow);

/// Targets for the conversations of a department and/or a priority (neither: all of
/// them). The most specific policy that fits a conversation applies: department and
/// priority, then department, then priority, then neither (the oldest on a tie).
#[Object]
impl SlaPolicy {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Null: every department (and conversations without one).
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        let Some(d) = &self.0.department_id else { return Ok(None) };
        Ok(ctx.app().store.department(&self.0.org_id, d).await.ok().map(Department))
    }
    /// Null: every priority.
    async fn priority(&self) -> Option<Priority> {
        self.0.priority.map(Priority::from_rank)
    }
    /// The first public agent reply is due this long after the conversation starts waiting.
    async fn first_response_seconds(&self) -> Option<i32> {
        self.0.first_response_seconds.map(|s| s as i32)
    }
    /// Each later visitor message the team has not answered yet (after the first
    /// response) is due a reply this long after it.
    async fn next_response_seconds(&self) -> Option<i32> {
        self.0.next_response_seconds.map(|s| s as i32)
    }
    /// The conversation is due to be resolved this long after it starts waiting.
    async fn resolution_seconds(&self) -> Option<i32> {
        self.0.resolution_seconds.map(|s| s as i32)
    }
    /// Counted in the website's business hours (around the clock when it has none).
    async fn business_hours(&self) -> bool {
        self.0.business_hours
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

#[derive(InputObject)]
pub struct SlaPolicyInput {
    /// 1 to 100 characters.
    pub name: String,
    pub department_id: Option<ID>,
    pub priority: Option<Priority>,
    /// 60 seconds to 30 days; at least one of the three targets.
    pub first_response_seconds: Option<i32>,
    /// 60 seconds to 30 days.
    pub next_response_seconds: Option<i32>,
    /// 60 seconds to 30 days.
    pub resolution_seconds: Option<i32>,
    /// Count only the website's business hours (default true).
    pub business_hours: Option<bool>,
}

impl SlaPolicyInput {
    fn write(&self) -> SlaWrite<'_> {
        SlaWrite {
            name: &self.name,
            department_id: self.department_id.as_ref().map(|d| d.as_str()),
            priority: self.priority.map(Priority::rank),
            first_response_seconds: self.first_response_seconds.map(i64::from),
            next_response_seconds: self.next_response_seconds.map(i64::from),
            resolution_seconds: self.resolution_seconds.map(i64::from),
            business_hours: self.business_hours.unwrap_or(true),
        }
    }
}

#[derive(Default)]
pub struct SlaQuery;

#[Object]
impl SlaQuery {
    #[graphql(guard = "Allow::Agents")]
    async fn sla_policies(&self, ctx: &Context<'_>) -> GqlResult<Vec<SlaPolicy>> {
        Ok(ctx.app().sla_policies(ctx.viewer()?).await?.into_iter().map(SlaPolicy).collect())
    }
}

#[derive(Default)]
pub struct SlaMutation;

#[Object]
impl SlaMutation {
    /// At most 20 per organization. Applies to conversations that start waiting from now
    /// on (and to those whose priority or department changes).
    #[graphql(guard = "Allow::Admins")]
    async fn create_sla_policy(&self, ctx: &Context<'_>, input: SlaPolicyInput) -> GqlResult<SlaPolicy> {
        Ok(SlaPolicy(ctx.app().create_sla_policy(ctx.viewer()?, input.write()).await?))
    }

    #[graphql(guard = "Allow::Admins")]
    async fn update_sla_policy(&self, ctx: &Context<'_>, id: ID, input: SlaPolicyInput) -> GqlResult<SlaPolicy> {
        Ok(SlaPolicy(ctx.app().update_sla_policy(ctx.viewer()?, &id, input.write()).await?))
    }

    /// Conversations keep the due times they were given.
    #[graphql(guard = "Allow::Admins")]
    async fn delete_sla_policy(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        ctx.app().delete_sla_policy(ctx.viewer()?, &id).await?;
        Ok(true)
    }
}

/// A date the organization's websites are closed all day (in each website's time zone).
#[derive(async_graphql::SimpleObject, InputObject, Clone)]
#[graphql(name = "Holiday", input_name = "HolidayInput")]
pub struct HolidayGql {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// 1 to 100 characters.
    pub name: String,
}

/// The organization's schedule: its time zone and holiday calendar. Websites' business
/// hours (widget, routing rules, SLA due times) are closed on its holidays.
#[derive(async_graphql::SimpleObject)]
pub struct OrganizationSchedule {
    /// IANA time zone (`Europe/Oslo`): the organization's own, for reports and as the
    /// default for new business hours.
    pub time_zone: String,
    /// Sorted by date.
    pub holidays: Vec<HolidayGql>,
}

impl From<crate::store::ScheduleRow> for OrganizationSchedule {
    fn from(r: crate::store::ScheduleRow) -> Self {
        let holidays = crate::app::holidays_of(&r).into_iter().map(|h| HolidayGql { date: h.date, name: h.name }).collect();
        OrganizationSchedule { time_zone: r.time_zone, holidays }
    }
}

#[derive(Default)]
pub struct ScheduleQuery;

#[Object]
impl ScheduleQuery {
    #[graphql(guard = "Allow::Agents")]
    async fn organization_schedule(&self, ctx: &Context<'_>) -> GqlResult<OrganizationSchedule> {
        Ok(ctx.app().schedule(ctx.viewer()?).await?.into())
    }
}

#[derive(Default)]
pub struct ScheduleMutation;

#[Object]
impl ScheduleMutation {
    /// Replaces the time zone and the holidays (at most 100; one per date, the last
    /// name given wins). Owners and admins.
    #[graphql(guard = "Allow::Admins")]
    async fn update_organization_schedule(&self, ctx: &Context<'_>, time_zone: String, holidays: Vec<HolidayGql>) -> GqlResult<OrganizationSchedule> {
        let list = holidays.into_iter().map(|h| crate::app::Holiday { date: h.date, name: h.name }).collect();
        Ok(ctx.app().set_schedule(ctx.viewer()?, &time_zone, list).await?.into())
    }
}
