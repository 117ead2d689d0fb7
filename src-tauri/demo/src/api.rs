//! The tiny carrier API under `/api`. Every route needs a live Bearer access token, and a
//! certificate-bound one (RFC 8705 3) also the client certificate it was issued to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::store::Grant;
use crate::tls::ClientCert;
use crate::token::ct_eq;
use crate::{lock, OAuthError, Shared};

const BEARER_CHALLENGE: &str = "Bearer realm=\"waybill-demo\", error=\"invalid_token\"";

/// Shipments created so far, by id (`shp_1`, `shp_2`, ...).
#[derive(Default)]
pub(crate) struct Shipments {
    next: AtomicU64,
    by_id: Mutex<HashMap<String, Value>>,
}

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/services", get(services))
        .route("/shipments", post(create_shipment))
        .route("/shipments/{id}", get(get_shipment))
        .route("/whoami", get(whoami))
}

/// Extractor: the grant behind a live `Authorization: Bearer` token, and its seconds left.
/// Rejects with 401 `invalid_token` and a `WWW-Authenticate: Bearer` challenge, also when the
/// token is bound to a client certificate the request's connection did not present.
pub(crate) struct Bearer {
    grant: Grant,
    expires_in: u64,
}

impl FromRequestParts<Shared> for Bearer {
    type Rejection = OAuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let invalid = |d: &str| {
            OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_token", d)
                .with_www_authenticate(BEARER_CHALLENGE)
        };
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(invalid(
                "No access token: send Authorization: Bearer <access_token>.",
            ));
        };
        let value = value.to_str().unwrap_or("").trim();
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => {
                return Err(invalid(
                    "The Authorization header must use the Bearer scheme.",
                ))
            }
        };
        let Some((grant, left)) = state.tokens.access(token) else {
            return Err(invalid(
                "The access token is unknown or expired; get a new one from the token endpoint.",
            ));
        };
        if let Some(bound) = &grant.cnf_x5t {
            let presented = ClientCert::of(parts).thumbprint();
            if !presented.as_deref().is_some_and(|t| ct_eq(t, bound)) {
                return Err(invalid(
                    "The access token is bound to a client certificate that this request did not \
                     present (RFC 8705); call the API over mutual TLS with the certificate the \
                     token was issued to.",
                ));
            }
        }
        Ok(Bearer {
            grant,
            expires_in: left.as_secs(),
        })
    }
}

async fn services(_auth: Bearer) -> Json<Value> {
    Json(json!([
        {"id": "standard", "name": "Standard Parcel", "price": 4.99, "currency": "EUR"},
        {"id": "express", "name": "Express Parcel", "price": 9.99, "currency": "EUR"},
        {"id": "pallet", "name": "Pallet Freight", "price": 49.0, "currency": "EUR"},
    ]))
}

async fn create_shipment(_auth: Bearer, State(state): State<Shared>, body: Bytes) -> Response {
    let mut shipment = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return OAuthError::invalid_request("The shipment must be a JSON object.")
                .into_response()
        }
        Err(e) => {
            return OAuthError::invalid_request(format!("The body is not valid JSON: {e}."))
                .into_response()
        }
    };
    let n = state.shipments.next.fetch_add(1, Ordering::SeqCst) + 1;
    let id = format!("shp_{n}");
    shipment.insert("id".into(), id.clone().into());
    shipment.insert("status".into(), "created".into());
    let shipment = Value::Object(shipment);
    lock(&state.shipments.by_id).insert(id, shipment.clone());
    (StatusCode::CREATED, Json(shipment)).into_response()
}

async fn get_shipment(
    _auth: Bearer,
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Response {
    match lock(&state.shipments.by_id).get(&id) {
        Some(s) => Json(s.clone()).into_response(),
        None => OAuthError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("No shipment {}.", id.escape_debug()),
        )
        .into_response(),
    }
}

async fn whoami(auth: Bearer) -> Json<Value> {
    let g = auth.grant;
    let mut body = json!({
        "grant_type": g.grant_type,
        "client_id": g.client_id,
        "username": g.username,
        "subject": g.username.as_deref().unwrap_or(&g.client_id),
        "scope": g.scope,
        "expires_in": auth.expires_in,
        "cert_bound": g.cnf_x5t.is_some(),
    });
    // As RFC 8705 3.2 has token introspection show it.
    if let Some(x5t) = g.cnf_x5t {
        body["cnf"] = json!({ "x5t#S256": x5t });
    }
    Json(body)
}

/// The API described as OpenAPI 3.1 (what a carrier publishes), so `waybill import` has a spec
/// whose operations answer: client credentials at this server's token endpoint.
pub(crate) async fn openapi(State(state): State<Shared>) -> Json<Value> {
    let base = &state.base_url;
    let shipment = json!({"type": "object", "properties": {
        "to": {"type": "string", "example": "Berlin"},
        "parcels": {"type": "integer", "example": 1},
        "service": {"type": "string", "enum": ["standard", "express", "pallet"]}}});
    Json(json!({
        "openapi": "3.1.0",
        "info": {"title": "Waybill demo carrier", "version": "1.0"},
        "servers": [{"url": format!("{base}/api"), "description": "the demo on this machine"}],
        "components": {"securitySchemes": {"demo": {"type": "oauth2", "flows": {
            "clientCredentials": {"tokenUrl": format!("{base}/oauth/token"), "scopes": {}}}}}},
        "security": [{"demo": []}],
        "paths": {
            "/services": {"get": {"operationId": "listServices", "tags": ["Services"],
                "summary": "The services and their prices"}},
            "/shipments": {"post": {"operationId": "createShipment", "tags": ["Shipments"],
                "requestBody": {"required": true,
                    "content": {"application/json": {"schema": shipment}}}}},
            "/shipments/{id}": {"get": {"operationId": "getShipment", "tags": ["Shipments"],
                "parameters": [
                    {"name": "id", "in": "path", "required": true,
                     "description": "The shipment's id, as createShipment answered it.",
                     "schema": {"type": "string", "example": "shp_1"}},
                    {"name": "fields", "in": "query", "required": false,
                     "description": "Which fields to answer with.",
                     "schema": {"type": "string", "enum": ["all", "status"]}}]}},
            "/whoami": {"get": {"operationId": "whoAmI", "tags": ["Account"]}}
        }
    }))
}
