//! Offers, dealers and a request's end (scopes `requests:read`, `requests:write`):
//! `POST /api/v1/requests/{id}/close {"offer_id"}` and `…/cancel`, `GET …/offers` and
//! `…/reveals`, `GET/PUT /api/v1/offers/{id}`, `/api/v1/dealers`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::Caller;
use super::problem::{FieldError, Problem, unknown};
use super::requests::{RequestView, field_errors, view};
use super::schema::ProblemView;
use super::tickets::json_changes;
use crate::Deps;
use crate::requests::dealers::{self, Dealer, DealerError};
use crate::requests::offering;
use crate::requests::offers::{self, Offer, OfferError, Reveal};
use crate::requests::store;

pub fn routes() -> Router<Deps> {
    Router::new()
        .route("/api/v1/requests/{id}/close", post(close_request))
        .route("/api/v1/requests/{id}/cancel", post(cancel_request))
        .route("/api/v1/requests/{id}/offers", get(list_offers))
        .route("/api/v1/requests/{id}/reveals", get(list_reveals))
        .route("/api/v1/offers/{id}", get(get_offer).put(update_offer))
        .route("/api/v1/dealers", get(list_dealers).post(add_dealer))
        .route("/api/v1/dealers/{id}", get(get_dealer).put(update_dealer))
}

impl From<OfferError> for Problem {
    fn from(e: OfferError) -> Problem {
        match e {
            OfferError::Table(t) => t.into(),
            OfferError::Conflict => Problem::conflict(
                "conflict",
                "changed at the same time; read it again and retry",
            ),
            e @ (OfferError::Ended(..) | OfferError::Draft(_)) => {
                Problem::conflict("request-ended", e.to_string())
            }
            e @ OfferError::NotLive(..) => Problem::conflict("offer-not-live", e.to_string()),
            e @ (OfferError::DealerLimit | OfferError::RequestLimit(_)) => {
                Problem::conflict("offer-limit", e.to_string())
            }
            OfferError::NotFound(id) => Problem::not_found(format!("no offer {id}")),
            OfferError::Invalid(m) => Problem::field("offer", m),
        }
    }
}

impl From<DealerError> for Problem {
    fn from(e: DealerError) -> Problem {
        match e {
            DealerError::Table(t) => t.into(),
            DealerError::Conflict => Problem::conflict(
                "conflict",
                "changed at the same time; read it again and retry",
            ),
            DealerError::NotFound(id) => Problem::not_found(format!("no dealer {id}")),
            DealerError::Invalid(m) => Problem::field("dealer", m),
        }
    }
}

/// A photo of an offer, kept in the file store.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OfferPhotoView {
    pub unique_id: String,
    /// The file store's key.
    pub key: Option<String>,
}

/// A dealer's offer on a request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OfferView {
    #[schema(example = "OFF-3MZK8Q2WXA")]
    pub id: String,
    pub request_id: String,
    pub dealer_id: String,
    /// Integer minor units of `currency`.
    pub price: i64,
    /// ISO 4217.
    pub currency: String,
    pub year: Option<i64>,
    pub mileage: Option<i64>,
    pub description: Option<String>,
    pub listing_id: Option<String>,
    /// Epoch seconds after which the dealer no longer stands by it.
    pub valid_until: Option<i64>,
    /// `submitted`, `accepted`, `rejected` or `withdrawn`.
    pub status: String,
    pub photos: Vec<OfferPhotoView>,
    pub history: Vec<Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OfferList {
    pub data: Vec<OfferView>,
}

/// Fields of an offer to change (while it is live and its request open).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferWrite {
    #[schema(minimum = 1)]
    pub price: Option<i64>,
    #[schema(nullable = false, pattern = "^[A-Za-z]{3}$")]
    pub currency: Option<String>,
    #[schema(minimum = 1900, maximum = 2100)]
    pub year: Option<i64>,
    #[schema(minimum = 0, maximum = 10000000)]
    pub mileage: Option<i64>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    pub listing_id: Option<String>,
    #[schema(minimum = 0)]
    pub valid_until: Option<i64>,
    /// `withdrawn` (for the dealer) or `rejected`: ends the offer.
    #[schema(nullable = false, pattern = "^(withdrawn|rejected)$")]
    pub status: Option<String>,
}

/// Which offer closes the request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseWrite {
    #[schema(example = "OFF-3MZK8Q2WXA")]
    pub offer_id: String,
}

/// A recorded reveal: who was shown whose contact, when and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevealView {
    pub request_id: String,
    pub offer_id: Option<String>,
    /// `customer:<user id>`, `dealer:<dealer id>` or `admin_chat:<chat id>`.
    pub to: String,
    /// `customer:<user id>` or `dealer:<dealer id>`.
    pub whose: String,
    /// The contact fields shown.
    pub fields: Vec<String>,
    /// `on_select` or `mediated`.
    pub policy: String,
    pub why: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevealList {
    pub data: Vec<RevealView>,
}

/// A dealer: who may answer requests with offers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DealerView {
    #[schema(example = "DLR-8H2K4M6P9Q")]
    pub id: String,
    /// The dealer's Telegram user id.
    pub user_id: i64,
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub username: Option<String>,
    /// `pending`, `approved` or `blocked`.
    pub status: String,
    pub history: Vec<Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DealerList {
    pub data: Vec<DealerView>,
}

/// A dealer to add (approved unless `status` says otherwise).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealerAdd {
    /// The dealer's Telegram user id.
    #[schema(minimum = 1)]
    pub user_id: i64,
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
    /// Empty is none.
    #[schema(max_length = 100)]
    pub company: Option<String>,
    /// Digits, optionally after a `+`; empty is none.
    #[schema(pattern = "^(\\+?[0-9]{7,15})?$")]
    pub phone: Option<String>,
    /// `pending`, `approved` or `blocked` (default `approved`).
    #[schema(nullable = false, pattern = "^(pending|approved|blocked)$")]
    pub status: Option<String>,
}

/// A dealer's fields to change (approve, block, their details).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealerWrite {
    #[schema(nullable = false, min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: Option<String>,
    /// Empty is none.
    #[schema(max_length = 100)]
    pub company: Option<String>,
    /// Digits, optionally after a `+`; empty is none.
    #[schema(pattern = "^(\\+?[0-9]{7,15})?$")]
    pub phone: Option<String>,
    #[schema(nullable = false, pattern = "^(pending|approved|blocked)$")]
    pub status: Option<String>,
}

fn offer_view(o: &Offer) -> OfferView {
    OfferView {
        id: o.id.clone(),
        request_id: o.request_id.clone(),
        dealer_id: o.dealer_id.clone(),
        price: o.price,
        currency: o.currency.clone(),
        year: o.year,
        mileage: o.mileage,
        description: o.description.clone(),
        listing_id: o.listing_id.clone(),
        valid_until: o.valid_until,
        status: o.status.clone(),
        photos: o
            .photos
            .iter()
            .map(|p| OfferPhotoView {
                unique_id: p.unique_id.clone(),
                key: p.key.clone(),
            })
            .collect(),
        history: o.history.clone(),
        created_at: o.created_at,
        updated_at: o.updated_at,
    }
}

fn reveal_view(r: &Reveal) -> RevealView {
    RevealView {
        request_id: r.request_id.clone(),
        offer_id: r.offer_id.clone(),
        to: r.to.clone(),
        whose: r.whose.clone(),
        fields: r.fields.clone(),
        policy: r.policy.clone(),
        why: r.why.clone(),
        at: r.at,
    }
}

fn dealer_view(d: &Dealer) -> DealerView {
    DealerView {
        id: d.id.clone(),
        user_id: d.user_id,
        name: d.name.clone(),
        company: d.company.clone(),
        phone: d.phone.clone(),
        username: d.username.clone(),
        status: d.status.clone(),
        history: d.history.clone(),
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

async fn load_request(deps: &Deps, caller: &Caller, id: &str) -> Result<store::Request, Problem> {
    store::get(deps.table.as_ref(), caller.workspace(), id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no request {id}")))
}

/// Close a request with one of its live offers: it is accepted and every other rejected, at once;
/// then the contacts are revealed by the workspace's policy. Closing again with the same offer
/// answers the same request.
#[utoipa::path(post, path = "/api/v1/requests/{id}/close", tag = "requests", security(("bearer" = ["requests:write"])),
    params(("id" = String, Path, description = "Request id")),
    request_body(content = CloseWrite, content_type = "application/json"),
    responses((status = 200, description = "The request, closed", body = RequestView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such request or offer", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Ended already (with another offer), the offer is not live, changed at the same time, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "No offer_id, an expired offer, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn close_request(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("requests:write")?;
    let body = json_changes(&headers, &body)?;
    let r = load_request(&deps, &caller, &id).await?;
    let mut errors = unknown(body.keys(), &["offer_id"], "field");
    let offer = body
        .get("offer_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if offer.is_none() {
        errors.push(FieldError {
            field: "offer_id".into(),
            message: "required: the id of a live offer on this request".into(),
        });
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let by = format!("api:{}", caller.0.id);
    let e = offering::close(&deps, &r, &offer.unwrap_or_default(), &by, "api").await?;
    Ok(axum::Json(view(&e.request)).into_response())
}

/// Cancel a request: its live offers are rejected and their dealers told. Cancelling again
/// answers the same request.
#[utoipa::path(post, path = "/api/v1/requests/{id}/cancel", tag = "requests", security(("bearer" = ["requests:write"])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The request, cancelled", body = RequestView),
        (status = 404, description = "No such request", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Closed already, changed at the same time, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn cancel_request(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("requests:write")?;
    let r = load_request(&deps, &caller, &id).await?;
    let by = format!("api:{}", caller.0.id);
    let e = offering::cancel(&deps, &r, &by, "api").await?;
    Ok(axum::Json(view(&e.request)).into_response())
}

/// A request's offers, oldest first.
#[utoipa::path(get, path = "/api/v1/requests/{id}/offers", tag = "requests", security(("bearer" = ["requests:read"])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The offers", body = OfferList),
        (status = 404, description = "No such request", body = ProblemView, content_type = "application/problem+json")))]
pub async fn list_offers(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("requests:read")?;
    let r = load_request(&deps, &caller, &id).await?;
    let mut data: Vec<Offer> = offers::of_request(deps.table.as_ref(), &r.id).await?;
    data.sort_by_key(|o| (o.created_at, o.id.clone()));
    Ok(axum::Json(OfferList {
        data: data.iter().map(offer_view).collect(),
    })
    .into_response())
}

/// Whose contact was shown to whom for a request, when and why.
#[utoipa::path(get, path = "/api/v1/requests/{id}/reveals", tag = "requests", security(("bearer" = ["requests:read"])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The reveals", body = RevealList),
        (status = 404, description = "No such request", body = ProblemView, content_type = "application/problem+json")))]
pub async fn list_reveals(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("requests:read")?;
    let r = load_request(&deps, &caller, &id).await?;
    let data = offers::reveals(deps.table.as_ref(), &r.id).await?;
    Ok(axum::Json(RevealList {
        data: data.iter().map(reveal_view).collect(),
    })
    .into_response())
}

async fn load_offer(deps: &Deps, caller: &Caller, id: &str) -> Result<Offer, Problem> {
    offers::get(deps.table.as_ref(), caller.workspace(), id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no offer {id}")))
}

/// An offer.
#[utoipa::path(get, path = "/api/v1/offers/{id}", tag = "requests", security(("bearer" = ["requests:read"])),
    params(("id" = String, Path, description = "Offer id")),
    responses((status = 200, description = "The offer", body = OfferView),
        (status = 404, description = "No such offer", body = ProblemView, content_type = "application/problem+json")))]
pub async fn get_offer(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("requests:read")?;
    Ok(axum::Json(offer_view(&load_offer(&deps, &caller, &id).await?)).into_response())
}

/// Change a live offer's fields, or end it (`status`: `withdrawn` or `rejected`).
#[utoipa::path(put, path = "/api/v1/offers/{id}", tag = "requests", security(("bearer" = ["requests:write"])),
    params(("id" = String, Path, description = "Offer id")),
    request_body(content = OfferWrite, content_type = "application/json"),
    responses((status = 200, description = "The offer", body = OfferView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such offer", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Not live, its request ended, changed at the same time, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn update_offer(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("requests:write")?;
    let mut body = json_changes(&headers, &body)?;
    let status = body.remove("status");
    let before = load_offer(&deps, &caller, &id).await?;
    // The fields first (all problems at once), then the status.
    let mut probe = before.clone();
    let mut errors = offers::apply(&mut probe, &body);
    let status = match status {
        None => None,
        Some(Value::String(s)) if s == "withdrawn" || s == "rejected" => Some(s),
        Some(_) => {
            errors.push(("status".into(), "withdrawn or rejected".into()));
            None
        }
    };
    if !errors.is_empty() {
        return Err(field_errors(errors));
    }
    let by = format!("api:{}", caller.0.id);
    let table = deps.table.as_ref();
    let r = load_request(&deps, &caller, &before.request_id).await?;
    let mut o = if body.is_empty() {
        before.clone()
    } else {
        offers::edit(table, &r, &before, &body, None, &by, "api").await?
    };
    if let Some(s) = status {
        o = offering::retire(&deps, &o, &s, &by, "api").await?;
    }
    Ok(axum::Json(offer_view(&o)).into_response())
}

/// The workspace's dealers.
#[utoipa::path(get, path = "/api/v1/dealers", tag = "requests", security(("bearer" = ["requests:read"])),
    responses((status = 200, description = "The dealers", body = DealerList)))]
pub async fn list_dealers(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    caller.require("requests:read")?;
    let mut data = dealers::list(deps.table.as_ref(), caller.workspace()).await?;
    data.sort_by_key(|d| (d.created_at, d.user_id));
    Ok(axum::Json(DealerList {
        data: data.iter().map(dealer_view).collect(),
    })
    .into_response())
}

const DEALER_FIELDS: &[&str] = &["user_id", "name", "company", "phone", "status"];

/// Applies a dealer body; every problem by field.
fn apply_dealer(d: &mut Dealer, body: &serde_json::Map<String, Value>) -> Vec<(String, String)> {
    let mut errors: Vec<(String, String)> = unknown(body.keys(), DEALER_FIELDS, "field")
        .into_iter()
        .map(|f| (f.field, f.message))
        .collect();
    let text = |k: &str, v: &Value| -> Result<Option<String>, (String, String)> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
            _ => Err((k.to_owned(), "a text, or null".to_owned())),
        }
    };
    for (k, v) in body {
        let r = match k.as_str() {
            "name" => match v {
                Value::String(s) => {
                    d.name = s.trim().to_owned();
                    Ok(())
                }
                _ => Err((k.clone(), "a name of 1 to 100 characters".into())),
            },
            "company" => text(k, v).map(|x| d.company = x),
            "phone" => text(k, v).map(|x| d.phone = x),
            "status" => match v.as_str() {
                Some(s) => {
                    d.status = s.to_owned();
                    Ok(())
                }
                None => Err((k.clone(), "pending, approved or blocked".into())),
            },
            _ => Ok(()),
        };
        if let Err(e) = r {
            errors.push(e);
        }
    }
    for e in dealers::check(d) {
        if !errors.iter().any(|(f, _)| f == &e.0) {
            errors.push(e);
        }
    }
    errors
}

/// Add a dealer (approved unless said otherwise). Adding one who registered through the bot
/// answers that dealer, changed as the body says.
#[utoipa::path(post, path = "/api/v1/dealers", tag = "requests", security(("bearer" = ["requests:write"])),
    request_body(content = DealerAdd, content_type = "application/json"),
    responses((status = 201, description = "The dealer", body = DealerView),
        (status = 200, description = "There was such a dealer: as changed", body = DealerView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Changed at the same time, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn add_dealer(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("requests:write")?;
    let body = json_changes(&headers, &body)?;
    let user = match body.get("user_id").and_then(super::problem::integer) {
        Some(u) if u > 0 => u,
        _ => {
            return Err(Problem::field(
                "user_id",
                "required: the dealer's Telegram user id",
            ));
        }
    };
    let mut d = dealers::new_dealer(caller.workspace(), user, "", "approved");
    let errors = apply_dealer(&mut d, &body);
    if !errors.is_empty() {
        return Err(field_errors(errors));
    }
    let by = format!("api:{}", caller.0.id);
    let (d, created) = offering::add_dealer(&deps, d, &by, "api").await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(dealer_view(&d))).into_response())
}

async fn load_dealer(deps: &Deps, caller: &Caller, id: &str) -> Result<Dealer, Problem> {
    dealers::by_id(deps.table.as_ref(), caller.workspace(), id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no dealer {id}")))
}

/// A dealer.
#[utoipa::path(get, path = "/api/v1/dealers/{id}", tag = "requests", security(("bearer" = ["requests:read"])),
    params(("id" = String, Path, description = "Dealer id")),
    responses((status = 200, description = "The dealer", body = DealerView),
        (status = 404, description = "No such dealer", body = ProblemView, content_type = "application/problem+json")))]
pub async fn get_dealer(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("requests:read")?;
    Ok(axum::Json(dealer_view(&load_dealer(&deps, &caller, &id).await?)).into_response())
}

/// Change a dealer (approve, block, or their details).
#[utoipa::path(put, path = "/api/v1/dealers/{id}", tag = "requests", security(("bearer" = ["requests:write"])),
    params(("id" = String, Path, description = "Dealer id")),
    request_body(content = DealerWrite, content_type = "application/json"),
    responses((status = 200, description = "The dealer", body = DealerView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such dealer", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Changed at the same time, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn update_dealer(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("requests:write")?;
    let body = json_changes(&headers, &body)?;
    let before = load_dealer(&deps, &caller, &id).await?;
    let mut after = before.clone();
    let mut errors = apply_dealer(&mut after, &body);
    if body
        .get("user_id")
        .is_some_and(|u| super::problem::integer(u) != Some(before.user_id))
    {
        errors.push((
            "user_id".into(),
            "a dealer's user id does not change".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(field_errors(errors));
    }
    let by = format!("api:{}", caller.0.id);
    let saved = dealers::save(deps.table.as_ref(), &before, after, &by, "api").await?;
    if before.status != "approved" && saved.status == "approved" {
        offering::set_dealer_status(
            &deps,
            &saved.workspace,
            saved.user_id,
            "approved",
            &by,
            "api",
        )
        .await?;
    }
    Ok(axum::Json(dealer_view(&saved)).into_response())
}
