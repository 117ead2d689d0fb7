//! Case files: a set of requests with their responses and the shapes of the profiles they used,
//! in one JSON file a colleague can import: history entries as kept (already redacted) and
//! profiles (which hold no secret); keyring ids are left out, so nothing ties the file to the
//! exporter's keyring. Importing one is planned first (`plan::case`): what it adds, and which
//! names clash; it never replaces an existing profile (a clashing one comes in under a new name,
//! an identical one is reused).
//!
//! A case file is untrusted input: every profile in it is validated as `profile add` validates
//! one (a file with an invalid one is refused, saying which and why), and a renamed one keeps
//! within the name limit, so an import never writes what cannot be loaded back. Nor does it bring
//! its sender's network settings (`without_local_network`).

use serde::{Deserialize, Serialize};

use crate::profile::{Profile, ProfileError};
use crate::store::file::one_line;
use crate::store::history::Entry;
use crate::store::profiles::Profiles;

pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFile {
    pub waybill_case: u32,
    pub exported_at: String,
    pub profiles: Vec<Profile>,
    /// History entries as they were kept (already redacted).
    pub requests: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("this is not a Waybill case file: {0}")]
    Invalid(String),
    #[error("this case file was written by a newer Waybill (format {0}, this one reads {FORMAT})")]
    TooNew(u32),
    #[error("the case file's profile {name:?} cannot be imported: {reason}")]
    BadProfile { name: String, reason: ProfileError },
}

impl CaseFile {
    /// The entries and the profiles they used (by name; profiles no longer present are skipped).
    pub fn export(entries: &[Entry], profiles: &Profiles) -> CaseFile {
        let mut shapes: Vec<Profile> = Vec::new();
        for entry in entries {
            if shapes.iter().any(|p| p.name == entry.profile) {
                continue;
            }
            if let Ok(profile) = profiles.get(&entry.profile) {
                shapes.push(without_local_network(Profile {
                    keyring_id: String::new(),
                    ..profile.clone()
                }));
            }
        }
        CaseFile {
            waybill_case: FORMAT,
            exported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            profiles: shapes,
            requests: entries.to_vec(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<CaseFile, CaseError> {
        // On one line: serde quotes an unknown variant or field as the file spells it.
        let invalid = |e: serde_json::Error| CaseError::Invalid(one_line(&e.to_string()));
        let value: serde_json::Value = serde_json::from_str(text).map_err(invalid)?;
        match value.get("waybill_case").and_then(|v| v.as_u64()) {
            Some(v) if v > FORMAT as u64 => return Err(CaseError::TooNew(v as u32)),
            Some(_) => {}
            None => return Err(CaseError::Invalid("no \"waybill_case\" version".into())),
        }
        serde_json::from_value(value).map_err(invalid)
    }
}

/// A case file carries neither the sender's network (proxy) nor trust: a CA comes into a profile
/// only from its owner's own `--ca-file`, never from a file someone sent.
pub(super) fn without_local_network(profile: Profile) -> Profile {
    Profile {
        ca_certs: None,
        proxy: None,
        no_proxy: false,
        ..profile
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::plan;
    use crate::profile::MAX_NAME;
    use crate::request::DraftBody;

    fn profile(name: &str, client: &str) -> Profile {
        Profile {
            name: name.into(),
            keyring_id: format!("{name}-k1"),
            token_url: Some("https://auth.example/token".into()),
            client_id: client.into(),
            api_base: Some("https://api.example".into()),
            ..Profile::default()
        }
    }

    fn entry(profile: &str) -> Entry {
        Entry {
            id: 1,
            at: "2026-11-22T10:00:00.000Z".into(),
            profile: profile.into(),
            profile_id: None,
            environment: None,
            method: "POST".into(),
            url: "https://api.example/shipments?dry=1".into(),
            request_headers: vec![
                ("Accept".into(), "application/json".into()),
                ("Authorization".into(), "Bearer [redacted]".into()),
            ],
            request_body: Some("{\"to\":\"Rome\"}".into()),
            status: Some(422),
            response_headers: vec![],
            response_body: Some("{\"error\":\"zip\"}".into()),
            truncated: false,
            elapsed_ms: Some(5),
            error: None,
        }
    }

    fn profiles(list: Vec<Profile>) -> Profiles {
        let mut all = Profiles::default();
        for p in list {
            all.add(p).unwrap();
        }
        all
    }

    #[test]
    fn an_export_carries_requests_and_profile_shapes_but_no_keyring_ids() {
        let here = profiles(vec![profile("acme", "cid")]);
        let case = CaseFile::export(&[entry("acme"), entry("gone")], &here);
        let json = case.to_json();
        assert!(!json.contains("acme-k1"), "{json}");
        assert_eq!(
            case.profiles.len(),
            1,
            "a profile no longer here is not invented"
        );
        assert_eq!(CaseFile::from_json(&json).unwrap(), case);
        assert!(matches!(
            CaseFile::from_json("{\"waybill_case\": 9}"),
            Err(CaseError::TooNew(9))
        ));
        assert!(matches!(
            CaseFile::from_json("[]"),
            Err(CaseError::Invalid(_))
        ));
    }

    #[test]
    fn a_refusal_is_one_line_and_a_profile_named_twice_is_refused() {
        let odd = r#"{"waybill_case": 1, "exported_at": "", "requests": [], "profiles":
            [{"name": "a", "keyring_id": "", "grant": "x\ny", "client_id": "c"}]}"#;
        let err = CaseFile::from_json(odd).unwrap_err().to_string();
        assert!(err.contains("x y") && !err.contains('\n'), "{err}");
        let twice = CaseFile {
            waybill_case: FORMAT,
            exported_at: String::new(),
            profiles: vec![profile("acme", "c"), profile("acme", "d")],
            requests: vec![],
        };
        let err = plan::case(&twice, &Profiles::default()).unwrap_err();
        assert!(
            err.to_string().contains("two profiles named \"acme\""),
            "{err}"
        );
    }

    #[test]
    fn a_case_file_carries_no_proxy_and_brings_no_trust() {
        let key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertificateParams::new(vec!["ca.example".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .pem();
        let behind = Profile {
            ca_certs: Some(ca.clone()),
            proxy: Some("http://proxy.corp:3128".into()),
            ..profile("acme", "cid")
        };
        let case = CaseFile::export(&[entry("acme")], &profiles(vec![behind]));
        assert_eq!(case.profiles[0].ca_certs, None);
        assert_eq!(case.profiles[0].proxy, None);
        // A hand-made (or hostile) file that adds a CA: the CA is dropped on import.
        let mut hostile = case.clone();
        hostile.profiles[0].ca_certs = Some(ca);
        let plan = plan::case(&hostile, &profiles(vec![])).unwrap();
        assert_eq!(plan.add[0].ca_certs, None);
    }

    #[test]
    fn import_never_replaces_a_profile_and_says_what_it_adds() {
        let case = CaseFile::export(
            &[entry("acme"), entry("beta")],
            &profiles(vec![profile("acme", "cid"), profile("beta", "b")]),
        );
        // Here: an identical "acme", and a different "beta".
        let here = profiles(vec![
            profile("acme", "cid"),
            profile("beta", "other-client"),
        ]);
        let plan = plan::case(&case, &here).unwrap();
        assert_eq!(plan.reused, ["acme"]);
        assert_eq!(
            plan.renamed,
            [("beta".to_string(), "beta-case".to_string())]
        );
        assert_eq!(plan.add.len(), 1);
        assert_eq!(plan.add[0].name, "beta-case");
        assert_eq!(plan.add[0].client_id, "b");
        assert!(!plan.add[0].keyring_id.is_empty());
        let names: Vec<_> = plan
            .saved
            .iter()
            .map(|(p, s)| (p.as_str(), s.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("acme", "case 1: POST https://api.example/shipments"),
                ("beta-case", "case 2: POST https://api.example/shipments")
            ]
        );
        let draft = &plan.saved[0].1.request;
        assert_eq!(
            draft.headers,
            [("Accept".to_string(), "application/json".to_string())]
        );
        assert_eq!(draft.body, DraftBody::Raw("{\"to\":\"Rome\"}".into()));
    }

    #[test]
    fn hostile_profiles_are_refused_and_renames_stay_within_the_name_limit() {
        let case = |p: Profile| CaseFile {
            waybill_case: FORMAT,
            exported_at: String::new(),
            profiles: vec![p],
            requests: vec![],
        };
        let hostile = [
            Profile {
                name: "x".repeat(300),
                ..profile("a", "c")
            },
            Profile {
                name: "tab\there".into(),
                ..profile("a", "c")
            },
            Profile {
                client_id: "id\r\nX-Evil: 1".into(),
                ..profile("a", "c")
            },
            Profile {
                token_url: Some("javascript:alert(1)".into()),
                ..profile("a", "c")
            },
        ];
        for p in hostile {
            let err = plan::case(&case(p.clone()), &Profiles::default()).unwrap_err();
            assert!(matches!(err, CaseError::BadProfile { .. }), "{p:?}: {err}");
            assert!(err.to_string().contains("cannot be imported"), "{err}");
        }

        let long = "n".repeat(MAX_NAME);
        let here = profiles(vec![
            profile(&long, "mine"),
            profile(&format!("{}-case", &long[..59]), "x"),
        ]);
        let plan = plan::case(&case(profile(&long, "theirs")), &here).unwrap();
        let name = &plan.add[0].name;
        assert!(
            name.len() <= MAX_NAME && name.ends_with("-case-2"),
            "{name}"
        );
        let mut after = here.clone();
        plan.add_to(&mut after).unwrap();
        assert!(plan.add.iter().all(|p| p.validate().is_ok()));
    }
}
