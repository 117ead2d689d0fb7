//! Insomnia's requests in the order it shows them, each with the headers its folders add, its
//! body and its auth.

use serde_json::Value;

use super::values::{name_of, rows, sort_key, str_at, template, text};
use super::{Object, Reader, MAX_REQUESTS, TEMPLATE_REASON};
use crate::import::collection::CollectionRequest;
use crate::import::{Skipped, SkippedKind};
use crate::request::DraftBody;

impl<'a> Reader<'a> {
    /// Requests in the order Insomnia shows them: depth first, by `metaSortKey` at each level.
    pub(super) fn requests(&mut self) -> Vec<CollectionRequest> {
        let all = self.of_kind("request");
        if all.len() > MAX_REQUESTS {
            let item = format!("{} requests", all.len() - MAX_REQUESTS);
            let reason =
                format!("more than {MAX_REQUESTS} requests in one file: the first are read");
            self.skipped
                .push(Skipped::new(SkippedKind::Request, item, reason));
        }
        let mut read = Vec::new();
        for idx in all.into_iter().take(MAX_REQUESTS) {
            let Some(item) = self.item(idx) else { continue };
            match self.ancestors(idx) {
                Ok(above) => {
                    let key: Vec<(f64, usize)> = above
                        .iter()
                        .rev()
                        .chain([&idx])
                        .map(|&i| (self.item(i).map_or(f64::INFINITY, sort_key), i))
                        .collect();
                    let request = self.request(idx, item, &above);
                    read.push((key, request));
                }
                Err(reason) => {
                    let item = name_of(item, "request");
                    self.skipped
                        .push(Skipped::new(SkippedKind::Request, item, reason))
                }
            }
        }
        read.sort_by(|(a, _), (b, _)| {
            a.iter()
                .zip(b)
                .map(|(x, y)| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.len().cmp(&b.len()))
        });
        read.into_iter().map(|(_, request)| request).collect()
    }

    fn request(&mut self, idx: usize, item: &'a Object, above: &[usize]) -> CollectionRequest {
        let mut odd = false;
        let groups: Vec<&Object> = above
            .iter()
            .rev()
            .filter_map(|&i| self.item(i))
            .filter(|o| str_at(o, "_type") == "request_group")
            .collect();
        let folders: Vec<String> = groups.iter().map(|g| name_of(g, "folder")).collect();
        let name = name_of(item, "request");
        let label = folders
            .iter()
            .chain([&name])
            .cloned()
            .collect::<Vec<_>>()
            .join("/");

        // Folder headers go with the request (Insomnia 9): a nearer one replaces a same-named one.
        let mut headers: Vec<(String, String)> = Vec::new();
        let own = rows(item.get("headers"), &mut odd);
        for row in groups
            .iter()
            .flat_map(|g| rows(g.get("headers"), &mut odd))
            .chain(own)
        {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&row.0));
            headers.push(row);
        }
        let method = text(item.get("method")).trim().to_ascii_uppercase();
        let url = template(&text(item.get("url")), &mut odd);
        let query = rows(item.get("parameters"), &mut odd);
        let body = self.body(item.get("body"), &label, &mut odd);
        let (auth, auth_odd) = self.auth_for(idx, above, &label);
        let path_params = item
            .get("pathParameters")
            .and_then(Value::as_array)
            .is_some_and(|p| !p.is_empty());
        if path_params {
            let item = format!("{label}: path parameters");
            let reason = "the :names in its URL are kept as written, their values are not";
            self.skipped
                .push(Skipped::new(SkippedKind::Variable, item, reason));
        }
        if odd || auth_odd {
            self.skipped
                .push(Skipped::new(SkippedKind::Template, label, TEMPLATE_REASON));
        }
        CollectionRequest {
            folders,
            name,
            method: if method.is_empty() {
                "GET".into()
            } else {
                method
            },
            url,
            query,
            headers,
            body,
            auth,
        }
    }

    fn body(&mut self, body: Option<&Value>, label: &str, odd: &mut bool) -> DraftBody {
        let Some(body) = body.and_then(Value::as_object) else {
            return DraftBody::None;
        };
        let mime = str_at(body, "mimeType");
        let mime = mime
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let unsent = |what: &str, why: &str| {
            Skipped::new(SkippedKind::Body, format!("{label}: {what}"), why)
        };
        if mime == "multipart/form-data" {
            self.skipped.push(unsent(
                "multipart body",
                "multipart bodies (file uploads) are not imported: Waybill sends JSON, form or raw bodies",
            ));
            return DraftBody::None;
        }
        if !str_at(body, "fileName").is_empty() {
            self.skipped.push(unsent(
                "file body",
                "the file it sends is not in the export",
            ));
            return DraftBody::None;
        }
        if mime == "application/x-www-form-urlencoded" {
            let fields = rows(body.get("params"), odd);
            return match fields.is_empty() {
                true => DraftBody::None,
                false => DraftBody::Form(fields),
            };
        }
        let content = template(&text(body.get("text")), odd);
        if content.trim().is_empty() {
            DraftBody::None
        } else if mime == "application/json"
            || mime.ends_with("+json")
            || mime == "application/graphql"
        {
            // Insomnia keeps a GraphQL body as the JSON it sends (`{"query": ...}`).
            DraftBody::Json(content)
        } else {
            DraftBody::Raw(content)
        }
    }
}
