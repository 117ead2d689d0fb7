//! What importing a file would do here, for every kind of file: a spec or collection
//! (`ImportPlan`: one profile, its requests and variables) and a case file (`CasePlan`: the
//! profiles its requests used). Planning changes nothing. It decides which profiles are created
//! and which reused, and the names new ones come in under: a plan never replaces a profile, and a
//! new one whose name is taken comes in under a free one (`name-2`; from a case file `name-case`)
//! that stays within the name limit, so an import never writes what cannot be loaded back.
//!
//! The workspace shows a plan, then plans again under the profiles file's lock and applies that
//! one (`add_to`), so a profile added meanwhile is not replaced either.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::case::{without_local_network, CaseError, CaseFile};
use super::{ImportError, Imported, Removed, Skipped, SkippedKind};
use crate::profile::new::{new_keyring_id, NewProfileError};
use crate::profile::{ClientAuth, Grant, Profile, MAX_NAME};
use crate::store::profiles::Profiles;
use crate::store::saved::SavedRequest;
use crate::store::StoreError;

/// What an import does (or would do). The `--json` of `waybill import`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportPlan {
    /// What was read: `OpenAPI 3.0.3 (YAML)`.
    pub format: String,
    pub title: String,
    pub profile: PlannedProfile,
    pub requests: Vec<PlannedRequest>,
    /// `{{name}}`s the requests use; `value` is what the file gives (set as a shared variable
    /// when none of that name exists).
    pub variables: Vec<PlannedVariable>,
    /// The file's other servers (`--env live` picks its production one).
    pub other_servers: Vec<String>,
    /// Secrets the file holds, by what they are (their values go to the keyring, never shown).
    pub secrets: Vec<String>,
    pub skipped: Vec<Skipped>,
    /// What was taken out of the requests because it carries a credential (a HAR's
    /// `Authorization` headers, cookies, `access_token` query parameters...): kind, name and
    /// how many requests, never a value.
    pub removed: Vec<Removed>,
    /// The profile created, as it is added (`None`: one is reused).
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub add: Option<Profile>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedProfile {
    pub name: String,
    /// `create` or `reuse`.
    #[cfg_attr(feature = "ts", ts(type = "\"create\" | \"reuse\""))]
    pub action: &'static str,
    /// The name the file's title gave, when another profile has it.
    pub renamed_from: Option<String>,
    pub grant: Option<Grant>,
    /// The OpenID Connect issuer its endpoints were discovered from.
    pub issuer: Option<String>,
    pub token_url: Option<String>,
    pub authorize_url: Option<String>,
    pub client_auth: Option<ClientAuth>,
    pub scope: Option<String>,
    pub api_base: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedRequest {
    pub folder: Option<String>,
    pub name: String,
    pub method: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedVariable {
    pub name: String,
    pub value: String,
}

/// What importing a case file would do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CasePlan {
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
    /// Add the profile it creates, if it creates one (its saved requests, secrets and variables
    /// are the caller's: other files and the keyring).
    pub fn add_to(&self, profiles: &mut Profiles) -> Result<(), StoreError> {
        self.add.iter().try_for_each(|p| profiles.add(p.clone()))
    }
}

impl CasePlan {
    /// Add the new profiles to `profiles` (saved requests are the caller's: another file).
    pub fn add_to(&self, profiles: &mut Profiles) -> Result<(), StoreError> {
        self.add.iter().try_for_each(|p| profiles.add(p.clone()))
    }
}

/// The plan for a spec or collection against the profiles there are: its requests go to the
/// profile named `profile` when there is one (its secrets left alone), else to a profile the
/// file makes, named `profile` or after the file's title (a free name when that is taken).
pub fn imported<E>(
    imported: &Imported,
    profile: Option<&str>,
    existing: &Profiles,
) -> Result<ImportPlan, E>
where
    E: From<ImportError> + From<NewProfileError>,
{
    let reused = profile.and_then(|name| existing.get(name).ok());
    let (planned, add) = match reused {
        Some(reused) => (PlannedProfile::of(reused, "reuse", None), None),
        None => {
            let mut new = imported
                .profile
                .clone()
                .ok_or_else(|| ImportError::NoOAuth(why_no_profile(&imported.skipped)))?;
            let wanted = profile.map_or_else(|| name_from_title(&imported.title), str::to_string);
            let name = free_name(&wanted, None, |name| existing.contains(name));
            new.name = name.clone();
            let made = new.build()?;
            let renamed_from = (name != wanted).then_some(wanted);
            (
                PlannedProfile::of(&made, "create", renamed_from),
                Some(made),
            )
        }
    };
    Ok(ImportPlan {
        format: imported.format.clone(),
        title: imported.title.clone(),
        profile: planned,
        requests: imported
            .requests
            .iter()
            .map(|r| PlannedRequest {
                folder: r.folder.clone(),
                name: r.name.clone(),
                method: r.request.method.clone(),
                url: r.request.url.clone(),
            })
            .collect(),
        variables: imported
            .variables
            .iter()
            .map(|(name, value)| PlannedVariable {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        other_servers: imported.other_servers.clone(),
        // A reused profile's own secrets are not replaced by a file's.
        secrets: match add {
            Some(_) => imported.secrets.kinds(),
            None => Vec::new(),
        },
        skipped: imported.skipped.clone(),
        removed: imported.removed.clone(),
        add,
    })
}

/// The plan for a case file against the profiles there are. Every profile in it is validated
/// first (a file with an invalid one, or with two of one name, is refused, saying which and
/// why); one identical to a profile here is reused, any other added, under a free name when its
/// own is taken; each request becomes a saved request of its profile.
pub fn case(case: &CaseFile, existing: &Profiles) -> Result<CasePlan, CaseError> {
    let mut seen = HashSet::new();
    for shape in &case.profiles {
        let name: String = shape.name.chars().take(80).collect();
        shape.validate().map_err(|reason| CaseError::BadProfile {
            name: name.clone(),
            reason,
        })?;
        // An export names each profile once; a file naming one thousands of times would take
        // time cubed to rename them all.
        if !seen.insert(shape.name.as_str()) {
            let why = format!("it has two profiles named {name:?}");
            return Err(CaseError::Invalid(why));
        }
    }
    let mut plan = CasePlan::default();
    let mut final_name = HashMap::new();
    let mut taken: HashSet<String> = existing.iter().map(|p| p.name.clone()).collect();
    for shape in &case.profiles {
        let same = existing.iter().any(|p| {
            p.name == shape.name
                && Profile {
                    keyring_id: String::new(),
                    ..p.clone()
                } == *shape
        });
        let name = match same {
            true => {
                plan.reused.push(shape.name.clone());
                shape.name.clone()
            }
            false => {
                let name = free_name(&shape.name, Some("case"), |name| taken.contains(name));
                taken.insert(name.clone());
                if name != shape.name {
                    plan.renamed.push((shape.name.clone(), name.clone()));
                }
                plan.add.push(without_local_network(Profile {
                    name: name.clone(),
                    keyring_id: new_keyring_id(&name),
                    ..shape.clone()
                }));
                name
            }
        };
        final_name.insert(shape.name.clone(), name);
    }
    for (i, request) in case.requests.iter().enumerate() {
        let Some(profile) = final_name.get(&request.profile) else {
            continue;
        };
        let path = request.url.split('?').next().unwrap_or_default();
        let saved = SavedRequest {
            folder: None,
            name: format!("case {}: {} {path}", i + 1, request.method),
            request: request.to_draft(),
            params: Vec::new(),
            expect: None,
            capture: Vec::new(),
        };
        plan.saved.push((profile.clone(), saved));
    }
    Ok(plan)
}

impl PlannedProfile {
    /// What the plan shows of the profile it creates or reuses.
    fn of(profile: &Profile, action: &'static str, renamed_from: Option<String>) -> Self {
        PlannedProfile {
            name: profile.name.clone(),
            action,
            renamed_from,
            grant: Some(profile.grant),
            issuer: profile.issuer.clone(),
            token_url: profile.token_url.clone(),
            authorize_url: profile.authorize_url.clone(),
            client_auth: Some(profile.client_auth),
            scope: profile.scope.clone(),
            api_base: profile.api_base.clone(),
        }
    }
}

/// Why a file makes no profile, in words: the security schemes it names that Waybill cannot
/// use, or why its OAuth 2.0 settings make none.
fn why_no_profile(skipped: &[Skipped]) -> String {
    let why: Vec<&str> = skipped
        .iter()
        .filter_map(|s| match s.kind {
            SkippedKind::SecurityScheme => Some(s.item.as_str()),
            SkippedKind::OAuthSettings => Some(s.reason.as_str()),
            _ => None,
        })
        .collect();
    match why.is_empty() {
        true => "it names none".to_string(),
        false => why.join(", "),
    }
}

/// A profile name from a title: `Time In Transit` -> `time-in-transit`.
fn name_from_title(title: &str) -> String {
    let mut name = String::new();
    for c in title.chars() {
        match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '_' | '.') => name.push(c),
            _ if !name.ends_with('-') => name.push('-'),
            _ => {}
        }
    }
    let name: String = name
        .trim_matches(['-', '.'])
        .chars()
        .take(MAX_NAME - 4)
        .collect();
    match name.trim_end_matches('-') {
        "" => "imported".into(),
        name => name.into(),
    }
}

/// `wanted` when it is not `taken`, else `wanted` with the first free suffix: `-2`, `-3`... or,
/// with a `mark`, `-case`, `-case-2`... The name is shortened so the whole stays within
/// `MAX_NAME`.
fn free_name(wanted: &str, mark: Option<&str>, taken: impl Fn(&str) -> bool) -> String {
    if !taken(wanted) {
        return wanted.to_string();
    }
    let suffix = |n: u32| match (mark, n) {
        (Some(mark), 1) => format!("-{mark}"),
        (Some(mark), n) => format!("-{mark}-{n}"),
        (None, n) => format!("-{n}"),
    };
    let mut n = if mark.is_some() { 1 } else { 2 };
    loop {
        let suffix = suffix(n);
        let keep = MAX_NAME.saturating_sub(suffix.len());
        let name: String = wanted.chars().take(keep).chain(suffix.chars()).collect();
        if !taken(&name) {
            return name;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::collection::FoundSecrets;
    use crate::profile::new::NewProfile;
    use crate::secret::ClientSecret;

    /// A planning failure, kept as either error (as the workspace's error keeps them).
    #[derive(Debug)]
    enum Failed {
        Import(ImportError),
        Profile(NewProfileError),
    }

    impl From<ImportError> for Failed {
        fn from(e: ImportError) -> Self {
            Failed::Import(e)
        }
    }

    impl From<NewProfileError> for Failed {
        fn from(e: NewProfileError) -> Self {
            Failed::Profile(e)
        }
    }

    fn parcels() -> Imported {
        Imported {
            format: "OpenAPI 3.0.3 (JSON)".into(),
            title: "Parcels".into(),
            profile: Some(NewProfile {
                grant: Some(Grant::ClientCredentials),
                token_url: Some("https://auth.example/token".into()),
                client_id: Some("cid".into()),
                ..NewProfile::default()
            }),
            requests: Vec::new(),
            variables: vec![("id".into(), "p-1".into())],
            other_servers: Vec::new(),
            skipped: Vec::new(),
            secrets: FoundSecrets {
                client_secret: Some(ClientSecret::new("s3cret".to_string())),
                ..FoundSecrets::default()
            },
            removed: Vec::new(),
        }
    }

    #[test]
    fn a_file_creates_its_profile_under_a_free_name_or_goes_to_the_one_named() {
        let plan = |named: Option<&str>, here: &Profiles| {
            imported::<Failed>(&parcels(), named, here).unwrap()
        };
        let mut here = Profiles::default();
        let first = plan(None, &here);
        assert_eq!(
            (first.profile.name.as_str(), first.profile.action),
            ("parcels", "create")
        );
        assert_eq!(first.secrets, ["client secret"]);
        first.add_to(&mut here).unwrap();

        let again = plan(None, &here);
        assert_eq!(
            again.profile.name, "parcels-2",
            "a profile is never replaced"
        );
        assert_eq!(again.profile.renamed_from.as_deref(), Some("parcels"));

        let into = plan(Some("parcels"), &here);
        assert_eq!(into.profile.action, "reuse");
        assert!(into.add.is_none());
        assert!(
            into.secrets.is_empty(),
            "a reused profile keeps its own secrets"
        );
        assert_eq!(plan(Some("fresh"), &here).profile.name, "fresh");

        let bad = imported::<Failed>(&parcels(), Some("no spaces"), &here);
        assert!(
            matches!(bad, Err(Failed::Profile(NewProfileError::Profile(_)))),
            "an invalid name is the profile's error: {bad:?}"
        );
        let without = Imported {
            profile: None,
            skipped: vec![Skipped::new(SkippedKind::Server, "server x", "not a URL")],
            ..parcels()
        };
        let none = imported::<Failed>(&without, None, &here);
        assert!(
            matches!(&none, Err(Failed::Import(ImportError::NoOAuth(why))) if why == "it names none"),
            "{none:?}"
        );
    }

    #[test]
    fn titles_become_profile_names() {
        assert_eq!(name_from_title("Time In Transit"), "time-in-transit");
        assert_eq!(
            name_from_title("  PayPal: Shipping (v1) "),
            "paypal-shipping-v1"
        );
        assert_eq!(name_from_title("Ünïcode ☃"), "n-code");
        assert_eq!(name_from_title("☃"), "imported");
        assert!(name_from_title(&"x".repeat(500)).len() <= MAX_NAME - 4);
    }

    #[test]
    fn a_taken_name_gives_way_to_a_free_one_within_the_name_limit() {
        let taken = ["acme", "acme-2", "acme-case"];
        let is_taken = |name: &str| taken.contains(&name);
        assert_eq!(free_name("beta", None, is_taken), "beta");
        assert_eq!(free_name("acme", None, is_taken), "acme-3");
        assert_eq!(free_name("acme", Some("case"), is_taken), "acme-case-2");
        let long = "n".repeat(MAX_NAME);
        let name = free_name(&long, None, |name| name == long);
        assert_eq!(name.len(), MAX_NAME, "{name}");
        assert!(name.ends_with("n-2"), "{name}");
    }
}
