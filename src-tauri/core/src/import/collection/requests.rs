//! A collection's requests as saved requests: its own bearer header gives way to the profile's
//! token; what does not carry over (its own auth, its tool's dynamic variables) is noted once per
//! kind, not once per request.

use std::collections::BTreeMap;

use super::{Auth, CollectionRequest, OAuth2};
use crate::import::{clip, Skipped, SkippedKind};
use crate::request::{DraftBody, RequestDraft};
use crate::store::saved::SavedRequest;

/// Notes gathered over all requests, one per reason rather than one per request (in the order
/// of their reasons).
#[derive(Default)]
pub(super) struct Notes(BTreeMap<String, (SkippedKind, Vec<String>)>);

impl Notes {
    fn add(&mut self, kind: SkippedKind, reason: String, request: &CollectionRequest) {
        let (_, requests) = self.0.entry(reason).or_insert((kind, Vec::new()));
        requests.push(request_label(request));
    }

    pub(super) fn into_skipped(self) -> impl Iterator<Item = Skipped> {
        self.0.into_iter().map(|(reason, (kind, items))| {
            let item = match items.len() {
                1 => items[0].clone(),
                n => format!("{n} requests ({}, ...)", items[0]),
            };
            Skipped::new(kind, item, reason)
        })
    }
}

/// Where a request is in the file: its folders and name, `/`-joined.
pub(super) fn request_label(request: &CollectionRequest) -> String {
    let mut path = request.folders.clone();
    path.push(request.name.clone());
    clip(&path.join("/"), 200)
}

/// A request as a saved one: its own bearer gives way to the profile's.
pub(super) fn saved_request(
    request: CollectionRequest,
    profile: Option<&OAuth2>,
    notes: &mut Notes,
) -> SavedRequest {
    match &request.auth {
        Auth::OAuth2(own) if Some(&**own) != profile => notes.add(
            SkippedKind::Auth,
            "its own OAuth 2.0 settings differ from the profile's: it is sent with the \
             profile's token"
                .into(),
            &request,
        ),
        Auth::Basic { .. } | Auth::Other(_) => notes.add(
            SkippedKind::Auth,
            format!(
                "its {} authentication is not carried over: Waybill sends the profile's token",
                match &request.auth {
                    Auth::Other(kind) => kind.as_str(),
                    _ => "Basic",
                }
            ),
            &request,
        ),
        _ => {}
    }
    if dynamic_variable(&request).is_some() {
        notes.add(
            SkippedKind::Template,
            "it uses its tool's dynamic variables ({{$...}}), which Waybill does not have: \
             give them a value when sending (--var NAME=VALUE)"
                .into(),
            &request,
        );
    }
    let mut headers = Vec::new();
    for (name, value) in &request.headers {
        let bearer = name.trim().eq_ignore_ascii_case("authorization")
            && value.trim().to_ascii_lowercase().starts_with("bearer");
        if !bearer {
            headers.push((name.clone(), value.clone()));
        }
    }
    let folder = request
        .folders
        .iter()
        .map(|f| clip(&f.replace('/', "-"), 100).trim().to_string())
        .filter(|f| !f.is_empty())
        .collect::<Vec<_>>()
        .join("/");
    let name = clip(request.name.trim(), 200);
    SavedRequest {
        folder: (!folder.is_empty()).then_some(folder),
        name: match name.is_empty() {
            true => format!("{} {}", request.method, clip(&request.url, 100)),
            false => name,
        },
        request: RequestDraft {
            method: match request.method.trim() {
                "" => "GET".into(),
                method => method.to_ascii_uppercase(),
            },
            url: request.url.trim().to_string(),
            query: request.query,
            headers,
            body: request.body,
        },
        params: Vec::new(),
        expect: None,
        capture: Vec::new(),
    }
}

/// The first `{{$name}}` (Postman's `$guid`, `$timestamp`...) the request uses.
fn dynamic_variable(request: &CollectionRequest) -> Option<&str> {
    let body = match &request.body {
        DraftBody::Json(text) | DraftBody::Raw(text) => vec![text.as_str()],
        DraftBody::Form(rows) => rows.iter().map(|(_, v)| v.as_str()).collect(),
        DraftBody::None => Vec::new(),
    };
    std::iter::once(request.url.as_str())
        .chain(request.query.iter().map(|(_, v)| v.as_str()))
        .chain(request.headers.iter().map(|(_, v)| v.as_str()))
        .chain(body)
        .find(|text| text.contains("{{$"))
}
