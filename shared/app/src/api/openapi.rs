//! The OpenAPI document, generated from the handlers' annotations and the schema types. It is
//! committed as docs/openapi.json (`teledesk openapi > docs/openapi.json`); a test fails when the
//! two drift. Served at `/api/v1/openapi.json` and rendered at `/docs`.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::schema::{
    FieldErrorView, Health, MessageCounts, PersonView, ProblemView, TicketCreate, TicketList,
    TicketUpdate, TicketView,
};
use super::{admin, catalog, messages, offers, requests, scenarios, tickets, webhooks};

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tdk_<id>_<secret>")
                    .description(Some(
                        "An API key from `teledesk api-keys create --scopes …`. Scopes: tickets:read, \
                         tickets:write, messages:read, messages:write, catalog:read, \
                         scenarios:read, scenarios:write, leads:read, leads:write, requests:read, \
                         requests:write, admin (all).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds the problems every authenticated operation can answer (401, 403, 429, 503) to each one, so
/// the annotations list only what is particular to an operation.
struct CommonProblems;

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        const COMMON: &[(&str, &str)] = &[
            (
                "401",
                "Missing, malformed, unknown, revoked or expired API key",
            ),
            ("403", "The key lacks the scope this operation needs"),
            ("429", "The key's rate limit is used up; see Retry-After"),
            ("503", "Storage or Telegram is unavailable; retry"),
        ];
        for item in openapi.paths.paths.values_mut() {
            if let Some(post) = item.post.as_mut()
                && post.security.as_ref().is_some_and(|s| !s.is_empty())
            {
                idempotency_key_header(post);
                // What the Idempotency-Key middleware answers on any POST.
                for (code, description) in [
                    (
                        "409",
                        "The first request with this Idempotency-Key is still running, or its answer is not replayed",
                    ),
                    (
                        "422",
                        "A field is not valid, or the Idempotency-Key was used with another request",
                    ),
                ] {
                    post.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| problem_response(description));
                }
            }
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                if op.security.as_ref().is_none_or(Vec::is_empty) {
                    continue;
                }
                for (code, description) in COMMON {
                    op.responses
                        .responses
                        .entry((*code).to_owned())
                        .or_insert_with(|| problem_response(description));
                }
            }
        }
    }
}

fn problem_response(
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::response::Response> {
    use utoipa::openapi::content::ContentBuilder;
    use utoipa::openapi::response::ResponseBuilder;
    use utoipa::openapi::schema::Ref;
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemView")))
                .build(),
        )
        .build()
        .into()
}

/// Every authenticated POST takes an `Idempotency-Key` (the middleware reads it on all of them),
/// described once, with the rule the middleware checks: 1–255 visible ASCII characters.
fn idempotency_key_header(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let params = op.parameters.get_or_insert_with(Vec::new);
    params.retain(|p| !(p.parameter_in == ParameterIn::Header && p.name == "Idempotency-Key"));
    params.push(
        ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(utoipa::openapi::Required::False)
            .description(Some(
                "Retries with the same key and body within 24 h return the first response \
                 (1-255 visible ASCII characters)",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255))
                    .pattern(Some("^[!-~]{1,255}$")),
            ))
            .build(),
    );
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Teledesk API",
        version = "1",
        description = "Tickets, messages and the support desk of Teledesk.\n\n\
            Every response carries `X-Request-Id`; authenticated ones carry `X-RateLimit-Limit`, \
            `X-RateLimit-Remaining` and `X-RateLimit-Reset`. Errors are RFC 9457 problem details \
            (`application/problem+json`) with a stable `type`. Lists are newest first, paged with \
            `limit` (1-100) and the opaque `next_cursor`."
    ),
    paths(
        crate::http::healthz,
        tickets::list,
        tickets::create,
        tickets::get_one,
        tickets::update,
        tickets::close,
        tickets::reopen,
        messages::list_messages,
        messages::send_message,
        messages::list_attachments,
        messages::mention_user,
        admin::list_desks,
        admin::get_desk,
        admin::setup_desk,
        admin::create_setup_code,
        super::uploads::create_upload,
        admin::list_staff,
        admin::get_staff,
        admin::put_staff,
        admin::delete_staff,
        admin::list_bots,
        admin::get_bot,
        admin::register_bot,
        admin::set_webhook,
        admin::list_keys,
        admin::create_key,
        admin::revoke_key,
        webhooks::list,
        webhooks::create,
        webhooks::get_one,
        webhooks::update,
        webhooks::remove,
        webhooks::reveal,
        webhooks::rotate,
        webhooks::send_test,
        webhooks::deliveries,
        webhooks::attempts,
        webhooks::resend,
        webhooks::recover,
        webhooks::get_recovery,
        webhooks::preview,
        catalog::list_sources,
        catalog::create_source,
        catalog::get_source,
        catalog::update_source,
        catalog::delete_source,
        catalog::sync_source,
        catalog::parse_range,
        catalog::dry_run,
        catalog::list_listings,
        catalog::get_listing,
        scenarios::list_scenarios,
        scenarios::create_scenario,
        scenarios::get_scenario,
        scenarios::publish_scenario,
        scenarios::archive_scenario,
        scenarios::scenario_stats,
        scenarios::list_leads,
        scenarios::create_lead,
        scenarios::get_lead,
        scenarios::update_lead,
        requests::list_requests,
        requests::create_request,
        requests::get_request,
        requests::update_request,
        requests::convert_lead,
        requests::publish_request,
        requests::list_channels,
        requests::add_channel,
        requests::remove_channel,
        offers::close_request,
        offers::cancel_request,
        offers::list_offers,
        offers::list_reveals,
        offers::get_offer,
        offers::update_offer,
        offers::list_dealers,
        offers::add_dealer,
        offers::get_dealer,
        offers::update_dealer,
    ),
    components(schemas(
        TicketView,
        TicketList,
        TicketUpdate,
        TicketCreate,
        PersonView,
        MessageCounts,
        ProblemView,
        FieldErrorView,
        Health,
        messages::MessageView,
        messages::MessageList,
        messages::MessageCreate,
        messages::AttachmentRef,
        messages::MessageUpload,
        messages::CopyView,
        messages::SenderView,
        messages::MediaView,
        messages::AttachmentView,
        messages::AttachmentList,
        messages::MentionCreate,
        messages::MentionView,
        admin::DeskView,
        admin::DeskList,
        admin::StaffView,
        admin::StaffList,
        admin::StaffWrite,
        admin::SetupCodeRequest,
        admin::SetupCodeView,
        super::uploads::UploadCreate,
        super::uploads::UploadView,
        crate::setup_codes::Purpose,
        crate::desk::staff::Role,
        admin::BotView,
        admin::TelegramWebhookView,
        admin::BotList,
        admin::BotRegister,
        admin::WebhookSet,
        admin::KeyView,
        admin::NewKeyView,
        admin::KeyList,
        admin::KeyCreate,
        webhooks::WebhookView,
        webhooks::WebhookWithSecret,
        webhooks::WebhookList,
        webhooks::WebhookWrite,
        webhooks::EventTypeName,
        webhooks::DeliveryView,
        webhooks::DeliveryList,
        webhooks::AttemptView,
        webhooks::AttemptList,
        webhooks::RecoverRequest,
        webhooks::RecoveryView,
        webhooks::PreviewRequest,
        webhooks::PreviewResult,
        catalog::SourceView,
        catalog::SourceList,
        catalog::SourceWrite,
        catalog::SourceUpdate,
        catalog::RangeWrite,
        catalog::RunQueued,
        catalog::ListingView,
        catalog::PhotoView,
        catalog::ListingList,
        crate::listings::SourceKind,
        crate::listings::RunCounts,
        crate::listings::store::Provenance,
        crate::listings::sync::RunReport,
        scenarios::ScenarioView,
        scenarios::ScenarioList,
        scenarios::PublishResult,
        scenarios::StepStatsView,
        scenarios::StatsView,
        scenarios::ContactView,
        scenarios::LeadView,
        scenarios::LeadList,
        scenarios::LeadCreate,
        scenarios::LeadUpdate,
        requests::PostView,
        requests::RequestView,
        requests::RequestList,
        requests::RequestWrite,
        requests::DealerChannelView,
        requests::DealerChannelList,
        requests::DealerChannelWrite,
        requests::PublishQueued,
        offers::OfferView,
        offers::OfferPhotoView,
        offers::OfferList,
        offers::OfferWrite,
        offers::CloseWrite,
        offers::RevealView,
        offers::RevealList,
        offers::DealerView,
        offers::DealerList,
        offers::DealerAdd,
        offers::DealerWrite,
    )),
    modifiers(&BearerKeys, &CommonProblems),
    tags(
        (name = "tickets", description = "Tickets: one forum topic each"),
        (name = "messages", description = "A ticket's messages, attachments and mentions"),
        (name = "webhooks", description = "Outbound webhooks: endpoints, secrets, deliveries (scope admin)"),
        (name = "catalog", description = "Channel sources (scope admin) and the listings synced from them (scope catalog:read)"),
        (name = "scenarios", description = "Lead-capture scenarios: publish, read, archive, stats (scopes scenarios:read, scenarios:write)"),
        (name = "leads", description = "Leads from scenarios and other channels (scopes leads:read, leads:write)"),
        (name = "requests", description = "Requests made from leads, for dealers (scopes requests:read, requests:write)"),
        (name = "admin", description = "The workspace: desks, internal users, bots and API keys (scope admin)"),
        (name = "health", description = "Liveness"),
    )
)]
pub struct ApiDoc;

/// The document as committed (pretty JSON, trailing newline).
pub fn document() -> String {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes");
    refine(&mut doc);
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON serializes");
    s.push('\n');
    s
}

/// What the handlers check and utoipa's annotations cannot say, written into the document, so
/// that the schema is as strict as the validation (schemathesis holds the two to it).
fn refine(doc: &mut serde_json::Value) {
    use serde_json::json;
    let schemas = &mut doc["components"]["schemas"];
    // Groups are numbered negative by Telegram; a staff member's groups are groups.
    schemas["StaffWrite"]["properties"]["groups"]["items"]["maximum"] = json!(-1);
    // A mention names a user one way: by username or by user id.
    schemas["MentionCreate"]["oneOf"] = json!([
        {"required": ["username"], "not": {"required": ["user_id"]}},
        {"required": ["user_id"], "not": {"required": ["username"]}},
    ]);
    // A message is a text, or a file (a stored attachment or an upload) with an optional caption
    // of at most 1024 characters.
    schemas["MessageCreate"]["oneOf"] = json!([
        {"required": ["text"], "not": {"anyOf": [{"required": ["attachment"]}, {"required": ["upload_id"]}]}},
        {"required": ["attachment"], "not": {"required": ["upload_id"]},
         "properties": {"text": {"maxLength": 1024}}},
        {"required": ["upload_id"], "not": {"required": ["attachment"]},
         "properties": {"text": {"maxLength": 1024}}},
    ]);
    // Scopes are a fixed set.
    schemas["KeyCreate"]["properties"]["scopes"]["items"]["enum"] = json!(super::api_keys::SCOPES);
    // A channel_post source follows a channel by its numeric id.
    schemas["SourceWrite"]["if"] =
        json!({"required": ["kind"], "properties": {"kind": {"const": "channel_post"}}});
    schemas["SourceWrite"]["then"] =
        json!({"properties": {"channel": {"pattern": "^-[0-9]{1,20}$"}}});
    // Creating needs what changing does not: a source's channel, an endpoint's url.
    let creating = |doc: &mut serde_json::Value, path: &str, schema: &str, field: &str| {
        doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"] = json!({
            "allOf": [{"$ref": format!("#/components/schemas/{schema}")}, {"required": [field]}]
        });
    };
    creating(doc, "/api/v1/channel-sources", "SourceWrite", "channel");
    creating(doc, "/api/v1/webhooks", "WebhookWrite", "url");
    let schemas = &mut doc["components"]["schemas"];
    // A filter is an object of field paths to values, or null.
    schemas["WebhookWrite"]["properties"]["filter"]["type"] = json!(["object", "null"]);
    // A file has at least one byte.
    schemas["MessageUpload"]["properties"]["file"]["minLength"] = json!(1);
    // Publishing a scenario's version takes a scenario, or nothing (reactivate).
    if let Some(body) =
        doc["paths"]["/api/v1/scenarios/{key}/publish"]["post"].get_mut("requestBody")
    {
        body["required"] = json!(false);
    }
    // Every field of a setup code request is optional, and so is the body.
    if let Some(body) = doc["paths"]["/api/v1/desks/setup-codes"]["post"].get_mut("requestBody") {
        body["required"] = json!(false);
    }
}

pub async fn serve_document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document()).into_response()
}

/// Redoc's standalone bundle, vendored (MIT, `assets/redoc-LICENSE.txt`) and gzip-compressed: the
/// docs page loads nothing from the internet.
pub const REDOC_PATH: &str = "/docs/redoc-2.1.5.standalone.js";
const REDOC_GZ: &[u8] = include_bytes!("../../assets/redoc-2.1.5.standalone.js.gz");

/// `/docs`: the document rendered by Redoc, served from this binary.
pub async fn docs_page() -> Response {
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Html(format!(
            r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Teledesk API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/api/v1/openapi.json"></redoc>
<script src="{REDOC_PATH}"></script>
</body></html>"#
        )),
    )
        .into_response()
}

/// The Redoc bundle, gzip-encoded as stored (every browser accepts gzip; a client that says it
/// does not gets a 406). Its path names its version, so it may be cached for good.
pub async fn redoc_script(headers: axum::http::HeaderMap) -> Response {
    let gzip_ok = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    if !gzip_ok {
        return (
            axum::http::StatusCode::NOT_ACCEPTABLE,
            "the Redoc bundle is served gzip-encoded; send Accept-Encoding: gzip",
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CONTENT_ENCODING, "gzip"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::VARY, "Accept-Encoding"),
        ],
        REDOC_GZ,
    )
        .into_response()
}
