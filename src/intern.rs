//! Shared copies of names from small, bounded sets: rule, kind and extractor ids and
//! vendor-registry ids.
//!
//! A big project's findings and deployments repeat the same few dozen names hundreds of
//! thousands of times; an allocation each was tens of megabytes at 50,000 files. Only names of
//! loaded rule packs and registries come here, never text from the checked files, so the set
//! stays small even in a long-lived editor session.

use foldhash::HashSet;
use std::sync::{Arc, OnceLock, RwLock};

/// The one shared copy of `name`.
pub fn name(name: &str) -> Arc<str> {
    static NAMES: OnceLock<RwLock<HashSet<Arc<str>>>> = OnceLock::new();
    shared(NAMES.get_or_init(Default::default), name, |n: &str| {
        Arc::from(n)
    })
}

/// The copy of `name` in `set`, entered on first use. Read-locked for the common case (the
/// name is known), so workers looking names up do not queue behind each other.
fn shared<T>(set: &RwLock<HashSet<T>>, name: &str, make: impl Fn(&str) -> T) -> T
where
    T: Clone + Eq + std::hash::Hash + std::borrow::Borrow<str>,
{
    if let Some(known) = set.read().ok().and_then(|s| s.get(name).cloned()) {
        return known;
    }
    let Ok(mut set) = set.write() else {
        return make(name);
    };
    if let Some(known) = set.get(name) {
        return known.clone();
    }
    let entered = make(name);
    set.insert(entered.clone());
    entered
}

/// A shared string behind one pointer. An `Arc<str>` is two words (its length sits beside the
/// pointer); a deployment of the graph holds nine names, and a big project has some 190,000
/// deployments, so the second word was 13 MiB at 50,000 files. Compares, hashes and orders as
/// its text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<Box<str>>);

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        **self == *other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name(Arc::new(text.into_boxed_str()))
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name(Arc::new(Box::from(text)))
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

/// Decoded names are shared as [`thin`] shares them: the only names ever decoded are registry
/// and rule-pack ids (placed deployments and extractors, in the caches and packed facts), and
/// decoded one copy each they were a pre-commit run's largest allocations.
impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        struct Shared;
        impl serde::de::Visitor<'_> for Shared {
            type Value = Name;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a name")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Name, E> {
                Ok(thin(text))
            }
        }
        d.deserialize_str(Shared)
    }
}

/// The one shared [`Name`] of a registry id (see [`name`]).
pub fn thin(name: &str) -> Name {
    static NAMES: OnceLock<RwLock<HashSet<Name>>> = OnceLock::new();
    shared(NAMES.get_or_init(Default::default), name, |n: &str| {
        Name::from(n)
    })
}
