//! Case files: a set of requests with their responses and the shapes of the profiles they used,
//! in one JSON file a colleague can import: history entries as kept (already redacted) and
//! profiles (which hold no secret); keyring ids are left out, so nothing ties the file to the
//! exporter's keyring. Import plans first: what it adds, and which names clash; it never replaces
//! an existing profile (a clashing one comes in under a new name, an identical one is reused).
//!
//! A case file is untrusted input: every profile in it is validated as `profile add` validates
//! one (a file with an invalid one is refused, saying which and why), and a renamed one keeps
//! within the name limit, so an import never writes what cannot be loaded back.

use serde::{Deserialize, Serialize};

use crate::profile::{Profile, ProfileError, MAX_NAME};
use crate::store::history::Entry;
use crate::store::profiles::Profiles;
use crate::store::saved::SavedRequest;

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

/// What an import would do.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportPlan {
    /// New profiles, under the names they will have (clashing ones renamed).
    pub add: Vec<Profile>,
    /// (name in the file, name it comes in under) for names already taken by another profile.
    pub renamed: Vec<(String, String)>,
    /// Profiles identical to one here: reused, not added.
    pub reused: Vec<String>,
    /// The requests, as saved requests of the profile they belong to (by its name after import).
    pub saved: Vec<(String, SavedRequest)>,
}

impl ImportPlan {
    /// Add the new profiles to `profiles` (saved requests are the caller's: another file).
    pub fn add_to(&self, profiles: &mut Profiles) -> Result<(), crate::StoreError> {
        self.add.iter().try_for_each(|p| profiles.add(p.clone()))
    }
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
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| CaseError::Invalid(e.to_string()))?;
        match value.get("waybill_case").and_then(|v| v.as_u64()) {
            Some(v) if v > FORMAT as u64 => return Err(CaseError::TooNew(v as u32)),
            Some(_) => {}
            None => return Err(CaseError::Invalid("no \"waybill_case\" version".into())),
        }
        serde_json::from_value(value).map_err(|e| CaseError::Invalid(e.to_string()))
    }

    /// What importing into `existing` would add; nothing is changed.
    pub fn plan(&self, existing: &Profiles) -> Result<ImportPlan, CaseError> {
        for shape in &self.profiles {
            shape.validate().map_err(|reason| CaseError::BadProfile {
                name: shape.name.chars().take(80).collect(),
                reason,
            })?;
        }
        let mut plan = ImportPlan {
            add: Vec::new(),
            renamed: Vec::new(),
            reused: Vec::new(),
            saved: Vec::new(),
        };
        let taken = |name: &str, plan: &ImportPlan| {
            existing.get(name).is_ok() || plan.add.iter().any(|p| p.name == name)
        };
        let mut final_name = std::collections::HashMap::new();
        for shape in &self.profiles {
            let same = existing.iter().find(|p| {
                p.name == shape.name
                    && Profile {
                        keyring_id: String::new(),
                        ..(*p).clone()
                    } == *shape
            });
            if same.is_some() {
                plan.reused.push(shape.name.clone());
                final_name.insert(shape.name.clone(), shape.name.clone());
                continue;
            }
            let mut name = shape.name.clone();
            if taken(&name, &plan) {
                let mut n = 1;
                name = renamed(&shape.name, "-case");
                while taken(&name, &plan) {
                    n += 1;
                    name = renamed(&shape.name, &format!("-case-{n}"));
                }
                plan.renamed.push((shape.name.clone(), name.clone()));
            }
            plan.add.push(without_local_network(Profile {
                name: name.clone(),
                keyring_id: crate::profile::new::new_keyring_id(&name),
                ..shape.clone()
            }));
            final_name.insert(shape.name.clone(), name);
        }
        for (i, request) in self.requests.iter().enumerate() {
            let Some(profile) = final_name.get(&request.profile) else {
                continue;
            };
            let path = request.url.split('?').next().unwrap_or_default();
            let draft = request.to_draft();
            plan.saved.push((
                profile.clone(),
                SavedRequest {
                    folder: None,
                    name: format!("case {}: {} {path}", i + 1, request.method),
                    request: draft,
                    params: Vec::new(),
                },
            ));
        }
        Ok(plan)
    }
}

/// `name` + `suffix`, the name shortened so the whole stays a valid profile name.
/// A case file carries neither the sender's network (proxy) nor trust: a CA comes into a profile
/// only from its owner's own `--ca-file`, never from a file someone sent.
fn without_local_network(profile: Profile) -> Profile {
    Profile {
        ca_certs: None,
        proxy: None,
        no_proxy: false,
        ..profile
    }
}

fn renamed(name: &str, suffix: &str) -> String {
    // Valid names are ASCII, so any byte index is a character boundary.
    let keep = name.len().min(MAX_NAME.saturating_sub(suffix.len()));
    format!("{}{suffix}", &name[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let plan = hostile.plan(&profiles(vec![])).unwrap();
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
        let plan = case.plan(&here).unwrap();
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
            let err = case(p.clone()).plan(&Profiles::default()).unwrap_err();
            assert!(matches!(err, CaseError::BadProfile { .. }), "{p:?}: {err}");
            assert!(err.to_string().contains("cannot be imported"), "{err}");
        }

        let long = "n".repeat(MAX_NAME);
        let here = profiles(vec![
            profile(&long, "mine"),
            profile(&format!("{}-case", &long[..59]), "x"),
        ]);
        let plan = case(profile(&long, "theirs")).plan(&here).unwrap();
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
