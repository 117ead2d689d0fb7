//! `{{name}}` in a request's URL, query, headers and body, filled in just before it is sent, so
//! what history keeps (and what copy-as-curl shows) is the request as it went out.
//!
//! A name is looked up in this order, the first found wins: values given for this one request
//! (`waybill call --var`), the user's variables for the profile's environment (sandbox or live),
//! the user's variables for every environment, then the profile's own: `{{profile}}`,
//! `{{environment}}`, `{{api_base}}`, `{{client_id}}`.
//!
//! Dynamic values (`{{$uuid}}`, `{{$guid}}`, `{{$hex32}}`, `{{$timestamp}}`, `{{$isoTimestamp}}`,
//! `{{$randomInt}}`) are drawn afresh for each request.
//!
//! A `{{name}}` with no value is an error naming it, never sent as typed. Text that is not a
//! placeholder (`{{ }}`, `{"a":{"b":1}}`) is left alone.

use std::collections::BTreeMap;

use crate::profile::{template, Environment, Profile};
use crate::request::{ApiRequest, DraftBody, RequestDraft};
use crate::store::variables::{check_name, UserVariables, VariableError};

/// The values `{{name}}` takes for one profile's requests.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    values: BTreeMap<String, String>,
    environment: Option<Environment>,
}

impl Scope {
    /// What `{{name}}` means for requests of `profile`.
    pub fn new(user: &UserVariables, profile: &Profile) -> Scope {
        let mut values = BTreeMap::new();
        let mut put = |name: &str, value: Option<&str>| {
            if let Some(value) = value {
                values.insert(name.to_string(), value.to_string());
            }
        };
        put("profile", Some(&profile.name));
        put("client_id", Some(&profile.client_id));
        put("api_base", profile.api_base.as_deref());
        let environment = profile.environment.map(|e| e.to_string());
        put("environment", environment.as_deref());
        values.extend(user.shared.clone());
        match profile.environment {
            Some(Environment::Sandbox) => values.extend(user.sandbox.clone()),
            Some(Environment::Live) => values.extend(user.live.clone()),
            None => {}
        }
        Scope {
            values,
            environment: profile.environment,
        }
    }

    /// Values for this one request, over everything else.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.values.insert(name.to_string(), value.to_string());
        self
    }

    /// `text` with every `{{name}}` (spaces allowed inside the braces) replaced by its value.
    pub fn fill(&self, text: &str) -> Result<String, VariableError> {
        let now = chrono::Utc::now();
        template::each_placeholder(text, |inner| {
            let name = inner.trim();
            if let Some(value) = template::dynamic(name, now) {
                return Ok(Some(value));
            }
            // Not a name (`{{ }}`, JSON's `{{"a":1}}`): not a placeholder, kept as written.
            if check_name(name).is_err() {
                return Ok(None);
            }
            match self.values.get(name) {
                Some(value) => Ok(Some(value.clone())),
                None => Err(VariableError::Undefined {
                    name: name.to_string(),
                    environment: self.environment,
                }),
            }
        })
    }

    fn fill_rows(&self, rows: &[(String, String)]) -> Result<Vec<(String, String)>, VariableError> {
        rows.iter()
            .map(|(name, value)| Ok((self.fill(name)?, self.fill(value)?)))
            .collect()
    }

    /// The builder's draft with its variables filled in (before its JSON is checked, so
    /// `{"id": {{id}}}` works).
    pub fn fill_draft(&self, draft: &RequestDraft) -> Result<RequestDraft, VariableError> {
        Ok(RequestDraft {
            method: draft.method.clone(),
            url: self.fill(&draft.url)?,
            query: self.fill_rows(&draft.query)?,
            headers: self.fill_rows(&draft.headers)?,
            body: match &draft.body {
                DraftBody::None => DraftBody::None,
                DraftBody::Json(text) => DraftBody::Json(self.fill(text)?),
                DraftBody::Form(rows) => DraftBody::Form(self.fill_rows(rows)?),
                DraftBody::Raw(text) => DraftBody::Raw(self.fill(text)?),
            },
        })
    }

    /// A request from the command line with its variables filled in; a body that is not UTF-8
    /// text (a file upload) is sent as it is.
    pub fn fill_request(&self, request: &ApiRequest) -> Result<ApiRequest, VariableError> {
        let body = match &request.body {
            Some(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => Some(self.fill(text)?.into_bytes()),
                Err(_) => Some(bytes.clone()),
            },
            None => None,
        };
        Ok(ApiRequest {
            method: request.method.clone(),
            target: self.fill(&request.target)?,
            headers: self.fill_rows(&request.headers)?,
            body,
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_values_are_drawn_for_each_request() {
        let scope = Scope::default();
        let once = scope.fill("/orders?ref={{$uuid}}").unwrap();
        let twice = scope.fill("/orders?ref={{$uuid}}").unwrap();
        assert_ne!(once, twice);
        assert!(!once.contains("{{"), "{once}");
    }

    fn profile(environment: Option<Environment>) -> Profile {
        Profile {
            name: "acme".into(),
            client_id: "client-1".into(),
            api_base: Some("https://sandbox.api.example/v1".into()),
            environment,
            ..Profile::default()
        }
    }

    fn user() -> UserVariables {
        UserVariables {
            shared: [
                ("shipment".into(), "S-1".into()),
                ("tenant".into(), "t".into()),
            ]
            .into(),
            sandbox: [("shipment".into(), "SBX-9".into())].into(),
            live: [("shipment".into(), "LIVE-7".into())].into(),
        }
    }

    #[test]
    fn the_profiles_environment_picks_the_value() {
        let text = "/shipments/{{shipment}}?t={{ tenant }}";
        let sandbox = Scope::new(&user(), &profile(Some(Environment::Sandbox)));
        let live = Scope::new(&user(), &profile(Some(Environment::Live)));
        let none = Scope::new(&user(), &profile(None));
        assert_eq!(sandbox.fill(text).unwrap(), "/shipments/SBX-9?t=t");
        assert_eq!(live.fill(text).unwrap(), "/shipments/LIVE-7?t=t");
        assert_eq!(none.fill(text).unwrap(), "/shipments/S-1?t=t");
        assert_eq!(
            live.with("shipment", "ONE-OFF").fill(text).unwrap(),
            "/shipments/ONE-OFF?t=t"
        );
    }

    #[test]
    fn the_profile_gives_its_own_names() {
        let scope = Scope::new(
            &UserVariables::default(),
            &profile(Some(Environment::Sandbox)),
        );
        assert_eq!(
            scope
                .fill("{{api_base}}/x {{profile}} {{environment}} {{client_id}}")
                .unwrap(),
            "https://sandbox.api.example/v1/x acme sandbox client-1"
        );
    }

    #[test]
    fn an_undefined_name_is_an_error_that_names_it() {
        let scope = Scope::new(&user(), &profile(Some(Environment::Live)));
        let err = scope.fill("/orders/{{order_id}}").unwrap_err();
        assert!(matches!(
            &err,
            VariableError::Undefined { name, environment: Some(Environment::Live) } if name == "order_id"
        ));
        assert!(err
            .to_string()
            .starts_with("{{order_id}} has no value for live"));
    }

    #[test]
    fn text_that_is_not_a_placeholder_is_left_alone() {
        let scope = Scope::default();
        for text in [r#"{"a":{"b":1}}"#, "{{ }}", "{{a b}}", "{{", "}}", "{{{x"] {
            assert_eq!(scope.fill(text).unwrap(), text);
        }
    }

    #[test]
    fn drafts_are_filled_everywhere_before_their_json_is_checked() {
        let scope = Scope::default().with("id", "42").with("h", "X-Tenant");
        let draft = RequestDraft {
            method: "POST".into(),
            url: "/s/{{id}}".into(),
            query: vec![("q".into(), "{{id}}".into())],
            headers: vec![("{{h}}".into(), "{{id}}".into())],
            body: DraftBody::Json(r#"{"id": {{id}}}"#.into()),
        };
        let filled = scope.fill_draft(&draft).unwrap();
        assert_eq!(filled.url, "/s/42");
        assert_eq!(filled.query, vec![("q".into(), "42".into())]);
        assert_eq!(filled.headers, vec![("X-Tenant".into(), "42".into())]);
        assert_eq!(filled.body, DraftBody::Json(r#"{"id": 42}"#.into()));
        assert!(filled.to_request().is_ok());
    }
}
