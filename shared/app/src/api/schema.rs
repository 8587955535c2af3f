//! The API's response and request shapes, typed so that the OpenAPI document (docs/openapi.json)
//! is generated from the same definitions the handlers serialize.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::desk::tickets::{Person, Ticket};

/// A person as Teledesk knows them (a Telegram user).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonView {
    /// Telegram user id.
    #[schema(example = 123456789)]
    pub user_id: i64,
    #[schema(example = "alice")]
    pub username: Option<String>,
    #[schema(example = "Alice Smith")]
    pub name: String,
    /// A customer's private chat with the bot.
    pub chat_id: Option<i64>,
}

impl From<&Person> for PersonView {
    fn from(p: &Person) -> Self {
        PersonView {
            user_id: p.user_id,
            username: p.username.clone(),
            name: p.name.clone(),
            chat_id: p.chat_id,
        }
    }
}

/// Messages of a ticket, by side.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MessageCounts {
    pub customer: i64,
    pub staff: i64,
}

/// A ticket: one forum topic in a desk group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketView {
    #[schema(example = "TICK-MFUVZYDY-35975E9E")]
    pub ticket_id: String,
    #[schema(example = "default")]
    pub workspace: String,
    #[schema(example = "7100001")]
    pub bot_id: String,
    #[schema(example = "Printer on fire", max_length = 128)]
    pub title: String,
    pub description: Option<String>,
    /// `open`, `pending` (waiting for the customer) or `closed`.
    #[schema(example = "open", pattern = "^(open|pending|closed)$")]
    pub status: String,
    #[schema(example = "normal", pattern = "^(low|normal|high|urgent)$")]
    pub priority: String,
    /// The group holding the ticket's topic.
    #[schema(example = -1001234567890_i64)]
    pub chat_id: i64,
    /// The ticket's forum topic.
    pub thread_id: Option<i32>,
    pub created_by: PersonView,
    pub customer: Option<PersonView>,
    /// The customer's previous ticket.
    pub previous_ticket_id: Option<String>,
    /// The internal user responsible (Telegram user id).
    pub assignee: Option<i64>,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// Seconds since the epoch.
    pub updated_at: i64,
    /// Seconds since the epoch.
    pub closed_at: Option<i64>,
    /// Only on `GET /api/v1/tickets/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_counts: Option<MessageCounts>,
    /// Seconds since the epoch of the newest message; only on `GET /api/v1/tickets/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity_at: Option<Option<i64>>,
}

impl From<&Ticket> for TicketView {
    fn from(t: &Ticket) -> Self {
        TicketView {
            ticket_id: t.ticket_id.clone(),
            workspace: t.workspace.clone(),
            bot_id: t.bot_id.clone(),
            title: t.title.clone(),
            description: t.description.clone(),
            status: t.status.clone(),
            priority: t.priority.clone(),
            chat_id: t.chat_id,
            thread_id: t.thread_id,
            created_by: (&t.created_by).into(),
            customer: t.customer.as_ref().map(Into::into),
            previous_ticket_id: t.previous_ticket_id.clone(),
            assignee: t.assignee,
            created_at: t.created_at,
            updated_at: t.updated_at,
            closed_at: t.closed_at,
            message_counts: None,
            last_activity_at: None,
        }
    }
}

/// A page of tickets, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketList {
    pub data: Vec<TicketView>,
    pub has_more: bool,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A new ticket: a topic is created in the desk group and the description posted as its first
/// message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketCreate {
    #[schema(
        max_length = 128,
        min_length = 1,
        pattern = "\\S",
        example = "Printer on fire"
    )]
    pub title: String,
    #[schema(
        max_length = 3000,
        nullable = false,
        example = "Third floor, since 9:00"
    )]
    pub description: Option<String>,
    #[schema(pattern = "^(low|normal|high|urgent)$", nullable = false)]
    pub priority: Option<String>,
    /// The bot whose desk gets the ticket; needed only when the workspace has several bots.
    #[schema(nullable = false, example = "7100001")]
    pub bot_id: Option<String>,
    /// The group to open the topic in (default: the bot's desk).
    #[schema(nullable = false)]
    pub chat_id: Option<i64>,
}

/// Changes to a ticket; absent fields are left as they are.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketUpdate {
    #[schema(max_length = 128, min_length = 1, pattern = "\\S", nullable = false)]
    pub title: Option<String>,
    #[schema(pattern = "^(low|normal|high|urgent)$", nullable = false)]
    pub priority: Option<String>,
    #[schema(pattern = "^(open|pending|closed)$", nullable = false)]
    pub status: Option<String>,
    /// An internal user's Telegram user id, or null to unassign.
    pub assignee: Option<i64>,
}

/// A field-level error of a validation problem.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FieldErrorView {
    #[schema(example = "priority")]
    pub field: String,
    #[schema(example = "one of low, normal, high, urgent")]
    pub message: String,
}

/// An RFC 9457 problem (`application/problem+json`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProblemView {
    /// Stable: `https://teledesk.dev/problems/<kind>`.
    #[schema(example = "https://teledesk.dev/problems/not-found")]
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(example = "Not found")]
    pub title: String,
    #[schema(example = 404)]
    pub status: u16,
    #[schema(example = "no ticket TICK-MFUVZYDY-35975E9E")]
    pub detail: String,
    pub errors: Option<Vec<FieldErrorView>>,
}

/// `GET /healthz`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
    #[schema(example = "0.1.0")]
    pub version: String,
}
